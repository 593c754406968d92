/**
 * Batch noise factor for b distinct indices drawn uniformly without replacement from N (docs/theory.md §1):
 * γ = (N − b) / ((N − 1)·b); γ = 1 at b = 1 and γ = 0 at b = N.
 */
export function batchNoise(N: number, b: number): number {
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`N must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(b) || b < 1 || b > N)
    throw new RangeError(`batch size must be an integer in 1..${N}, got ${b}`);
  return (N - b) / ((N - 1) * b);
}
