/**
 * Choice of the linearized regime's row-gather kernel, g = Σ_r w_r·K̂[rows_r, :] (and its fused heavy-ball
 * step): WebAssembly SIMD (wasm/gather.ts, one instance per K̂) or plain TypeScript (ts/gather.ts), summing
 * in the same order (bit-identical). There is no native one (the gather is memory-bound: b rows of K̂ a step).
 */
import { selectBackend } from "./backend.ts";
import { gatherKernel, wasmModule, type GatherKernel, type KernelPrecision } from "./wasm/gather.ts";

export { gatherTs } from "./ts/gather.ts";
export { GatherKernel, gatherKernel, type KernelPrecision, type StateSlot } from "./wasm/gather.ts";

export type GatherEngine = "auto" | "wasm" | "js";

/**
 * The wasm kernel of K̂ to use, or null for the TS path: engine 'js' → null, 'wasm' → wasm (throws if it
 * cannot load), 'auto' → as POWERLAW_SGD_KERNELS says (lib/linalg/backend.ts): wasm if it loads, else TS.
 */
export function chooseGather(
  K: Float64Array,
  N: number,
  engine: GatherEngine,
  precision: KernelPrecision,
): GatherKernel | null {
  if (engine === "js") return null;
  if (engine === "wasm") return gatherKernel(K, N, precision);
  return selectBackend<GatherKernel | null>("gather kernel", {
    wasm: () => gatherKernel(K, N, precision),
    ts: () => null,
  }).impl;
}

/** The backend `chooseGather(…, "auto", …)` takes ("wasm" or "ts"), without building a kernel (for run records). */
export function gatherBackend(): "wasm" | "ts" {
  return selectBackend<unknown>("gather kernel", { wasm: () => wasmModule(), ts: () => null }).name as "wasm" | "ts";
}
