/**
 * Haar-distributed random orthogonal n×n matrix (row-major), seeded.
 * Method: Householder QR of an n×n standard Gaussian matrix G = QR, then Q·diag(sign R_jj)
 * (Mezzadri 2007, "How to generate random matrices from the classical compact groups", §5):
 * the sign fix makes the factorisation unique, so Q is exactly Haar.
 * Works on rows (the reflectors act on contiguous memory): we factor Gᵀ = QR, which is again Gaussian.
 */
import { Rng } from "../random/rng.ts";

export function haarOrthogonal(n: number, seed: number): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer ≥ 1, got ${n}`);
  const rng = new Rng(seed);
  // M holds Gᵀ: row j is column j of G; the reflector j is stored in row j, entries j..n−1.
  const M = rng.normals(n * n);
  const sign = new Float64Array(n);
  const tau = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = j * n;
    let norm2 = 0;
    for (let i = j; i < n; i++) norm2 += M[r + i] * M[r + i];
    const x0 = M[r + j];
    const alpha = -(x0 >= 0 ? 1 : -1) * Math.sqrt(norm2); // R_jj, chosen to avoid cancellation
    sign[j] = alpha >= 0 ? 1 : -1;
    // v = x − alpha·e_j, H = I − tau·v vᵀ with tau = 2/(vᵀv)
    M[r + j] = x0 - alpha;
    const vv = norm2 - x0 * x0 + (x0 - alpha) * (x0 - alpha);
    tau[j] = vv > 0 ? 2 / vv : 0;
    for (let q = j + 1; q < n; q++) {
      const s = q * n;
      let dot = 0;
      for (let i = j; i < n; i++) dot += M[r + i] * M[s + i];
      const f = tau[j] * dot;
      for (let i = j; i < n; i++) M[s + i] -= f * M[r + i];
    }
  }
  // Qᵀ = H_{n−1}…H_0 applied to I, built row-wise: Qt row q = e_qᵀ H_0…; we accumulate Q = H_0 H_1 … H_{n−1}
  // backwards on the rows of Qt (Qt = H_{n−1}ᵀ…, each H symmetric), so every update is a contiguous row operation.
  const Qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Qt[i * n + i] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const r = j * n;
    const t = tau[j];
    if (t === 0) continue;
    // Q ← H_j·Q on columns ⇔ Qt ← Qt·H_j on rows: each row x of Qt gets x − t(x·v)vᵀ
    for (let q = 0; q < n; q++) {
      const s = q * n;
      let dot = 0;
      for (let i = j; i < n; i++) dot += Qt[s + i] * M[r + i];
      if (dot === 0) continue;
      const f = t * dot;
      for (let i = j; i < n; i++) Qt[s + i] -= f * M[r + i];
    }
  }
  // Qt now holds Qᵀ (Q = H_0…H_{n−1}); return Q·diag(sign): column j of Q is row j of Qt.
  const Q = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const s = sign[j];
    for (let i = 0; i < n; i++) Q[i * n + j] = s * Qt[j * n + i];
  }
  return Q;
}
