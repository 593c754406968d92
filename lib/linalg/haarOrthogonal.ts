/**
 * Haar-distributed random orthogonal n×n matrix (row-major), seeded.
 * Method: Householder QR of an n×n standard Gaussian matrix G = QR, then Q·diag(sign R_jj)
 * (Mezzadri 2007, "How to generate random matrices from the classical compact groups", §5):
 * the sign fix makes the factorisation unique, so Q is exactly Haar.
 * Blocked with the compact WY form H_1…H_nb = I − V T Vᵀ (Schreiber & Van Loan 1989; LAPACK dlarft
 * 'F','C'), so ~(8/3)n³ of the work runs in GEMM. We factor Gᵀ (again Gaussian) stored row-wise,
 * so each reflector and each column it acts on is a contiguous row.
 */
import { Rng } from "../random/rng.ts";
import { denseKernels } from "./kernels.ts";
import type { DenseKernels } from "./types.ts";

export interface HaarOptions {
  /** panel width of the blocked QR (default 48; ≥ n means unblocked) */
  readonly blockSize?: number;
  readonly kernels?: DenseKernels;
}

export function haarOrthogonal(n: number, seed: number, options: HaarOptions = {}): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer ≥ 1, got ${n}`);
  const nb = options.blockSize ?? 48;
  if (!Number.isInteger(nb) || nb < 1) throw new RangeError(`blockSize must be an integer ≥ 1, got ${nb}`);
  const kernels = options.kernels ?? denseKernels();
  const rng = new Rng(seed);
  // M: row j is column j of G; after factoring, row j holds reflector v_j in entries j..n−1 (zeros before).
  const M = rng.normals(n * n);
  const sign = new Float64Array(n);
  const tau = new Float64Array(n);
  const panels: { j0: number; w: number; T: Float64Array }[] = [];
  for (let j0 = 0; j0 < n; j0 += nb) {
    const w = Math.min(nb, n - j0);
    // unblocked QR of the panel rows j0..j0+w−1 (reflectors applied only within the panel)
    for (let j = j0; j < j0 + w; j++) {
      const r = j * n;
      reflector(M, r, j, n, tau, sign);
      for (let q = j + 1; q < j0 + w; q++) applyReflector(M, r, q * n, j, n, tau[j]);
    }
    const T = triangularFactor(M, j0, w, n, tau);
    panels.push({ j0, w, T });
    const rest = n - j0 - w;
    if (rest > 0) applyBlock(kernels, M, j0, w, T, M.subarray((j0 + w) * n), rest, n, true);
  }
  // Q = Q_1 Q_2 … Q_p applied to I from the right-most block, each Q_b = I − V T Vᵀ: Y ← Q_b·Y.
  // Stored transposed (Yt = Yᵀ, so Yt ← Yt·Q_bᵀ is a row operation on contiguous rows).
  const Yt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Yt[i * n + i] = 1;
  for (let b = panels.length - 1; b >= 0; b--) {
    const { j0, w, T } = panels[b];
    // only rows ≥ j0 of Yt are touched by reflectors that start at j0 (Yt rows < j0 are still e_i and v ⟂ them)
    applyBlock(kernels, M, j0, w, T, Yt.subarray(j0 * n), n - j0, n, false);
  }
  // Yt = Qᵀ; return Q·diag(sign): Q[i][j] = Yt[j][i]·sign_j
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const s = sign[j];
    const row = j * n;
    for (let i = 0; i < n; i++) Q[i * n + j] = s * Yt[row + i];
  }
  return Q;
}

/** Householder vector for row r (entries j..n−1): H = I − τ v vᵀ maps x to (R_jj, 0, …); records sign(R_jj). */
function reflector(M: Float64Array, r: number, j: number, n: number, tau: Float64Array, sign: Float64Array): void {
  let norm2 = 0;
  for (let i = j; i < n; i++) norm2 += M[r + i] * M[r + i];
  const x0 = M[r + j];
  const alpha = -(x0 >= 0 ? 1 : -1) * Math.sqrt(norm2); // R_jj, of the sign that avoids cancellation
  sign[j] = alpha >= 0 ? 1 : -1;
  M[r + j] = x0 - alpha;
  const vv = norm2 - x0 * x0 + (x0 - alpha) * (x0 - alpha);
  tau[j] = vv > 0 ? 2 / vv : 0;
}

/** x ← H_j x for the row at offset s: x − τ (v·x) v over entries j..n−1. */
function applyReflector(M: Float64Array, r: number, s: number, j: number, n: number, t: number): void {
  let dot = 0;
  for (let i = j; i < n; i++) dot += M[r + i] * M[s + i];
  const f = t * dot;
  for (let i = j; i < n; i++) M[s + i] -= f * M[r + i];
}

/**
 * Upper-triangular T (w×w) with H_{j0}…H_{j0+w−1} = I − V T Vᵀ:
 * T_ii = τ_i, T[0:i, i] = −τ_i T[0:i,0:i] (V[:,0:i]ᵀ v_i).
 */
function triangularFactor(M: Float64Array, j0: number, w: number, n: number, tau: Float64Array): Float64Array {
  const T = new Float64Array(w * w);
  const z = new Float64Array(w);
  for (let i = 0; i < w; i++) {
    const vi = (j0 + i) * n;
    for (let p = 0; p < i; p++) {
      const vp = (j0 + p) * n;
      let s = 0;
      for (let q = j0 + i; q < n; q++) s += M[vp + q] * M[vi + q]; // v_i is zero before j0+i
      z[p] = s;
    }
    for (let p = 0; p < i; p++) {
      let s = 0;
      for (let q = p; q < i; q++) s += T[p * w + q] * z[q];
      T[p * w + i] = -tau[j0 + i] * s;
    }
    T[i * w + i] = tau[j0 + i];
  }
  return T;
}

/**
 * Applies a block reflector to every row x of X (m×n, row-major), in row form xᵀ ← xᵀ(I − V T' Vᵀ):
 * transposed = true gives Q_bᵀ x (T' = T, the trailing update of the factorisation), false gives Q_b x
 * (T' = Tᵀ, forming Q). V's columns are the reflector rows j0..j0+w−1 of M, nonzero from column j0 on.
 */
function applyBlock(
  kernels: DenseKernels,
  M: Float64Array,
  j0: number,
  w: number,
  T: Float64Array,
  X: Float64Array,
  m: number,
  n: number,
  transposed: boolean,
): void {
  const len = n - j0;
  // V restricted to columns j0..n−1, as w×len rows
  const V = new Float64Array(w * len);
  // v_{j0+p} is 0 before j0+p (R lives there)
  for (let p = 0; p < w; p++) V.set(M.subarray((j0 + p) * n + j0 + p, (j0 + p + 1) * n), p * len + p);
  const Xs = new Float64Array(m * len);
  for (let r = 0; r < m; r++) Xs.set(X.subarray(r * n + j0, (r + 1) * n), r * len);
  const XV = new Float64Array(m * w);
  kernels.gemm(false, true, m, w, len, 1, Xs, V, 0, XV); // (X V): m×w
  const W = new Float64Array(m * w);
  // W = (X V)·T (for Q_bᵀ) or (X V)·Tᵀ (for Q_b)
  kernels.gemm(false, !transposed, m, w, w, 1, XV, T, 0, W);
  kernels.gemm(false, false, m, len, w, -1, W, V, 1, Xs);
  for (let r = 0; r < m; r++) X.set(Xs.subarray(r * len, (r + 1) * len), r * n + j0);
}
