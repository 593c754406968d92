/**
 * The one small interface every dense computation goes through (row-major Float64Array throughout).
 * Three implementations, tested against each other: native (C over OpenBLAS, the default where it
 * builds), WebAssembly SIMD and plain TypeScript (the reference); lib/linalg/kernels.ts chooses.
 */
export interface DenseKernels {
  readonly name: "native" | "wasm" | "ts";
  /** C ← α·op(A)·op(B) + β·C; op(A) is m×k, op(B) is k×n, C is m×n (dgemm semantics). */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    A: Float64Array,
    B: Float64Array,
    beta: number,
    C: Float64Array,
  ): void;
  /**
   * C ← α·A·Aᵀ + β·C with A n×k (trans = false), or α·AᵀA + β·C with A k×n (trans = true);
   * C n×n, both triangles written.
   */
  syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, beta: number, C: Float64Array): void;
}
