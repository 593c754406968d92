// Populates Observable Framework's npm cache (<root>/.observablehq/cache/_npm/NAME@VERSION/…) from
// node_modules, so that `observable build` / `observable preview` never touch the network.
//
// What Framework 1.13.4 does (node_modules/@observablehq/framework/dist/npm.js, resolvers.js, libraries.js,
// rollup.js, duckdb.js):
// - Every `npm:NAME[@RANGE][/PATH]` import — explicit in a page, implicit (Plot, Inputs, d3, sql → DuckDB-Wasm,
//   FileAttachment.arrow() → Arrow, …) or inside Framework's own client bundles (stdlib.js names ~25
//   libraries) — is resolved to `/_npm/NAME@VERSION/_esm.js` (PATH with an extension is kept as is, `x/+esm`
//   becomes `x._esm.js`). VERSION is an exact version when the import pins one (DuckDB-Wasm is pinned to
//   1.29.0), otherwise the highest version among the folders already present in `_npm/`; only when no
//   folder satisfies the range does Framework ask registry.npmjs.org. So an (even empty) version folder per
//   package Framework mentions is what keeps version look-ups offline.
// - A file is downloaded from cdn.jsdelivr.net only when `_npm/NAME@VERSION/FILE` does not exist. Framework
//   then parses the cached file's imports: relative imports (`../d3@7.9.2/_esm.js`) are followed and copied
//   to dist/ too, so bundles here may share a dependency through a relative import.
// - DuckDB (`sql` front matter / `sql` cells) additionally needs dist/duckdb-{mvp,eh}.wasm and
//   dist/duckdb-browser-{mvp,eh}.worker.js of @duckdb/duckdb-wasm@1.29.0, and the extensions listed in
//   config.duckdb (the config sets them to null: nothing to download).
// What we put there: real packages bundled with esbuild (one `_esm.js` each; Plot imports the shared d3,
// DuckDB-Wasm imports the shared Arrow), the DuckDB-Wasm wasm/worker files, the sample-datasets files, and,
// for every other library Framework's client mentions, a version folder whose `_esm.js` throws a clear error
// if a page ever imports it.
//
// Usage: node scripts/framework-cache.mjs [--root src] [--force] [--quiet]
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, posix, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const _require = createRequire(join(projectRoot, "package.json"));

/** The packages bundled from node_modules. `shared` maps bare imports to another cached package (one instance). */
const BUNDLED = [
  { name: "d3" },
  { name: "d3-dsv" }, // FileAttachment.csv()/tsv()
  { name: "htl" }, // html/svg, and Inputs' dependency
  { name: "isoformat" },
  { name: "@observablehq/plot", shared: ["d3"] },
  { name: "apache-arrow" }, // FileAttachment.arrow(), Arrow, and DuckDB-Wasm's Arrow (shared below)
  {
    name: "@duckdb/duckdb-wasm",
    entry: "dist/duckdb-browser.mjs",
    shared: ["apache-arrow"],
    files: [
      "dist/duckdb-mvp.wasm",
      "dist/duckdb-eh.wasm",
      "dist/duckdb-browser-mvp.worker.js",
      "dist/duckdb-browser-eh.worker.js",
    ],
  },
];
/** Packages copied file by file (data only). */
const COPIED = [{ name: "@observablehq/sample-datasets", pattern: /\.(csv|json)$/, exclude: /^package\.json$/ }];
/** Framework's own client modules; their `npm:` specifiers are served from dist/_observablehq, not _npm. */
const FRAMEWORK_BUILTINS = new Set([
  "@observablehq/runtime",
  "@observablehq/stdlib",
  "@observablehq/dot",
  "@observablehq/duckdb",
  "@observablehq/inputs",
  "@observablehq/mermaid",
  "@observablehq/tex",
  "@observablehq/sqlite",
]);
const PLACEHOLDER_VERSION = "0.0.0-offline";
const TARGET = ["es2022", "chrome96", "firefox96", "safari16"];

