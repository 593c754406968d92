/**
 * The hyper-parameters the generating-function theory depends on (docs/theory.md §2.4, §3):
 * learning rate α, momentum β, batch noise γ = (N − b)/((N − 1)b) (see lib/theory/batchNoise.ts)
 * and the SD parameter τ. γ and τ enter the per-mode quantities only through the product γτ.
 */
import { batchNoise } from "./batchNoise.ts";

export interface SdParams {
  /** learning rate α > 0 */
  readonly alpha: number;
  /** momentum β ∈ (−1, 1) */
  readonly beta: number;
  /** batch noise factor γ ≥ 0 (γ = 0 at b = N, 1 at b = 1) */
  readonly gamma: number;
  /** SD parameter τ (any real; +1 mean field, −1 Gauss) */
  readonly tau: number;
}

/** SdParams from a batch size: γ = (N − b)/((N − 1)b) (docs/theory.md §1). */
export function sdParams(N: number, alpha: number, beta: number, batchSize: number, tau: number): SdParams {
  return { alpha, beta, gamma: batchNoise(N, batchSize), tau };
}
