// Regenerates gatherBytes.ts from gather.wat with binaryen (a dependency of assemblyscript):
//   node lib/regimes/wasm/assemble.mjs
// test/regimes/gatherWasm.test.ts checks that the committed bytes match the .wat.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";

export function assembleGather() {
  const wat = readFileSync(fileURLToPath(new URL("./gather.wat", import.meta.url)), "utf8");
  const mod = binaryen.parseText(wat);
  mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
  if (!mod.validate()) throw new Error("gather.wat does not validate");
  const bytes = mod.emitBinary();
  mod.dispose();
  return Buffer.from(bytes).toString("base64");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const b64 = assembleGather();
  writeFileSync(fileURLToPath(new URL("./gatherBytes.ts", import.meta.url)),
    `// Generated from gather.wat by assemble.mjs (binaryen); do not edit. Regenerate: node lib/regimes/wasm/assemble.mjs\n` +
    `export const GATHER_WASM_BASE64 =\n  "${b64}";\n`);
  console.log(`gatherBytes.ts: ${Buffer.from(b64, "base64").length} bytes`);
}
