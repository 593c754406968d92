/**
 * The network regime's Gram step ("gram" in ./network.ts): with Ĝ = XXᵀ/d + 11ᵀ, the batch B of b points and
 * Δ (b×H) the batch's first-layer deltas, over the N rows of the pre-activations Z and of Q (N×H),
 *   Q ← β·Q + (1/b)·Ĝ[:, B]·Δ,   Z ← Z − lr·Q,   f_n = (1/√H)·Σ_h w₂[h]·ReLU(Z[n, h]),
 * returning Σ_n (f_n − y_n)². One name, one implementation per backend: ts/gramStep.ts (a GEMM by the dense
 * kernels, then one pass over Z and Q) and native/gramStep.ts (native/gramStep.c: one fused sweep, so Z and Q
 * cross memory once a step); networkKernels.ts chooses. No WebAssembly version: Z and Q would have to live
 * in the module's memory, and the GEMM-then-pass form over the WebAssembly dense kernels is the fallback.
 */
import type { BackendName } from "../linalg/backend.ts";

export interface GramStepArgs {
  readonly N: number;
  readonly H: number;
  readonly b: number;
  /** b×N: row r is Ĝ[B_r, :] (= column B_r, Ĝ being symmetric) */
  readonly gb: Float64Array;
  /** b×H */
  readonly delta: Float64Array;
  /** N×H, updated in place */
  readonly Q: Float64Array;
  /** N×H, updated in place */
  readonly Z: Float64Array;
  readonly w2: Float64Array;
  readonly y: Float64Array;
  /** out: the N outputs */
  readonly f: Float64Array;
  readonly lr: number;
  readonly beta: number;
}

export interface GramStepKernel {
  readonly name: BackendName;
  /** The step in place; returns Σ_n (f_n − y_n)². */
  gramStep(args: GramStepArgs): number;
}

/** Throws unless every array holds what the step reads or writes. */
export function checkGramArgs(a: GramStepArgs): void {
  const { N, H, b } = a;
  for (const [name, v] of [
    ["N", N],
    ["H", H],
    ["b", b],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`gramStep: ${name} must be an integer ≥ 1, got ${v}`);
  }
  if (b > N) throw new RangeError(`gramStep: b must be ≤ N = ${N}, got ${b}`);
  const need: [string, Float64Array, number][] = [
    ["gb", a.gb, b * N],
    ["delta", a.delta, b * H],
    ["Q", a.Q, N * H],
    ["Z", a.Z, N * H],
    ["w2", a.w2, H],
    ["y", a.y, N],
    ["f", a.f, N],
  ];
  for (const [name, v, n] of need) {
    if (v.length < n) throw new RangeError(`gramStep: ${name} has ${v.length} entries, needs ${n}`);
  }
}
