// Compiles every AssemblyScript module in lib/linalg/assembly/ to build/wasm/<name>.wasm (SIMD on), and
// assembles every hand-written text module lib/regimes/wasm/*.wat the same way (binaryen, from assemblyscript).
// Runs on `npm ci` (postinstall), so a fresh clone has the kernels without committing binaries.
import { readdirSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";
import { spawnSync } from "node:child_process";

const src = "lib/linalg/assembly";
const out = "build/wasm";
mkdirSync(out, { recursive: true });
const asc = join("node_modules", "assemblyscript", "bin", "asc.js");
for (const file of readdirSync(src).filter((f) => f.endsWith(".ts") && !f.startsWith("_"))) {
  const name = basename(file, ".ts");
  const args = [asc, join(src, file), "-o", join(out, `${name}.wasm`), "-O3", "--noAssert", "--enable", "simd",
    "--runtime", "stub", "--initialMemory", "16"];
  const { status } = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (status !== 0) {
    console.error(`build-wasm: asc failed on ${file}`);
    process.exit(status ?? 1);
  }
  console.log(`build-wasm: ${file} -> ${out}/${name}.wasm`);
}

const watDir = "lib/regimes/wasm";
const wats = readdirSync(watDir).filter((f) => f.endsWith(".wat"));
if (wats.length > 0) {
  const { default: binaryen } = await import("binaryen");
  for (const file of wats) {
    const mod = binaryen.parseText(readFileSync(join(watDir, file), "utf8"));
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    if (!mod.validate()) {
      console.error(`build-wasm: ${file} does not validate`);
      process.exit(1);
    }
    writeFileSync(join(out, `${basename(file, ".wat")}.wasm`), mod.emitBinary());
    mod.dispose();
    console.log(`build-wasm: ${file} -> ${out}/${basename(file, ".wat")}.wasm`);
  }
}
