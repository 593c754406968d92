/**
 * Choice of dense kernels. `denseKernels()` is what the engine calls: the WebAssembly SIMD kernels
 * when build/wasm/dense.wasm loads (built by `npm ci`), else the plain-TypeScript ones.
 * The environment variable POWERLAW_SGD_KERNELS=ts|wasm forces one (wasm then throws if it cannot load).
 */
import type { DenseKernels } from "./types.ts";
import { gemmTs, syrkTs } from "./gemmTs.ts";
import { loadWasmKernels } from "./wasmKernels.ts";

/** Plain-TypeScript kernels: the reference and fallback. */
export const tsKernels: DenseKernels = { name: "ts", gemm: gemmTs, syrk: syrkTs };

let wasm: DenseKernels | undefined;
let wasmError: unknown;

/** The WebAssembly SIMD kernels (one instance, cached); throws with the reason if they cannot load. */
export function wasmKernels(): DenseKernels {
  if (wasm) return wasm;
  if (wasmError === undefined) {
    try {
      wasm = loadWasmKernels();
      return wasm;
    } catch (e) {
      wasmError = e;
    }
  }
  throw new Error(`WebAssembly dense kernels unavailable (run \`node scripts/build-wasm.mjs\`): ${String(wasmError)}`,
    { cause: wasmError });
}

let chosen: DenseKernels | undefined;

/** The kernels the engine uses (cached): wasm if available, else TS; POWERLAW_SGD_KERNELS=ts|wasm forces one. */
export function denseKernels(): DenseKernels {
  if (chosen) return chosen;
  const force = process.env.POWERLAW_SGD_KERNELS?.trim().toLowerCase();
  if (force === "ts") chosen = tsKernels;
  else if (force === "wasm") chosen = wasmKernels();
  else if (force === undefined || force === "" || force === "auto") {
    try {
      chosen = wasmKernels();
    } catch {
      chosen = tsKernels;
    }
  } else throw new Error(`POWERLAW_SGD_KERNELS must be "ts", "wasm" or "auto", got "${force}"`);
  return chosen;
}
