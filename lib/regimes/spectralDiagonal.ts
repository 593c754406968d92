/**
 * Spectral-diagonal (SD) dynamics with parameter τ (THEORY §2.4): per mode k, with a_k = α λ_k and
 * batch noise γ,
 *   Π_k  = a_k²[(1 − γτ) C_k + γ Σ_l C_l] − 2β a_k J_k + β² P_k
 *   C_k' = (1 − 2a_k) C_k + 2β J_k + Π_k,   J_k' = β J_k − a_k C_k + Π_k,   P_k' = Π_k,
 * L = Σ_k C_k / (2N), started from (C_k(0), 0, 0). O(N) per step.
 * Reference: Velikanov, Kuznedelev, Yarotsky (ICLR 2023), eqs. of the SD approximation.
 */
import type { RegimeRun, RunOptions, Spectrum } from "../types.ts";
import { batchNoise } from "../theory/batchNoise.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { shouldTrack } from "./tracking.ts";

export interface SpectralDiagonalOptions extends RunOptions {
  readonly tau: number;
}

export function* spectralDiagonal(problem: Spectrum, options: SpectralDiagonalOptions): RegimeRun {
  const { N, lambda, c0 } = problem;
  const { schedule, nSteps, tau } = options;
  if (!Number.isFinite(tau)) throw new RangeError(`tau must be a finite number, got ${tau}`);
  const gamma = batchNoise(N, options.batchSize);
  const trackEvery = options.trackEvery ?? 0;
  const C = Float64Array.from(c0);
  const J = new Float64Array(N);
  const P = new Float64Array(N);
  let sum = 0;
  for (let k = 0; k < N; k++) sum += C[k];
  const norm = 1 / (2 * N);
  const bound = divergenceBound(sum * norm, options.divergenceFactor);
  yield { step: 0, loss: sum * norm, ...(shouldTrack(0, nSteps, trackEvery) ? { modes: C.slice() } : {}) };
  const damp = 1 - gamma * tau;
  for (let t = 1; t <= nSteps; t++) {
    const alpha = schedule.lr(t - 1);
    const beta = schedule.momentum(t - 1);
    const beta2 = beta * beta;
    const noise = gamma * sum;
    let next = 0;
    for (let k = 0; k < N; k++) {
      const a = alpha * lambda[k];
      const c = C[k];
      const j = J[k];
      const pi = a * a * (damp * c + noise) - 2 * beta * a * j + beta2 * P[k];
      const cNew = (1 - 2 * a) * c + 2 * beta * j + pi;
      C[k] = cNew;
      J[k] = beta * j - a * c + pi;
      P[k] = pi;
      next += cNew;
    }
    sum = next;
    const loss = sum * norm;
    if (isDiverged(loss, bound)) {
      yield { step: t, loss };
      return { status: "diverged", divergedAt: t, steps: t };
    }
    yield { step: t, loss, ...(shouldTrack(t, nSteps, trackEvery) ? { modes: C.slice() } : {}) };
  }
  return { status: "done", divergedAt: null, steps: nSteps };
}
