/**
 * Spectral-diagonal (SD) dynamics with parameter τ (docs/theory.md §2.4): per mode k, with a_k = α λ_k and
 * batch noise γ,
 *   Π_k  = a_k²[(1 − γτ) C_k + γ Σ_l C_l] − 2β a_k J_k + β² P_k
 *   C_k' = (1 − 2a_k) C_k + 2β J_k + Π_k,   J_k' = β J_k − a_k C_k + Π_k,   P_k' = Π_k,
 * L = Σ_k C_k / (2N), started from (C_k(0), 0, 0). O(N) per step.
 * The steps run in blocks (default 256) through one call of the SD step kernel (./sdStep.ts): plain
 * TypeScript by default, which keeps this module free of Node APIs for the browser; lib/run passes the
 * WebAssembly or native kernel (./sdStepBackend.ts). A block ends early at a tracked step, so C_k is read there,
 * and the kernel stops at a diverged step, so a diverged run ends at the same step with the same status.
 * Reference: Velikanov, Kuznedelev, Yarotsky (ICLR 2023), eqs. of the SD approximation.
 */
import type { RegimeRun, RunOptions, Spectrum } from "../types.ts";
import { batchNoise } from "../theory/batchNoise.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { shouldTrack } from "./tracking.ts";
import type { SdStepKernel } from "./sdStep.ts";
import { sdStepTsKernel } from "./ts/sdStep.ts";

export interface SpectralDiagonalOptions extends RunOptions {
  readonly tau: number;
  /** the step kernel (default: the TypeScript reference) */
  readonly kernel?: SdStepKernel;
  /** steps per kernel call (default 256); the generator computes up to this many steps ahead of its consumer */
  readonly blockSteps?: number;
}

export function* spectralDiagonal(problem: Spectrum, options: SpectralDiagonalOptions): RegimeRun {
  const { N, lambda, c0 } = problem;
  const { schedule, nSteps, tau } = options;
  if (!Number.isFinite(tau)) throw new RangeError(`tau must be a finite number, got ${tau}`);
  const blockSteps = options.blockSteps ?? 256;
  if (!Number.isInteger(blockSteps) || blockSteps < 1) {
    throw new RangeError(`blockSteps must be an integer ≥ 1, got ${blockSteps}`);
  }
  const kernel = options.kernel ?? sdStepTsKernel;
  const gamma = batchNoise(N, options.batchSize);
  const trackEvery = options.trackEvery ?? 0;
  const state = { lambda, C: Float64Array.from(c0), J: new Float64Array(N), P: new Float64Array(N) };
  let sum = 0;
  for (let k = 0; k < N; k++) sum += state.C[k];
  const norm = 1 / (2 * N);
  const bound = divergenceBound(sum * norm, options.divergenceFactor);
  const track = (t: number) => (shouldTrack(t, nSteps, trackEvery) ? { modes: state.C.slice() } : {});
  yield { step: 0, loss: sum * norm, ...track(0) };
  const size = Math.min(blockSteps, Math.max(nSteps, 1));
  const alphas = new Float64Array(size);
  const betas = new Float64Array(size);
  const sums = new Float64Array(size);
  const damp = 1 - gamma * tau;
  for (let t = 1; t <= nSteps; ) {
    // steps t .. last, ending at the next tracked step
    let last = Math.min(t + size - 1, nSteps);
    if (trackEvery > 0) last = Math.min(last, Math.ceil(t / trackEvery) * trackEvery);
    const steps = last - t + 1;
    for (let i = 0; i < steps; i++) {
      alphas[i] = schedule.lr(t - 1 + i);
      betas[i] = schedule.momentum(t - 1 + i);
    }
    const taken = kernel.sdStep(state, { steps, alphas, betas, damp, gamma, sum, norm, bound, sums });
    for (let i = 0; i < taken - 1; i++) yield { step: t + i, loss: sums[i] * norm };
    const end = t + taken - 1;
    sum = sums[taken - 1];
    const loss = sum * norm;
    if (isDiverged(loss, bound)) {
      yield { step: end, loss };
      return { status: "diverged", divergedAt: end, steps: end };
    }
    yield { step: end, loss, ...track(end) };
    t = end + 1;
  }
  return { status: "done", divergedAt: null, steps: nSteps };
}
