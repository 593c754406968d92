// Compiles every AssemblyScript module in lib/linalg/assembly/ to build/wasm/<name>.wasm (SIMD on).
// Runs on `npm ci` (postinstall), so a fresh clone has the kernels without committing binaries.
import { readdirSync, mkdirSync } from "node:fs";
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
