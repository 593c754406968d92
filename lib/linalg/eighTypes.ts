/** Options and result of the symmetric eigensolver `eigh` (lib/linalg/eigh.ts), shared by its backends. */

export interface EighOptions {
  /** Compute eigenvectors (default true). Eigenvalues only is O(n²) after the O(n³) reduction. */
  vectors?: boolean;
  /** Implementation: "auto" (default: native, else wasm, else ts; see lib/linalg/backend.ts), or one of them. */
  backend?: "auto" | "native" | "wasm" | "ts";
  /**
   * Tridiagonal eigenvector method of the wasm and ts backends: "dc" (default: divide and conquer, then the
   * reflectors applied blocked) or "ql" (the previous solver: Q formed, then rotated by implicit QL).
   */
  algorithm?: "dc" | "ql";
  /** If given, receives the wall-clock seconds of each phase (tridiagonalize, divideAndConquer, …). */
  timings?: Record<string, number>;
}

export interface EighResult {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n×n row-major, column k = unit eigenvector of values[k]; null when options.vectors is false. */
  vectors: Float64Array | null;
}
