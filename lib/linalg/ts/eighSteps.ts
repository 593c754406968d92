/**
 * The steps every backend of the symmetric eigensolver shares (lib/linalg/eigh.ts has the overview):
 *
 *   A ─prepare→ s·(A + Aᵀ)/2 ─tridiagonalize→ Q T Qᵀ ─(values) tql→ Λ
 *                                             └─(vectors) T = Z Λ Zᵀ by divide and conquer → U = Q·Z
 *
 * `prepare` scales by a power of two s (exact) to max|a_ij| ∈ [1, 2); `finish` sorts descending and fixes
 * each vector's sign (its largest-magnitude component positive, the first such on exact ties).
 */
import type { EighResult } from "../eighTypes.ts";
import { applyReflectors } from "./eighReflectors.ts";
import { Scratch } from "./eighScratch.ts";
import { type DivideAndConquerKernels, divideAndConquer, tql } from "./tridiagonal.ts";

/** Records phase durations into a caller's object (no-op without one). */
export class Clock {
  private t = performance.now();
  constructor(private readonly out: Record<string, number> | undefined) {}
  lap(phase: string): void {
    if (!this.out) return;
    const now = performance.now();
    this.out[phase] = (this.out[phase] ?? 0) + (now - this.t) / 1000;
    this.t = now;
  }
}

/** work ← s·(A + Aᵀ)/2 with s a power of two making max|entry| ∈ [1, 2); returns s (0 for A = 0). */
export function prepare(A: Float64Array, n: number, work: Float64Array): number {
  let amax = 0;
  for (let i = 0; i < n * n; i++) {
    const v = Math.abs(A[i]);
    if (v > amax) amax = v;
  }
  if (amax === 0) {
    work.fill(0, 0, n * n);
    return 0;
  }
  const s = pow2(-Math.floor(Math.log2(amax)));
  const h = 0.5 * s;
  // 32×32 tiles (I, J ≥ I): rows of A's tile (I, J) and columns of its tile (J, I) stay in cache
  const S = 32;
  for (let i0 = 0; i0 < n; i0 += S) {
    const i1 = Math.min(n, i0 + S);
    for (let j0 = i0; j0 < n; j0 += S) {
      const j1 = Math.min(n, j0 + S);
      for (let i = i0; i < i1; i++) {
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const v = h * A[i * n + j] + h * A[j * n + i];
          work[i * n + j] = v;
          work[j * n + i] = v;
        }
      }
    }
    for (let i = i0; i < i1; i++) work[i * n + i] = s * A[i * n + i];
  }
  return s;
}

/** 2^e exactly for |e| ≤ 2000 (two factors keep it finite where a single power would not be). */
function pow2(e: number): number {
  const a = Math.trunc(e / 2);
  return Math.pow(2, a) * Math.pow(2, e - a);
}

/** Permutation putting d in descending order (stable on ties). */
export function descendingOrder(d: Float64Array): Int32Array {
  const idx = Array.from({ length: d.length }, (_, i) => i);
  idx.sort((a, b) => d[b] - d[a] || a - b);
  return Int32Array.from(idx);
}

function sortedValues(d: Float64Array, order: Int32Array, scale: number): Float64Array {
  const values = new Float64Array(d.length);
  for (let k = 0; k < d.length; k++) values[k] = scale === 0 ? 0 : d[order[k]] / scale;
  return values;
}

/** Eigenvalues only: implicit QL on (d, e) (both overwritten), unscaled and sorted descending. */
export function valuesOnly(d: Float64Array, e: Float64Array, n: number, scale: number, clock: Clock): EighResult {
  tql(d, e, n, null);
  clock.lap("ql");
  return { values: sortedValues(d, descendingOrder(d), scale), vectors: null };
}

/**
 * The public result from eigenvalues d (of the scaled matrix) and U (n×n row-major, column c the unit
 * eigenvector of d[c]): descending order, sign fixed, values unscaled.
 */
