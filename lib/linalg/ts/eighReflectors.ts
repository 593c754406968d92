/**
 * The orthogonal factor Q = H_0 H_1 … H_{n−2} of the tridiagonalisation A = Q T Qᵀ, used blocked:
 *
 *   H_{k0} … H_{k0+b−1} = I − V T Vᵀ   (compact WY; T upper triangular, LAPACK dlarft 'F','C'),
 *   T_ii = τ_i,  T[0:i, i] = −τ_i · T[0:i, 0:i] · (Vᵀ v_i)[0:i].
 *
 * `applyReflectors` computes Q·Z for the tridiagonal's eigenvectors Z (LAPACK dormtr): blocks from the last,
 * Z ← Z − V (T (Vᵀ Z)) on the rows k0+1 … n−1 they touch, three GEMMs each, 2n³ flops in all.
 * `formQt` forms Qᵀ itself (4/3·n³ flops, trailing blocks only), for the QL path that rotates Q.
 * Reflector k lives in row k of the reduced matrix: v = (0 … 0, 1, a[k·n + k+2 … n−1]) with its 1 at
 * index k+1 (the layout of the tridiagonalisation, lib/linalg/ts/eigh.ts). docs/theory.md §15.2.
 */
import type { DenseKernels } from "../types.ts";
import type { Scratch } from "./eighScratch.ts";

/** Reflectors per block (b); T costs 2b²·n flops per block and the copies shrink as b grows. */
export const REFLECTOR_BLOCK = 128;

/** Vt ← Vᵀ (b × m) of reflectors k0 … k0+b−1 over rows k0+1 … n−1 (m = n − k0 − 1); zero for τ = 0. */
function reflectorRows(
  a: Float64Array,
  n: number,
  tau: Float64Array,
  k0: number,
  b: number,
  Vt: Float64Array = new Float64Array(b * (n - k0 - 1)),
): Float64Array {
  const m = n - k0 - 1;
  Vt.fill(0);
  for (let p = 0; p < b; p++) {
    const k = k0 + p;
    if (tau[k] === 0) continue;
    Vt[p * m + p] = 1;
    Vt.set(a.subarray(k * n + k + 2, (k + 1) * n), p * m + p + 1);
  }
  return Vt;
}

/** The upper-triangular T (b×b) of the block, from G = Vᵀ V by one GEMM. */
function triangularFactor(
  Vt: Float64Array,
  b: number,
  m: number,
  tau: Float64Array,
  k0: number,
  K: DenseKernels,
  G: Float64Array = new Float64Array(b * b),
  T: Float64Array = new Float64Array(b * b),
): Float64Array {
  K.gemm(false, true, b, b, m, 1, Vt, Vt, 0, G);
  T.fill(0);
  for (let i = 0; i < b; i++) {
    const ti = tau[k0 + i];
    T[i * b + i] = ti;
    if (ti === 0) continue;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let l = j; l < i; l++) s += T[j * b + l] * G[l * b + i];
      T[j * b + i] = -ti * s;
    }
  }
  return T;
}

/** Z ← Q·Z for Z n×n row-major (in place), Q from the reflectors in a and tau; blocks of `block` reflectors. */
export function applyReflectors(
  a: Float64Array,
  n: number,
  tau: Float64Array,
  Z: Float64Array,
  K: DenseKernels,
  scratch: Scratch,
  block = REFLECTOR_BLOCK,
): void {
  const nref = n - 1;
  if (nref <= 0) return;
  for (let k0 = Math.floor((nref - 1) / block) * block; k0 >= 0; k0 -= block) {
    const b = Math.min(block, nref - k0);
    const m = n - k0 - 1;
    const Vt = reflectorRows(a, n, tau, k0, b, scratch.f64("reflVt", b * m));
    const T = triangularFactor(Vt, b, m, tau, k0, K, scratch.f64("reflG", b * b), scratch.f64("reflT", b * b));
    const Zs = Z.subarray((k0 + 1) * n);
    const W = scratch.f64("reflW", b * n);
    K.gemm(false, false, b, n, m, 1, Vt, Zs, 0, W); // Vᵀ Z
    const TW = scratch.f64("reflTW", b * n);
    K.gemm(false, false, b, n, b, 1, T, W, 0, TW);
    K.gemm(true, false, m, n, b, -1, Vt, TW, 1, Zs); // Z −= V T Vᵀ Z
  }
}

/**
 * Qᵀ (row-major) by blocked backward accumulation: with Q_m the trailing m×m block (identity beyond the
 * reflectors applied so far), Qᵀ_m ← Qᵀ_m (I − V Tᵀ Vᵀ) per block; the trailing block is kept contiguous.
 */
export function formQt(a: Float64Array, n: number, tau: Float64Array, K: DenseKernels, block = 64): Float64Array {
  const nref = n - 1; // reflectors 0 .. n−2
  // two buffers, ping-pong: the previous trailing block (cur) and the one being built (Qm)
  let bufCur = new Float64Array(nref * nref);
  let bufNext = new Float64Array(nref * nref);
  let cur = bufCur.subarray(0, 0);
  let curM = 0;
  const lastK0 = nref <= 0 ? -1 : Math.floor((nref - 1) / block) * block;
  for (let k0 = lastK0; k0 >= 0; k0 -= block) {
    const b = Math.min(block, nref - k0);
    const m = n - k0 - 1;
    // trailing block m×m: identity on the new leading rows, the previous block at the bottom right
    const Qm = bufNext.subarray(0, m * m);
    Qm.fill(0);
    const lead = m - curM;
    for (let i = 0; i < lead; i++) Qm[i * m + i] = 1;
    for (let i = 0; i < curM; i++) Qm.set(cur.subarray(i * curM, (i + 1) * curM), (lead + i) * m + lead);
    const Vt = reflectorRows(a, n, tau, k0, b);
    const T = triangularFactor(Vt, b, m, tau, k0, K);
    const X = new Float64Array(m * b);
    K.gemm(false, true, m, b, m, 1, Qm, Vt, 0, X); // X = Qm·V
    const Y = new Float64Array(m * b);
    K.gemm(false, true, m, b, b, 1, X, T, 0, Y); // Y = X·Tᵀ
    K.gemm(false, false, m, m, b, -1, Y, Vt, 1, Qm); // Qm −= Y·Vᵀ
    cur = Qm;
    curM = m;
    [bufCur, bufNext] = [bufNext, bufCur];
  }
  const Qt = new Float64Array(n * n);
  Qt[0] = 1;
  if (curM === n - 1) for (let i = 0; i < curM; i++) Qt.set(cur.subarray(i * curM, (i + 1) * curM), (i + 1) * n + 1);
  else for (let i = 1; i < n; i++) Qt[i * n + i] = 1;
  return Qt;
}
