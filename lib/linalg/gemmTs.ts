/**
 * Plain-TypeScript dense kernels, row-major Float64Array: the reference and fallback for the WASM ones.
 * gemm: C ← α·op(A)·op(B) + β·C with op(A) m×k and op(B) k×n (BLAS dgemm semantics, row-major).
 */
export function gemmTs(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, A: Float64Array, B: Float64Array, beta: number, C: Float64Array,
): void {
  for (let i = 0; i < m * n; i++) C[i] = beta === 0 ? 0 : beta * C[i];
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const a = transA ? A[p * m + i] : A[i * k + p];
      if (a === 0) continue;
      if (transB) for (let j = 0; j < n; j++) row[j] += a * B[j * k + p];
      else {
        const off = p * n;
        for (let j = 0; j < n; j++) row[j] += a * B[off + j];
      }
    }
    const off = i * n;
    for (let j = 0; j < n; j++) C[off + j] += alpha * row[j];
  }
}
