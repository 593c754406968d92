/**
 * The native dense kernels (dense.c: OpenBLAS dgemm/dsyrk on the caller's arrays, no copies) behind the
 * DenseKernels interface. dense.c checks every argument (types, integer sizes, array lengths: RangeErrors
 * worded as ts/dense.ts's). `threads` > 1 splits each large call over that many threads (dense.c).
 */
import type { DenseKernels } from "../types.ts";
import { nativeBlas } from "./binding.ts";

export const MAX_NATIVE_THREADS = 64;

/** The native kernels using `threads` threads a call; throws why if the addon or OpenBLAS cannot load. */
export function loadNativeKernels(threads = 1): DenseKernels {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_NATIVE_THREADS) {
    throw new RangeError(`threads must be an integer in [1, ${MAX_NATIVE_THREADS}], got ${threads}`);
  }
  const addon = nativeBlas();
  return {
    name: "native",
    gemm: (...args) => addon.gemm(...args, threads),
    syrk: (...args) => addon.syrk(...args, threads),
  };
}