function parseArgs(argv) {
  const args = { root: "src", force: false, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--root") args.root = argv[++i];
    else if (argv[i] === "--force") args.force = true;
    else if (argv[i] === "--quiet") args.quiet = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

function packageDir(name) {
  // resolve package.json through the directory walk (exports maps may hide package.json)
  for (let dir = projectRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir)
      throw new Error(
        `package ${name} is not installed (npm install it, or remove it from scripts/framework-cache.mjs)`,
      );
  }
}

function packageVersion(name) {
  return JSON.parse(readFileSync(join(packageDir(name), "package.json"), "utf8")).version;
}

/** Every `npm:` package name that Framework's client code and implicit-import tables mention. */
export function frameworkNpmNames() {
  const dist = join(packageDir("@observablehq/framework"), "dist");
  const sources = [join(dist, "libraries.js"), join(dist, "duckdb.js")];
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".js")) sources.push(path);
    }
  };
  walk(join(dist, "client"));
  const names = new Set();
  for (const file of sources) {
    for (const [, spec] of readFileSync(file, "utf8").matchAll(/["'`]npm:((?:@[\w.-]+\/)?[\w.-]+)/g)) names.add(spec);
  }
  for (const name of FRAMEWORK_BUILTINS) names.delete(name);
  return [...names].sort();
}

function key(name, version) {
  return `${name}@${version}`;
}

function placeholderModule(name) {
  const message =
    `npm:${name} is not available offline. ` +
    "Add it to package.json and to BUNDLED in scripts/framework-cache.mjs, then rebuild.";
  return (
    `// Placeholder written by scripts/framework-cache.mjs: ${name} is not installed, ` +
    "so the offline build cannot serve it.\n" +
    `throw new Error(${JSON.stringify(message)});\n`
  );
}

function hashInputs(names) {
  const hash = createHash("sha256");
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  hash.update(packageVersion("@observablehq/framework"));
  hash.update(packageVersion("esbuild"));
  for (const name of names)
    hash.update(
      `${name}@${(() => {
        try {
          return packageVersion(name);
        } catch {
          return "-";
        }
      })()}\n`,
    );
  return hash.digest("hex");
}

/** Bundles one package to <npmDir>/NAME@VERSION/_esm.js with its shared dependencies left as relative imports. */
async function bundlePackage(npmDir, spec, versions) {
  const { name, entry, shared = [] } = spec;
  const folder = key(name, versions.get(name));
  const outfile = join(npmDir, folder, "_esm.js");
  const fromDir = posix.dirname(`/${folder}/_esm.js`);
  const entryPoint = entry ? join(packageDir(name), entry) : name;
  await build({
    entryPoints: [entryPoint],
    absWorkingDir: projectRoot,
    bundle: true,
    format: "esm",
    platform: "browser",
    mainFields: ["browser", "module", "main"],
    conditions: ["browser", "import", "module", "default"],
    target: TARGET,
    minify: true,
    legalComments: "none",
    define: { "process.env.NODE_ENV": '"production"' },
    outfile,
    logLevel: "error",
    plugins: [
      {
        name: "shared-npm",
        setup(b) {
          if (shared.length === 0) return;
          const filter = new RegExp(`^(${shared.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
          b.onResolve({ filter }, (args) => ({
            path: posix.relative(fromDir, `/${key(args.path, versions.get(args.path))}/_esm.js`),
            external: true,
          }));
        },
      },
    ],
  });
  for (const file of spec.files ?? []) {
    const to = join(npmDir, folder, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(packageDir(name), file), to);
  }
  return outfile;
}

export async function populateFrameworkCache({ root = "src", force = false, quiet = false } = {}) {
  const log = quiet ? () => {} : (...a) => console.log(...a);
  const start = performance.now();
  const cacheDir = resolve(projectRoot, root, ".observablehq", "cache");
  const npmDir = join(cacheDir, "_npm");
  // not inside _npm: Framework reads every entry there as NAME@VERSION
  const stampFile = join(cacheDir, "framework-cache.json");
  const real = [...BUNDLED.map((b) => b.name), ...COPIED.map((c) => c.name)];
  const mentioned = frameworkNpmNames();
  const placeholders = mentioned.filter((n) => !real.includes(n));
  const versions = new Map(real.map((n) => [n, packageVersion(n)]));
  for (const n of placeholders) versions.set(n, PLACEHOLDER_VERSION);
  const stamp = hashInputs([...real, ...placeholders]);
  const expected = [
    ...BUNDLED.flatMap((b) => [
      join(npmDir, key(b.name, versions.get(b.name)), "_esm.js"),
      ...(b.files ?? []).map((f) => join(npmDir, key(b.name, versions.get(b.name)), f)),
    ]),
    ...placeholders.map((n) => join(npmDir, key(n, PLACEHOLDER_VERSION), "_esm.js")),
  ];
  if (
    !force &&
    existsSync(stampFile) &&
    readFileSync(stampFile, "utf8").includes(stamp) &&
    expected.every((f) => existsSync(f))
  ) {
    log(`framework-cache: up to date (${relative(projectRoot, npmDir)})`);
    return { npmDir, versions, placeholders, rebuilt: false };
  }
  rmSync(npmDir, { recursive: true, force: true });
  mkdirSync(npmDir, { recursive: true });
  // version folders first: bundles refer to each other by exact version
  await Promise.all(BUNDLED.map((spec) => bundlePackage(npmDir, spec, versions)));
  for (const { name, pattern, exclude } of COPIED) {
    const from = packageDir(name);
    const to = join(npmDir, key(name, versions.get(name)));
    mkdirSync(to, { recursive: true });
    for (const file of readdirSync(from))
      if (pattern.test(file) && !exclude.test(file)) copyFileSync(join(from, file), join(to, file));
  }
  for (const name of placeholders) {
    const dir = join(npmDir, key(name, PLACEHOLDER_VERSION));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "_esm.js"), placeholderModule(name));
  }
  writeFileSync(stampFile, JSON.stringify({ stamp, versions: Object.fromEntries(versions) }, null, 2) + "\n");
  log(
    `framework-cache: ${real.map((n) => key(n, versions.get(n))).join(", ")}; ` +
      `placeholders for ${placeholders.length} unused libraries ` +
      `(${Math.round(performance.now() - start)} ms)`,
  );
  return { npmDir, versions, placeholders, rebuilt: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  populateFrameworkCache(parseArgs(process.argv.slice(2))).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
