/**
 * Jacobi schedule (docs/theory.md §8): heavy-ball coefficients whose noiseless residual polynomials are the
 * normalised Jacobi polynomials P_t^(a,b)(1 − lr·λ) / P_t^(a,b)(1) on the spectrum λ ∈ [0, 2/lr]:
 *   α_n = lr·(2n+a+b+1)(2n+a+b+2) / (2(n+a+1)(n+a+b+1)),
 *   β_n = n(n+b)(2n+a+b+2) / ((n+a+1)(n+a+b+1)(2n+a+b)),   β_0 = 0.
 * Indexing: with the exact indexing (default) step t of the dynamics uses (α_{t−1}, β_{t−1}), i.e.
 * schedule.lr(n) = α_n with the Schedule convention that step n+1 uses index n; then the residual
 * polynomial after t steps is exactly P_t^(a,b)(1 − lr·λ)/P_t^(a,b)(1). The reference code calls the
 * coefficients with n = t (one index late): schedule.lr(n) = α_{n+1}, momentum(n) = β_{n+1}; same rate,
 * different polynomials. Here a, b are the Jacobi weight exponents (not the batch size); a, b > −1.
 */
import type { Schedule } from "../types.ts";

export type JacobiIndexing = "exact" | "reference";

export interface JacobiParams {
  readonly lr: number;
  readonly a: number;
  readonly b: number;
  readonly indexing?: JacobiIndexing;
}

/** α_n of the Jacobi schedule (n ≥ 0). */
export function jacobiLr(lr: number, a: number, b: number, n: number): number {
  const s = 2 * n + a + b;
  return (lr * (s + 1) * (s + 2)) / (2 * (n + a + 1) * (n + a + b + 1));
}

/** β_n of the Jacobi schedule (n ≥ 0; β_0 = 0 by definition, also when a + b = 0). */
export function jacobiMomentum(a: number, b: number, n: number): number {
  if (n === 0) return 0;
  const s = 2 * n + a + b;
  return (n * (n + b) * (s + 2)) / ((n + a + 1) * (n + a + b + 1) * s);
}

export function jacobiSchedule(params: JacobiParams): Schedule {
  const { lr, a, b } = params;
  const indexing = params.indexing ?? "exact";
  if (!Number.isFinite(lr) || lr <= 0) throw new RangeError(`jacobi: lr must be a finite number > 0, got ${lr}`);
  if (!Number.isFinite(a) || a <= -1) throw new RangeError(`jacobi: a must be a finite number > −1, got ${a}`);
  if (!Number.isFinite(b) || b <= -1) throw new RangeError(`jacobi: b must be a finite number > −1, got ${b}`);
  if (indexing !== "exact" && indexing !== "reference") {
    throw new RangeError(`jacobi: indexing must be 'exact' or 'reference', got ${String(indexing)}`);
  }
  const shift = indexing === "exact" ? 0 : 1;
  return {
    name: `jacobi(lr=${lr}, a=${a}, b=${b}${indexing === "reference" ? ", reference indexing" : ""})`,
    lr: (n) => jacobiLr(lr, a, b, n + shift),
    momentum: (n) => jacobiMomentum(a, b, n + shift),
  };
}
