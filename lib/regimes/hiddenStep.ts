/**
 * The network regime's optimiser step for everything attached to the hidden units (docs/theory.md §11.2), given
 * the batch's pre-activations Z_B (b×H) and scaled residuals a_r = (f(x_r) − y_r)/√H: for each unit h,
 *   Δ[r,h] = a_r·w₂[h]·1[Z_B[r,h] > 0],
 *   g_b = (1/b)·Σ_r Δ[r,h],   g_w = (1/b)·Σ_r a_r·ReLU(Z_B[r,h]),
 *   buf_w₂ ← β·buf_w₂ + g_w,  w₂ ← w₂ − lr·buf_w₂,   buf_b₁ ← β·buf_b₁ + g_b,  b₁ ← b₁ − lr·buf_b₁,
 * and with the explicit first layer (W₁, its buffer, the batch inputs X_B, b×d),
 *   buf_W₁[h,:] ← β·buf_W₁[h,:] + (1/(b√d))·Σ_r Δ[r,h]·X_B[r,:],  W₁[h,:] ← W₁[h,:] − lr·buf_W₁[h,:].
 * Δ is written out (the Gram step needs it). One name, one implementation per backend: ts/hiddenStep.ts (loops,
 * and a GEMM by the dense kernels for W₁) and native/hiddenStep.ts (native/hiddenStep.c: one sweep over the
 * units); networkKernels.ts chooses.
 */
import type { BackendName } from "../linalg/backend.ts";

export interface HiddenStepArgs {
  readonly H: number;
  readonly b: number;
  /** b×H, the batch's pre-activations */
  readonly zb: Float64Array;
  /** b scaled residuals a_r */
  readonly res: Float64Array;
  /** out: b×H */
  readonly delta: Float64Array;
  /** H each, updated in place */
  readonly w2: Float64Array;
  readonly bufW2: Float64Array;
  readonly b1: Float64Array;
  readonly bufB1: Float64Array;
  /** the explicit first layer, or null */
  readonly first: {
    readonly d: number;
    /** b×d */
    readonly xb: Float64Array;
    /** H×d each, updated in place */
    readonly W: Float64Array;
    readonly buf: Float64Array;
  } | null;
  readonly lr: number;
  readonly beta: number;
}

export interface HiddenStepKernel {
  readonly name: BackendName;
  hiddenStep(args: HiddenStepArgs): void;
}

/** Throws unless every array holds what the step reads or writes. */
export function checkHiddenArgs(a: HiddenStepArgs): void {
  const { H, b } = a;
  const d = a.first?.d ?? 1;
  for (const [name, v] of [
    ["H", H],
    ["b", b],
    ["d", d],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`hiddenStep: ${name} must be an integer ≥ 1, got ${v}`);
  }
  const need: [string, Float64Array, number][] = [
    ["zb", a.zb, b * H],
    ["res", a.res, b],
    ["delta", a.delta, b * H],
    ["w2", a.w2, H],
    ["bufW2", a.bufW2, H],
    ["b1", a.b1, H],
    ["bufB1", a.bufB1, H],
  ];
  if (a.first) need.push(["xb", a.first.xb, b * d], ["W", a.first.W, H * d], ["buf", a.first.buf, H * d]);
  for (const [name, v, n] of need) {
    if (v.length < n) throw new RangeError(`hiddenStep: ${name} has ${v.length} entries, needs ${n}`);
  }
}
