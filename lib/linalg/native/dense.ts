/**
 * The native dense kernels (dense.c: OpenBLAS dgemm/dsyrk on the caller's arrays, no copies) behind the
 * DenseKernels interface. `threads` > 1 splits each large call over that many threads (dense.c); one
 * instance per thread count.
 */
import type { DenseKernels } from "../types.ts";
import { checkLength } from "../ts/dense.ts";
import { nativeBlas, type NativeAddon } from "./binding.ts";

class NativeDenseKernels implements DenseKernels {
  readonly name = "native" as const;
  readonly threads: number;
  private readonly addon: NativeAddon;

  constructor(addon: NativeAddon, threads: number) {
    this.addon = addon;
    this.threads = threads;
  }

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
  ): void {
    checkLength("gemm C", C, m * n);
    if (m === 0 || n === 0) return;
    if (alpha !== 0 && k !== 0) {
      checkLength("gemm A", A, m * k);
      checkLength("gemm B", B, k * n);
    }
    this.addon.gemm(transA, transB, m, n, k, alpha, A, B, beta, C, this.threads);
  }

  syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, beta: number, C: Float64Array): void {
    checkLength("syrk C", C, n * n);
    if (n === 0) return;
    if (alpha !== 0 && k !== 0) checkLength("syrk A", A, n * k);
    this.addon.syrk(trans, n, k, alpha, A, beta, C, this.threads);
  }
}

export const MAX_NATIVE_THREADS = 64;

/** The native kernels using `threads` threads a call; throws why if the addon or OpenBLAS cannot load. */
export function loadNativeKernels(threads = 1): DenseKernels {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_NATIVE_THREADS) {
    throw new RangeError(`threads must be an integer in [1, ${MAX_NATIVE_THREADS}], got ${threads}`);
  }
  return new NativeDenseKernels(nativeBlas(), threads);
}
