/**
 * Momentum conventions under a varying learning rate.
 *
 * Every regime of this project (SD, full, linearized) uses the convention of the moment equations
 * (docs/theory.md §2.3–2.4), with v_t = d_t − d_{t−1} and step n+1 using index n:
 *     v_{n+1} = β_n v_n − α_n g_n,   d_{n+1} = d_n + v_{n+1}            ("classic" heavy ball).
 * PyTorch's SGD writes p_{n+1} = g_n + β'_n p_n, d_{n+1} = d_n − α_n p_{n+1}; with v = −α p this is the
 * classic form with β_n = β'_n·α_n/α_{n−1}. The two agree whenever α is constant; under a varying α
 * (Jacobi, power law) they differ. The Jacobi coefficients of docs/theory.md §8 are classic ones: with them the
 * noiseless residual is exactly the normalised Jacobi polynomial.
 * These adapters convert a schedule written in one convention into the other (β at n = 0 multiplies
 * v_0 = p_0 = 0, so it is passed through unchanged).
 */
import type { Schedule } from "../types.ts";

/** A schedule whose momentum is PyTorch's β'_n, rewritten for the regimes: β_n = β'_n·α_n/α_{n−1}. */
export function fromPytorchMomentum(s: Schedule): Schedule {
  return {
    name: `${s.name} [pytorch momentum]`,
    lr: (n) => s.lr(n),
    momentum: (n) => (n === 0 ? s.momentum(0) : (s.momentum(n) * s.lr(n)) / s.lr(n - 1)),
  };
}

/**
 * The PyTorch momentum β'_n = β_n·α_{n−1}/α_n that reproduces a regime schedule with torch.optim.SGD
 * (for the network regime). Throws a RangeError where α_n = 0 and β_n ≠ 0 (not representable).
 */
export function toPytorchMomentum(s: Schedule): Schedule {
  return {
    name: `${s.name} [as pytorch momentum]`,
    lr: (n) => s.lr(n),
    momentum: (n) => {
      const beta = s.momentum(n);
      if (n === 0 || beta === 0) return beta;
      const a = s.lr(n);
      if (a === 0) throw new RangeError(`step index ${n}: lr = 0 with momentum ${beta} has no PyTorch equivalent`);
      return (beta * s.lr(n - 1)) / a;
    },
  };
}
