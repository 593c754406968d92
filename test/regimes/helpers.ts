/**
 * Small dense problems built independently of lib/problem and lib/linalg, for the regime tests:
 * a random orthogonal matrix by twice-applied modified Gram–Schmidt on Gaussian columns, the real
 * Fourier basis of circulant matrices, K̂ = U Λ Uᵀ by plain loops.
 */
import { Rng } from "../../lib/random/rng.ts";
import type { DenseProblem, RegimeRun, RunOutcome, StepRecord } from "../../lib/types.ts";

/** Random orthogonal N×N matrix, row-major, columns orthonormal (Gram–Schmidt, two passes). */
export function randomOrthogonal(N: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const cols: Float64Array[] = [];
  for (let k = 0; k < N; k++) {
    const v = rng.normals(N);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of cols) {
        let dot = 0;
        for (let i = 0; i < N; i++) dot += q[i] * v[i];
        for (let i = 0; i < N; i++) v[i] -= dot * q[i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < N; i++) nrm += v[i] * v[i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < N; i++) v[i] /= nrm;
    cols.push(v);
  }
  const U = new Float64Array(N * N);
  for (let k = 0; k < N; k++) for (let i = 0; i < N; i++) U[i * N + k] = cols[k][i];
  return U;
}

/**
 * Real orthonormal Fourier basis (column k = u_k): constant, then cos/sin pairs of frequency 1, 2, …,
 * then (−1)^i for even N.
 */
export function realFourierBasis(N: number): { U: Float64Array; frequency: Int32Array } {
  const U = new Float64Array(N * N);
  const frequency = new Int32Array(N);
  let k = 0;
  const put = (f: number, fn: (i: number) => number) => {
    for (let i = 0; i < N; i++) U[i * N + k] = fn(i);
    frequency[k++] = f;
  };
  put(0, () => 1 / Math.sqrt(N));
  for (let f = 1; 2 * f < N; f++) {
    put(f, (i) => Math.sqrt(2 / N) * Math.cos((2 * Math.PI * f * i) / N));
    put(f, (i) => Math.sqrt(2 / N) * Math.sin((2 * Math.PI * f * i) / N));
  }
  if (N % 2 === 0) put(N / 2, (i) => (i % 2 === 0 ? 1 : -1) / Math.sqrt(N));
  return { U, frequency };
}

/** K̂ = U diag(λ) Uᵀ, exactly symmetrised. */
export function khatFrom(U: Float64Array, lambda: Float64Array): Float64Array {
  const N = lambda.length;
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = i; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += U[i * N + k] * lambda[k] * U[j * N + k];
      K[i * N + j] = K[j * N + i] = s;
    }
  }
  return K;
}

/** A DenseProblem from eigenvectors U (columns), eigenvalues and d_0. */
export function denseProblem(U: Float64Array, lambda: Float64Array, d0: Float64Array): DenseProblem {
  const N = lambda.length;
  const c0 = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += U[i * N + k] * d0[i];
    c0[k] = s * s;
  }
  return { N, lambda: Float64Array.from(lambda), c0, khat: khatFrom(U, lambda), d0: Float64Array.from(d0), vectors: U };
}

/** Power-law problem: λ_k = k^(−ν), coefficients ∝ k^(−(κ+1)/2) with unit norm, Haar-like random U (seeded). */
export function powerLawProblem(N: number, nu: number, kappa: number, seed: number): DenseProblem {
  const U = randomOrthogonal(N, seed);
  const lambda = new Float64Array(N);
  const coef = new Float64Array(N);
  let s = 0;
  for (let k = 0; k < N; k++) {
    lambda[k] = Math.pow(k + 1, -nu);
    coef[k] = Math.pow(k + 1, -(kappa + 1) / 2);
    s += coef[k] * coef[k];
  }
  for (let k = 0; k < N; k++) coef[k] /= Math.sqrt(s);
  const d0 = new Float64Array(N);
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) d0[i] += U[i * N + k] * coef[k];
  return denseProblem(U, lambda, d0);
}

export interface Collected {
  records: StepRecord[];
  losses: number[];
  outcome: RunOutcome;
}

export function collect(run: RegimeRun): Collected {
  const records: StepRecord[] = [];
  for (;;) {
    const r = run.next();
    if (r.done) return { records, losses: records.map((x) => x.loss), outcome: r.value };
    records.push(r.value);
  }
}

/** max_t |a_t − b_t| / |b_t| over two curves of equal length. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}

/** max |a_i − b_i| / max |b_i| (relative to the scale of b). */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return m / s;
}

/** Plain heavy ball with full-batch gradient K̂d (few lines, independent of the regimes): loss curve. */
export function plainHeavyBall(
  problem: DenseProblem,
  nSteps: number,
  lr: (n: number) => number,
  momentum: (n: number) => number,
): number[] {
  const { N, khat } = problem;
  const d = Float64Array.from(problem.d0);
  const p = new Float64Array(N);
  const out = [d.reduce((s, x) => s + x * x, 0) / (2 * N)];
  for (let t = 0; t < nSteps; t++) {
    const g = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) g[i] += khat[i * N + j] * d[j];
    for (let i = 0; i < N; i++) {
      p[i] = g[i] + momentum(t) * p[i];
      d[i] -= lr(t) * p[i];
    }
    out.push(d.reduce((s, x) => s + x * x, 0) / (2 * N));
  }
  return out;
}
