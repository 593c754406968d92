// Independent reference computations for the theory tests: the per-mode 3×3 matrix A_k written out
// from docs/theory.md §3, a 3×3 Gaussian-elimination solve, the whole 3N×3N SD operator written out from the
// update rule of docs/theory.md §2.4, its spectral radius by repeated squaring, and SD runs through the regime.
import type { Spectrum } from "../../lib/types.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
import { constantSchedule } from "../../lib/schedule/constant.ts";

/** Synthetic spectrum (docs/theory.md §1): λ_k = k^(−ν), C_k(0) = k^(−κ−1)/Σ_j j^(−κ−1). */
export function powerLawSpectrum(N: number, nu: number, kappa: number): Spectrum {
  const lambda = new Float64Array(N),
    c0 = new Float64Array(N);
  let s = 0;
  for (let k = N; k >= 1; k--) {
    lambda[k - 1] = Math.pow(k, -nu);
    c0[k - 1] = Math.pow(k, -kappa - 1);
    s += c0[k - 1];
  }
  for (let k = 0; k < N; k++) c0[k] /= s;
  return { N, lambda, c0 };
}

/** A_k of docs/theory.md §3 (row-major 3×3), a = αλ, q = a²(1 − γτ). */
export function modeMatrix(a: number, beta: number, gammaTau: number): number[] {
  const q = a * a * (1 - gammaTau);
  const b2 = beta * beta;
  return [1 - 2 * a + q, 2 * beta * (1 - a), b2, -a + q, beta * (1 - 2 * a), b2, q, -2 * beta * a, b2];
}

export function matVec3(A: number[], x: number[]): number[] {
  return [
    A[0] * x[0] + A[1] * x[1] + A[2] * x[2],
    A[3] * x[0] + A[4] * x[1] + A[5] * x[2],
    A[6] * x[0] + A[7] * x[1] + A[8] * x[2],
  ];
}

/** Solve the 3×3 system M x = r by Gaussian elimination with partial pivoting. */
export function solve3(M: number[], r: number[]): number[] {
  const a = [
    [M[0], M[1], M[2], r[0]],
    [M[3], M[4], M[5], r[1]],
    [M[6], M[7], M[8], r[2]],
  ];
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let i = c + 1; i < 3; i++) if (Math.abs(a[i][c]) > Math.abs(a[p][c])) p = i;
    [a[c], a[p]] = [a[p], a[c]];
    for (let i = c + 1; i < 3; i++) {
      const f = a[i][c] / a[c][c];
      for (let j = c; j < 4; j++) a[i][j] -= f * a[c][j];
    }
  }
  const x = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = a[i][3];
    for (let j = i + 1; j < 3; j++) s -= a[i][j] * x[j];
    x[i] = s / a[i][i];
  }
  return x;
}

/** I − zA as a 3×3 row-major array. */
export function iMinusZA(A: number[], z: number): number[] {
  return A.map((v, i) => (i % 4 === 0 ? 1 : 0) - z * v);
}

export function det3(M: number[]): number {
  return M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) + M[2] * (M[3] * M[7] - M[4] * M[6]);
}

/** The 3N×3N SD operator (state C_1..C_N, J_1..J_N, P_1..P_N) written out from docs/theory.md §2.4. */
export function sdOperator(
  lambda: Float64Array,
  alpha: number,
  beta: number,
  gamma: number,
  tau: number,
): Float64Array {
  const N = lambda.length,
    n = 3 * N;
  const M = new Float64Array(n * n);
  for (let k = 0; k < N; k++) {
    const a = alpha * lambda[k];
    const pi = new Float64Array(n); // Π_k = a²[(1 − γτ)C_k + γΣ_l C_l] − 2βa J_k + β² P_k
    pi[k] += a * a * (1 - gamma * tau);
    for (let l = 0; l < N; l++) pi[l] += a * a * gamma;
    pi[N + k] += -2 * beta * a;
    pi[2 * N + k] += beta * beta;
    const rc = k * n,
      rj = (N + k) * n,
      rp = (2 * N + k) * n;
    for (let j = 0; j < n; j++) {
      M[rc + j] = pi[j];
      M[rj + j] = pi[j];
      M[rp + j] = pi[j];
    }
    M[rc + k] += 1 - 2 * a;
    M[rc + N + k] += 2 * beta; // C' = (1 − 2a)C + 2βJ + Π
    M[rj + N + k] += beta;
    M[rj + k] += -a; // J' = βJ − aC + Π
  }
  return M;
}

/**
 * ln ρ(M) by repeated squaring: ρ = lim ‖M^(2^s)‖^(1/2^s). With A_0 = M/‖M‖, A_s = A_{s−1}²/‖A_{s−1}²‖,
 * ln ρ ≈ ln‖M‖ + Σ_s ln‖A_{s−1}²‖/2^s (Frobenius norms; 2^50 steps make the prefactor irrelevant).
 */
export function logSpectralRadius(M: Float64Array, n: number, squarings = 50): number {
  let A = M.slice();
  let nrm = 0;
  for (let i = 0; i < n * n; i++) nrm += A[i] * A[i];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < n * n; i++) A[i] /= nrm;
  let logr = Math.log(nrm);
  let w = 1;
  let B = new Float64Array(n * n);
  for (let s = 1; s <= squarings; s++) {
    B.fill(0);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const aik = A[i * n + k];
        if (aik === 0) continue;
        for (let j = 0; j < n; j++) B[i * n + j] += aik * A[k * n + j];
      }
    }
    let m = 0;
    for (let i = 0; i < n * n; i++) m += B[i] * B[i];
    m = Math.sqrt(m);
    w /= 2;
    logr += Math.log(m) * w;
    for (let i = 0; i < n * n; i++) B[i] /= m;
    [A, B] = [B, A];
  }
  return logr;
}

/** SD losses L_0..L_T (shorter if the run diverged) and the run status. */
export function sdLosses(spectrum: Spectrum, alpha: number, beta: number, batchSize: number, tau: number, T: number) {
  const losses: number[] = [];
  const run = spectralDiagonal(spectrum, { schedule: constantSchedule(alpha, beta), batchSize, nSteps: T, tau });
  let r = run.next();
  while (!r.done) {
    losses.push(r.value.loss);
    r = run.next();
  }
  return { losses, status: r.value.status };
}

export function relErr(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}
