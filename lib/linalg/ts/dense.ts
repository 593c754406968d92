/**
 * Plain-TypeScript dense kernels, row-major Float64Array: the reference and fallback for the WASM
 * (lib/linalg/wasm/src/dense.ts) and native (lib/linalg/native/dense.c) ones. Written to be obviously
 * correct first; every inner loop runs over contiguous memory, so not needlessly slow either (~1 GFLOP/s).
 */
import type { DenseKernels } from "../types.ts";

/** Throws a RangeError when an array is shorter than its matrix. */
export function checkLength(what: string, arr: Float64Array, need: number): void {
  if (arr.length < need) throw new RangeError(`${what}: length ${arr.length} < required ${need}`);
}

/** C ← β·C, with β = 0 writing exact zeros (NaN/Inf already in C are ignored, as in BLAS). */
function scale(C: Float64Array, len: number, beta: number): void {
  if (beta === 1) return;
  if (beta === 0) C.fill(0, 0, len);
  else for (let i = 0; i < len; i++) C[i] *= beta;
}

/**
 * gemm: C ← α·op(A)·op(B) + β·C with op(A) m×k and op(B) k×n (BLAS dgemm semantics, row-major).
 * A is stored m×k (k×m if transA), B is k×n (n×k if transB). α = 0 or k = 0 leaves A and B unread.
 */
export const gemmTs: DenseKernels["gemm"] = (transA, transB, m, n, k, alpha, A, B, beta, C) => {
  checkLength("gemm C", C, m * n);
  scale(C, m * n, beta);
  if (alpha === 0 || k === 0 || m === 0 || n === 0) return;
  checkLength("gemm A", A, m * k);
  checkLength("gemm B", B, k * n);
  const a = new Float64Array(k); // row i of op(A)
  const row = new Float64Array(n); // row i of op(A)·op(B)
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) a[p] = transA ? A[p * m + i] : A[i * k + p];
    if (transB) {
      // op(B)[p, j] = B[j·k + p]: row i of the product is a dot product with each row of B.
      for (let j = 0; j < n; j++) {
        const off = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[p] * B[off + p];
        row[j] = s;
      }
    } else {
      // op(B)[p, j] = B[p·n + j]: row i of the product is a combination of the rows of B.
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const ap = a[p];
        const off = p * n;
        for (let j = 0; j < n; j++) row[j] += ap * B[off + j];
      }
    }
    const off = i * n;
    for (let j = 0; j < n; j++) C[off + j] += alpha * row[j];
  }
};

/**
 * syrk: C ← α·A·Aᵀ + β·C (trans = false, A n×k) or α·Aᵀ·A + β·C (trans = true, A k×n); C n×n.
 * Each product entry is computed once (j ≤ i) and added to both C[i, j] and C[j, i], so the product's
 * contribution is exactly symmetric; both triangles of C are written (C itself need not be symmetric).
 */
export function syrkTs(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  beta: number,
  C: Float64Array,
): void {
  checkLength("syrk C", C, n * n);
  if (alpha === 0 || k === 0 || n === 0) {
    scale(C, n * n, beta);
    return;
  }
  checkLength("syrk A", A, n * k);
  // R holds op(A) row-major (n×k): rows of A, or columns of A when trans.
  let R = A;
  if (trans) {
    R = new Float64Array(n * k);
    for (let p = 0; p < k; p++) for (let i = 0; i < n; i++) R[i * k + p] = A[p * n + i];
  }
  for (let i = 0; i < n; i++) {
    const oi = i * k;
    for (let j = 0; j <= i; j++) {
      const oj = j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += R[oi + p] * R[oj + p];
      s *= alpha;
      const lo = i * n + j,
        up = j * n + i;
      if (beta === 0) {
        C[lo] = s;
        C[up] = s;
      } else {
        const l = s + beta * C[lo];
        const u = s + beta * C[up];
        C[lo] = l;
        C[up] = u;
      }
    }
  }
}
