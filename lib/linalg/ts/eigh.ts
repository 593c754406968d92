/**
 * The plain-TypeScript symmetric eigensolver (the reference for the WebAssembly one, and the fallback):
 * Householder tridiagonalisation, then divide and conquer and the blocked back-transformation with the
 * plain-TS GEMM (lib/linalg/ts/eighSteps.ts), or, with algorithm "ql", Qᵀ formed and rotated by implicit QL.
 */
import type { EighResult } from "../eighTypes.ts";
import { tsKernels } from "../kernels.ts";
import { type Clock, finish, prepare, scratch, transpose, valuesOnly, vectorsByDivideAndConquer } from "./eighSteps.ts";
import { rowRotationSink, secularTsKernel, tql } from "./tridiagonal.ts";

/** Eigendecomposition of A (n×n, validated by the caller) by the plain-TypeScript kernels. */
export function eighTs(
  A: Float64Array,
  n: number,
  wantVectors: boolean,
  algorithm: "dc" | "ql",
  clock: Clock,
): EighResult {
  const a = scratch.f64("tsReduced", n * n);
  const scale = prepare(A, n, a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(a, n, d, e, tau);
  clock.lap("tridiagonalize");
  if (!wantVectors) return valuesOnly(d, e, n, scale, clock);
  if (algorithm === "dc") {
    return vectorsByDivideAndConquer(
      a,
      n,
      d,
      e,
      tau,
      scale,
      { dense: tsKernels, secular: secularTsKernel(scratch) },
      clock,
    );
  }
  const Qt = formQtUnblocked(a, n, tau);
  clock.lap("formQ");
  tql(d, e, n, rowRotationSink(Qt, n)); // rows of Qᵀ are the columns of Z = Q·(rotations)
  clock.lap("ql");
  const r = finish(d, transpose(Qt, n), n, scale);
  clock.lap("output");
  return r;
}

/**
 * Householder tridiagonalisation in place (LAPACK dsytd2, 4/3·n³ flops), the reference for the blocked
 * WebAssembly `tridiagonalizeBlocked`: "column" j is a[j·n + j .. j·n + n−1]; reflector k ends in
 * a[k·n + k+2 ..] with tau[k] (H_k = I − τ_k v vᵀ, v = (0, …, 0, 1, a[k·n + k+2 ..]), the 1 at k+1);
 * d, e the tridiagonal (e[n−1] = 0). A = Q T Qᵀ with Q = H_0 H_1 … H_{n−2}.
 */
export function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 1; k++) {
    const ck = k * n;
    d[k] = a[ck + k];
    const alpha = a[ck + k + 1];
    let xnorm2 = 0;
    for (let i = k + 2; i < n; i++) xnorm2 += a[ck + i] * a[ck + i];
    let t = 0;
    let beta = alpha;
    if (xnorm2 > 0) {
      const nrm = Math.sqrt(alpha * alpha + xnorm2);
      beta = alpha >= 0 ? -nrm : nrm;
      t = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      for (let i = k + 2; i < n; i++) a[ck + i] *= sc;
    }
    e[k] = beta;
    tau[k] = t;
    if (t === 0) continue;
    a[ck + k + 1] = 1;
    // y = A22·v (lower triangle by columns)
    y.fill(0, k + 1);
    for (let j = k + 1; j < n; j++) {
      const cj = j * n;
      const vj = a[ck + j];
      let acc = a[cj + j] * vj;
      for (let i = j + 1; i < n; i++) {
        const c = a[cj + i];
        y[i] += vj * c;
        acc += c * a[ck + i];
      }
      y[j] += acc;
    }
    let dot = 0;
    for (let i = k + 1; i < n; i++) dot += y[i] * a[ck + i];
    const alpha2 = -0.5 * t * t * dot;
    for (let i = k + 1; i < n; i++) w[i] = t * y[i] + alpha2 * a[ck + i];
    for (let j = k + 1; j < n; j++) {
      const cj = j * n;
      const vj = a[ck + j];
      const wj = w[j];
      for (let i = j; i < n; i++) a[cj + i] -= a[ck + i] * wj + w[i] * vj;
    }
    a[ck + k + 1] = beta;
  }
  d[n - 1] = a[(n - 1) * n + n - 1];
  e[n - 1] = 0;
}

/** Qᵀ (row-major) for Q = H_0 … H_{n−2}, by backward accumulation on rows of Qᵀ. */
export function formQtUnblocked(a: Float64Array, n: number, tau: Float64Array): Float64Array {
  const Qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Qt[i * n + i] = 1;
  const v = new Float64Array(n);
  for (let k = n - 2; k >= 0; k--) {
    const t = tau[k];
    if (t === 0) continue;
    v[k + 1] = 1;
    for (let i = k + 2; i < n; i++) v[i] = a[k * n + i];
    for (let q = k + 1; q < n; q++) {
      const r = q * n;
      let dot = 0;
      for (let i = k + 1; i < n; i++) dot += Qt[r + i] * v[i];
      const f = t * dot;
      if (f !== 0) for (let i = k + 1; i < n; i++) Qt[r + i] -= f * v[i];
    }
  }
  return Qt;
}
