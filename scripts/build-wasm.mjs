// Compiles every AssemblyScript module lib/**/wasm/src/*.ts to build/wasm/<name>.wasm (SIMD on), and
// assembles every hand-written text module lib/**/wasm/src/*.wat the same way (binaryen, from assemblyscript).
// For the transition, lib/linalg/assembly/*.ts too while that folder exists. Module names must be unique
// across folders (one build/wasm/ directory). Runs on `npm ci` (postinstall), so a fresh clone has the
// kernels without committing binaries.
import { existsSync, readdirSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, basename, extname } from "node:path";
import { spawnSync } from "node:child_process";

const out = "build/wasm";
mkdirSync(out, { recursive: true });

/** Every file directly in a `wasm/src` folder under lib/, plus lib/linalg/assembly/*.ts (transition). */
function sources() {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === "src" && basename(dir) === "wasm") {
        for (const f of readdirSync(path)) if (/\.(ts|wat)$/.test(f) && !f.startsWith("_")) found.push(join(path, f));
      } else walk(path);
    }
  };
  walk("lib");
  const legacy = "lib/linalg/assembly";
  if (existsSync(legacy)) {
    for (const f of readdirSync(legacy)) if (f.endsWith(".ts") && !f.startsWith("_")) found.push(join(legacy, f));
  }
  return found.sort();
}

const files = sources();
const byName = new Map();
for (const file of files) {
  const name = basename(file, extname(file));
  if (byName.has(name)) {
    console.error(`build-wasm: ${file} and ${byName.get(name)} would both build ${out}/${name}.wasm; rename one`);
    process.exit(1);
  }
  byName.set(name, file);
}

const asc = join("node_modules", "assemblyscript", "bin", "asc.js");
let binaryen;
for (const [name, file] of byName) {
  const target = join(out, `${name}.wasm`);
  if (file.endsWith(".ts")) {
    const args = [
      asc,
      file,
      "-o",
      target,
      "-O3",
      "--noAssert",
      "--enable",
      "simd",
      "--runtime",
      "stub",
      "--initialMemory",
      "16",
    ];
    const { status } = spawnSync(process.execPath, args, { stdio: "inherit" });
    if (status !== 0) {
      console.error(`build-wasm: asc failed on ${file}`);
      process.exit(status ?? 1);
    }
  } else {
    binaryen ??= (await import("binaryen")).default;
    const mod = binaryen.parseText(readFileSync(file, "utf8"));
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    if (!mod.validate()) {
      console.error(`build-wasm: ${file} does not validate`);
      process.exit(1);
    }
    writeFileSync(target, mod.emitBinary());
    mod.dispose();
  }
  console.log(`build-wasm: ${file} -> ${target}`);
}