export function finish(d: Float64Array, U: Float64Array, n: number, scale: number): EighResult {
  const order = descendingOrder(d);
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let k = 0; k < n; k++) vectors[r + k] = U[r + order[k]];
  }
  fixSigns(vectors, n);
  return { values: sortedValues(d, order, scale), vectors };
}

/** Bᵀ of the n×n row-major B, in 32×32 tiles. */
export function transpose(B: Float64Array, n: number): Float64Array {
  const T = new Float64Array(n * n);
  const S = 32;
  for (let i0 = 0; i0 < n; i0 += S) {
    const i1 = Math.min(n, i0 + S);
    for (let j0 = 0; j0 < n; j0 += S) {
      const j1 = Math.min(n, j0 + S);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) T[j * n + i] = B[i * n + j];
    }
  }
  return T;
}

/** The buffers both backends keep between calls (see Scratch). */
export const scratch = new Scratch();

/** A backend's own back-transformation: Z ← Q·Z in place on its buffer Z (n×n). */
export interface BackTransform {
  readonly Z: Float64Array;
  apply(): void;
}

/**
 * Eigenvectors by divide and conquer: the tridiagonal (d, e) of the reduced matrix (reflectors in a, tau)
 * is diagonalised, T = Z Λ Zᵀ; Z is laid out in descending order of Λ, and U = Q·Z computed by the
 * blocked reflectors: in the result itself (the TS kernels, `applyReflectors` with K.dense), or in the
 * backend's buffer `back.Z` by `back.apply()` and then copied into the result. Only the result is new memory.
 */
export function vectorsByDivideAndConquer(
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  scale: number,
  K: DivideAndConquerKernels,
  clock: Clock,
  back?: BackTransform,
): EighResult {
  const { values, Zt, starts } = divideAndConquer(d, e, n, K, scratch);
  clock.lap("divideAndConquer");
  const order = descendingOrder(values);
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[order[k]] = k;
  const Z = back ? back.Z : new Float64Array(n * n);
  if (back && starts.length > 2) Z.fill(0); // several blocks: zeros between them
  // Z[s + i, pos[s + c]] = Zt[s + c, s + i] within each block, in 32×32 tiles
  for (let b = 0; b + 1 < starts.length; b++) {
    const s = starts[b];
    const m = starts[b + 1] - s;
    for (let c0 = 0; c0 < m; c0 += 32) {
      for (let i0 = 0; i0 < m; i0 += 32) {
        for (let c = c0; c < Math.min(m, c0 + 32); c++) {
          const src = (s + c) * n + s;
          const col = pos[s + c];
          for (let i = i0; i < Math.min(m, i0 + 32); i++) Z[(s + i) * n + col] = Zt[src + i];
        }
      }
    }
  }
  clock.lap("output");
  if (back) back.apply();
  else applyReflectors(a, n, tau, Z, K.dense, scratch);
  clock.lap("backTransform");
  const sign = columnSigns(Z, n);
  const U = back ? new Float64Array(n * n) : Z;
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let c = 0; c < n; c++) U[r + c] = sign[c] * Z[r + c];
  }
  clock.lap("output");
  return { values: sortedValues(values, order, scale), vectors: U };
}

/** Per column of U (n×n): −1 where its largest-magnitude entry (the first on ties) is negative, else 1. */
function columnSigns(U: Float64Array, n: number): Float64Array {
  const best = new Float64Array(n);
  const bestAbs = new Float64Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let c = 0; c < n; c++) {
      const v = U[r + c];
      if (Math.abs(v) > bestAbs[c]) {
        bestAbs[c] = Math.abs(v);
        best[c] = v;
      }
    }
  }
  return best.map((v) => (v < 0 ? -1 : 1));
}

/** Negates the columns of U (n×n) whose largest-magnitude entry (the first on ties) is negative. */
function fixSigns(U: Float64Array, n: number): void {
  const sign = columnSigns(U, n);
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let c = 0; c < n; c++) U[r + c] *= sign[c];
  }
}
