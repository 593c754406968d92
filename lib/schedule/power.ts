/**
 * Power-law learning-rate schedule with constant momentum:
 *   α_n = lr·(1 + n/n₀)^(−p),  β_n = momentum,
 * equivalently α_n = lr·n₀^p·(n + n₀)^(−p), the form the reference names (α_n ∝ (n + n₀)^(−p)) with
 * the constant fixed so that α_0 = lr. Step n+1 of the dynamics uses index n (Schedule convention).
 * p = 0 is the constant schedule.
 */
import type { Schedule } from "../types.ts";

export interface PowerParams {
  readonly lr: number;
  /** decay exponent p ≥ 0 */
  readonly p: number;
  /** time scale n₀ > 0 (in steps) */
  readonly n0: number;
  readonly momentum?: number;
}

export function powerSchedule(params: PowerParams): Schedule {
  const { lr, p, n0 } = params;
  const momentum = params.momentum ?? 0;
  if (!Number.isFinite(lr)) throw new RangeError(`power: lr must be finite, got ${lr}`);
  if (!Number.isFinite(p) || p < 0) throw new RangeError(`power: p must be a finite number ≥ 0, got ${p}`);
  if (!Number.isFinite(n0) || n0 <= 0) throw new RangeError(`power: n0 must be a finite number > 0, got ${n0}`);
  if (!Number.isFinite(momentum)) throw new RangeError(`power: momentum must be finite, got ${momentum}`);
  return {
    name: `power(lr=${lr}, p=${p}, n0=${n0}, momentum=${momentum})`,
    lr: (n) => lr * Math.pow(1 + n / n0, -p),
    momentum: () => momentum,
  };
}
