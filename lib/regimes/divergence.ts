/** The divergence rule shared by all regimes: a non-finite loss, or one above factor·L(0), stops the run. */
export const DEFAULT_DIVERGENCE_FACTOR = 1e10;

export function divergenceBound(initialLoss: number, factor = DEFAULT_DIVERGENCE_FACTOR): number {
  if (!(factor > 0)) throw new RangeError(`divergenceFactor must be > 0, got ${factor}`);
  return initialLoss > 0 ? factor * initialLoss : factor;
}

export function isDiverged(loss: number, bound: number): boolean {
  return !(loss <= bound); // NaN compares false, so it counts as diverged
}
