/**
 * Symmetric eigendecomposition: `eigh(A, n, {vectors, backend, algorithm, timings})` (the chooser).
 *
 *   A = U Λ Uᵀ,  Λ descending,  U orthogonal.
 *
 * Algorithm (LAPACK dsyevd, in every backend):
 *  1. A is copied, scaled by a power of two (exact) so that max|a_ij| ∈ [1, 2), and symmetrised as
 *     (A + Aᵀ)/2 (exact for symmetric input). The input array is never modified.
 *  2. Householder tridiagonalisation A = Q T Qᵀ, Q = H_0 … H_{n−2} (dsytrd, 4/3·n³ flops).
 *  3. Eigenvalues only: implicit QL on T (EISPACK tql1), O(n²).
 *     With vectors: T = Z Λ Zᵀ by divide and conquer (dstedc: tear T into two halves plus a rank-one
 *     term, solve the halves, merge through the secular equation with deflation and Gu–Eisenstat
 *     eigenvectors; the merges' products are GEMMs, ≤ 4/3·n³ flops; lib/linalg/ts/tridiagonal.ts), then
 *     U = Q·Z by the reflectors applied in compact-WY blocks (dormtr, 2n³ flops in GEMM).
 *     algorithm "ql" runs the previous solver instead: Q formed (4/3·n³), then rotated by implicit QL
 *     (tql2, ~6n³ flops of Givens rotations); kept as the reference for benchmarks and tests.
 *
 * Backends, with the same names as the dense kernels' (lib/linalg/backend.ts reads POWERLAW_SGD_KERNELS;
 * "auto" takes the first of native → wasm → ts that loads):
 *  - "native": LAPACK dsyevd through the project's addon (lib/linalg/native/binding.ts);
 *  - "wasm": lib/linalg/wasm/eigh.ts (WebAssembly SIMD reduction, secular solver and back-transformation;
 *    the GEMMs are the WebAssembly dense kernels');
 *  - "ts": lib/linalg/ts/eigh.ts (plain TypeScript throughout: the reference, and the fallback).
 *
 * Output: values sorted descending; vectors (n×n row-major) with column k (vectors[i·n + k]) the unit
 * eigenvector of values[k]. Sign convention: in every column the component of largest magnitude is
 * positive (the first such row on exact ties). Accuracy (asserted in test/linalg/eigh.test.ts):
 * ‖Au − λu‖ ≤ 1e-10·‖A‖ and ‖UᵀU − I‖_max ≤ 1e-12; measured ~1e-15·‖A‖ and ~1e-14 at n = 3000
 * (bench/eigh.bench.ts), eigenvalues normwise to a few ulps of ‖A‖.
 *
 * Time, one core (bench/eigh.bench.ts, CPU seconds): n = 1000: wasm 0.28 (the "ql" solver 0.59), native 0.15;
 * n = 3000: wasm 6.5 (13.6), native 4.5. The wasm path is GEMM- and memory-bound: the reduction's products
 * A22·v read the trailing matrix once per column, and the rest runs at the GEMM's ~21 GFLOP/s.
 * Memory kept between calls (page faults cost more here than refilling): wasm linear memory ~2·n²·8 bytes,
 * and ~3·n²·8 bytes of JS buffers for the divide and conquer (lib/linalg/ts/eighScratch.ts).
 */
import { type BackendName, selectBackend } from "./backend.ts";
import type { EighOptions, EighResult } from "./eighTypes.ts";
import { eighNative } from "./native/binding.ts";
import { Clock, scratch } from "./ts/eighSteps.ts";
import { eighTs } from "./ts/eigh.ts";
import { eighWasm, loadEighWasm } from "./wasm/eigh.ts";

export type { EighOptions, EighResult } from "./eighTypes.ts";
export { setEighTuning } from "./wasm/eigh.ts";

type Run = (A: Float64Array, n: number, wantVectors: boolean, algorithm: "dc" | "ql", clock: Clock) => EighResult;

const runNative: Run = (A, n, wantVectors, _algorithm, clock) => {
  const r = eighNative(A, n, wantVectors);
  clock.lap("dsyevd");
  return r;
};

/** Each backend's loader: returns the implementation, or throws why it cannot load. */
const loaders = {
  native: (): Run => {
    eighNative(new Float64Array(1), 1, false); // loads the addon and OpenBLAS, or throws why not
    return runNative;
  },
  wasm: (): Run => {
    loadEighWasm();
    return eighWasm;
  },
  ts: (): Run => eighTs,
};

const BACKENDS = ["auto", "native", "wasm", "ts"] as const;

function choose(request: EighOptions["backend"]): { name: BackendName; impl: Run } {
  if (!BACKENDS.includes(request as (typeof BACKENDS)[number])) {
    throw new RangeError(`eigh: backend must be one of ${BACKENDS.join(", ")}; got "${String(request)}"`);
  }
  return request === "auto" || request === undefined
    ? selectBackend("eigh", loaders)
    : selectBackend("eigh", loaders, request);
}

/** Symmetric eigendecomposition of the n×n row-major matrix A (A is not modified; see the module doc). */
export function eigh(A: Float64Array, n: number, options: EighOptions = {}): EighResult {
  validate(A, n);
  const algorithm = options.algorithm ?? "dc";
  if (algorithm !== "dc" && algorithm !== "ql") {
    throw new RangeError(`eigh: algorithm must be "dc" or "ql"; got "${String(algorithm)}"`);
  }
  const { impl } = choose(options.backend ?? "auto");
  return impl(A, n, options.vectors ?? true, algorithm, new Clock(options.timings));
}

/** Lets the garbage collector have the JS buffers kept between calls (the wasm memory cannot shrink). */
export function releaseEighBuffers(): void {
  scratch.release();
}

/** Which implementation "auto" resolves to right now (POWERLAW_SGD_KERNELS and what loads). */
export function eighBackend(): BackendName {
  return choose("auto").name;
}

function validate(A: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`eigh: n must be an integer ≥ 1, got ${n}`);
  if (!(A instanceof Float64Array)) throw new RangeError("eigh: A must be a Float64Array");
  if (A.length !== n * n) throw new RangeError(`eigh: A must have n² = ${n * n} entries, got ${A.length}`);
  for (let i = 0; i < A.length; i++) {
    if (!Number.isFinite(A[i])) {
      throw new RangeError(`eigh: A[${Math.floor(i / n)}, ${i % n}] = ${A[i]} is not finite`);
    }
  }
}
