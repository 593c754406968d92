/**
 * The SD(τ) step kernel (docs/theory.md §2.4): `steps` consecutive steps t of, for every mode k,
 *   a_k = α_t λ_k,   Π_k = a_k²[(1 − γτ)C_k + γS] − 2β_t a_k J_k + β_t² P_k,
 *   C_k ← (1 − 2a_k)C_k + 2β_t J_k + Π_k,   J_k ← β_t J_k − a_k C_k + Π_k,   P_k ← Π_k,
 * S = Σ_l C_l before the step, updated in place; after step t, sums[t] = S_t = Σ_k C_k. The kernel stops after the
 * first step whose loss S_t·norm is not ≤ bound (non-finite or above the divergence bound) and returns the number
 * of steps taken. One name, one implementation per backend: ts/sdStep.ts (the reference), wasm/sdStep.ts
 * (wasm/src/sdStep.ts, f64x2) and native/sdStep.ts (native/sdStep.c); sdStepBackend.ts chooses. Every backend
 * evaluates each mode's update in the reference's operation order (no FMA), so they differ only in the summation
 * order of S.
 */

/** The SD state of N modes: λ_k (read) and C_k, J_k, P_k (updated in place). */
export interface SdState {
  readonly lambda: Float64Array;
  readonly C: Float64Array;
  readonly J: Float64Array;
  readonly P: Float64Array;
}

/** One block of steps: the schedule's α_t, β_t for each step, and where S_t goes. */
export interface SdBlock {
  /** number of steps to take (≤ the lengths of alphas, betas, sums) */
  readonly steps: number;
  readonly alphas: Float64Array;
  readonly betas: Float64Array;
  /** 1 − γτ */
  readonly damp: number;
  /** batch noise γ */
  readonly gamma: number;
  /** S = Σ_k C_k of the state on entry */
  readonly sum: number;
  /** loss = S·norm (1/(2N)) */
  readonly norm: number;
  /** divergence bound on the loss */
  readonly bound: number;
  /** out: S_t after each step taken */
  readonly sums: Float64Array;
}

export type SdBackend = "ts" | "wasm" | "native";

export interface SdStepKernel {
  readonly name: SdBackend;
  /** Runs the block on the state in place; returns the number of steps taken (< steps only if the last diverged). */
  sdStep(state: SdState, block: SdBlock): number;
}

/** Throws unless the block fits its arrays and the state's arrays have one length. */
export function checkSdArgs(state: SdState, block: SdBlock): void {
  const N = state.lambda.length;
  for (const [name, a] of [
    ["C", state.C],
    ["J", state.J],
    ["P", state.P],
  ] as const) {
    if (a.length !== N) throw new RangeError(`sdStep: ${name} has ${a.length} entries, lambda ${N}`);
  }
  const { steps } = block;
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`sdStep: steps must be an integer ≥ 0, got ${steps}`);
  }
  for (const [name, a] of [
    ["alphas", block.alphas],
    ["betas", block.betas],
    ["sums", block.sums],
  ] as const) {
    if (a.length < steps) throw new RangeError(`sdStep: ${name} has ${a.length} entries, fewer than steps = ${steps}`);
  }
}
