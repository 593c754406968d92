/**
 * Eigensolvers for the symmetric tridiagonal T (diagonal d, off-diagonal e: e[i] couples d[i] and d[i+1]).
 *
 * 1. Implicit QL with Wilkinson-type shifts (EISPACK tql1/tql2 as in JAMA), `tql`: O(n²) for eigenvalues;
 *    with vectors each sweep's Givens rotations are handed to a sink (~6n³ flops when applied to an n×n Z).
 * 2. Divide and conquer (Cuppen; LAPACK dstedc/dlaed0–dlaed4), `divideAndConquer`, eigenvectors in
 *    O(n³) GEMM flops (≤ 4/3·n³, less with deflation). Tear T at the middle coupling β = e[m1−1]:
 *
 *      T = diag(T1, T2) + |β| w wᵀ,  w = e_{m1−1} + sign(β)·e_{m1}
 *
 *    (T1's last and T2's first diagonal entries lowered by |β|), solve T1 = Q1 D1 Q1ᵀ and T2 = Q2 D2 Q2ᵀ
 *    recursively (implicit QL below LEAF rows), then
 *
 *      T = Q (D + ρ z zᵀ) Qᵀ,  Q = diag(Q1, Q2),  z = [Q1ᵀ e_last; sign(β)·Q2ᵀ e_first]/√2,  ρ = 2|β|.
 *
 *    Deflation (dlaed2), tol = 8ε·max(max|D|, max|z|): an entry with ρ|z_i| ≤ tol keeps (d_i, q_i); two
 *    entries i < j (in the order of D) with |(d_j − d_i)·c·s| ≤ tol after the Givens rotation (c, s) that
 *    zeroes z_i are rotated together and i keeps its rotated pair. The k remaining entries go to the
 *    rank-one solver (`secular`, lib/linalg/ts/tridiagonalSecular.ts): D' + ρ z' z'ᵀ = Y Λ Yᵀ. The merged
 *    eigenvectors are Q·Y, computed as two GEMMs over only the rows where Q's columns are non-zero: rows of
 *    T1 against the columns coming from T1 (or mixed by a deflation rotation), rows of T2 likewise.
 *    First T is split where |e_i| ≤ ε·√|d_i|·√|d_{i+1}| and each block scaled by a power of two (exact)
 *    to max|entry| ∈ [1, 2). docs/theory.md §15.2.
 */
import type { DenseKernels } from "../types.ts";
import { Pool, type Scratch } from "./eighScratch.ts";
import { SecularWork, secular as secularTs } from "./tridiagonalSecular.ts";

const EPS = 2 ** -52;
const MAX_ITER = 60; // QL iterations per eigenvalue; LAPACK allows 30 on average

/** Receives the Givens rotations of the QL sweeps in batches. */
export interface RotationSink {
  /** (c, s) pairs, consecutive. */
  readonly cs: Float64Array;
  /** (l, m) per sweep: rotations on columns (i, i+1) for i = m−1 down to l. */
  readonly sweeps: Int32Array;
  nrot: number;
  nsweep: number;
  /** Apply the recorded batch and reset nrot, nsweep. */
  flush(): void;
}

function hypot(a: number, b: number): number {
  const r = Math.sqrt(a * a + b * b);
  return r > 1e-150 && r < 1e150 ? r : Math.hypot(a, b);
}

/**
 * Diagonalises the symmetric tridiagonal (d, e) in place: e[i] couples d[i] and d[i+1], e[n−1] = 0.
 * On return d holds the eigenvalues (unsorted) and e is zero. Each sweep's rotations go to sink.
 */
export function tql(d: Float64Array, e: Float64Array, n: number, sink: RotationSink | null): void {
  const capRot = sink ? sink.cs.length >> 1 : 0;
  const capSweep = sink ? sink.sweeps.length >> 1 : 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > EPS * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > MAX_ITER) throw new Error(`eigh: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        // shift from the leading 2×2 block
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        // implicit QL sweep
        p = d[m];
        let c = 1,
          c2 = 1,
          c3 = 1,
          s = 0,
          s2 = 0;
        const el1 = e[l + 1];
        let q = 0;
        let cs: Float64Array | null = null;
        if (sink) {
          if (sink.nrot + (m - l) > capRot || sink.nsweep >= capSweep) sink.flush();
          sink.sweeps[2 * sink.nsweep] = l;
          sink.sweeps[2 * sink.nsweep + 1] = m;
          sink.nsweep++;
          cs = sink.cs;
          q = 2 * sink.nrot;
          sink.nrot += m - l;
        }
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (cs) {
            cs[q++] = c;
            cs[q++] = s;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  if (sink && sink.nrot > 0) sink.flush();
}

/**
 * A sink applying the rotations to the rows of Zᵀ (n×n row-major, so rows i, i+1 are columns i, i+1 of Z)
 * as each batch of at most `cap` rotations is flushed.
 */
export function rowRotationSink(Zt: Float64Array, n: number, cap = Math.max(n, 1 << 16)): RotationSink {
  return {
    cs: new Float64Array(2 * cap),
    sweeps: new Int32Array(2 * Math.max(1, cap >> 2)),
    nrot: 0,
    nsweep: 0,
    flush() {
      let q = 0;
      for (let sw = 0; sw < this.nsweep; sw++) {
        const l = this.sweeps[2 * sw];
        const m = this.sweeps[2 * sw + 1];
        for (let i = m - 1; i >= l; i--) {
          const c = this.cs[q++];
          const s = this.cs[q++];
          const ri = i * n;
          const rj = ri + n;
          for (let t = 0; t < n; t++) {
            const h = Zt[rj + t];
            const x = Zt[ri + t];
            Zt[rj + t] = s * x + c * h;
            Zt[ri + t] = c * x - s * h;
          }
        }
      }
      this.nrot = 0;
      this.nsweep = 0;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Divide and conquer

/** The two kernels divide and conquer runs on: dense products and the rank-one eigensolver. */
export interface DivideAndConquerKernels {
  dense: DenseKernels;
  /**
   * `secular` of lib/linalg/ts/tridiagonalSecular.ts or its WebAssembly twin: λ ascending into lambda, and
   * Y (k×k, row rowOf[i] = component i of every eigenvector), valid until the next call.
   */
  secular(
    k: number,
    d: Float64Array,
    z: Float64Array,
    rho: number,
    lambda: Float64Array,
    rowOf: Int32Array,
  ): Float64Array;
}

/** The plain-TypeScript rank-one solver, its work space kept in the closure and Y in scratch. */
export function secularTsKernel(scratch: Scratch): DivideAndConquerKernels["secular"] {
  const work = new SecularWork(0);
  return (k, d, z, rho, lambda, rowOf) => {
    const Y = scratch.f64("secularY", k * k);
    secularTs(k, d, z, rho, lambda, Y, rowOf, work);
    return Y;
  };
}

/** Blocks at most this large are solved by implicit QL (LAPACK's SMLSIZ). */
export const LEAF = 25;

/**
 * What the recursion shares: the eigenvectors as rows (Zt, n×n; block [s, s+m) in its rows and columns
 * s … s+m−1), the values, and temporary buffers.
 */
interface Context {
  n: number;
  Zt: Float64Array;
  values: Float64Array;
  pool: Pool;
  K: DivideAndConquerKernels;
  stats?: DivideAndConquerStats;
}

/** Counts over all merges of one call (for tests: deflation must be exercised). */
export interface DivideAndConquerStats {
  merges: number;
  /** entries deflated, by a small z_i or by a rotation */
  deflated: number;
  /** of which by a rotation of two close d_i */
  rotated: number;
}

/**
 * Eigenvalues and eigenvectors of the tridiagonal (d, e) (not modified) by divide and conquer. T splits into
 * unreduced blocks starting at starts[b] (starts[last] = n); within block [s, s+m) values[s+c] ascend, with
 * unit eigenvector (Zt[(s+c)·n + s + i])_{i<m} in rows and columns s … s+m−1 of Zt (entries outside the
 * diagonal blocks are undefined: the eigenvectors are zero there). Zt and the temporaries come from scratch.
 */
export function divideAndConquer(
  d: Float64Array,
  e: Float64Array,
  n: number,
  K: DivideAndConquerKernels,
  scratch: Scratch,
  stats?: DivideAndConquerStats,
): { values: Float64Array; Zt: Float64Array; starts: number[] } {
  const ctx: Context = {
    n,
    Zt: scratch.f64("dcZt", n * n),
    values: new Float64Array(n),
    pool: new Pool(scratch, "dcPool", 2 * n * n),
    K,
    stats,
  };
  const starts: number[] = [];
  let s = 0;
  while (s < n) {
    let t = s;
    while (t < n - 1 && Math.abs(e[t]) > EPS * Math.sqrt(Math.abs(d[t])) * Math.sqrt(Math.abs(d[t + 1]))) t++;
    starts.push(s);
    solveScaled(d.subarray(s, t + 1), e.subarray(s, t), s, t + 1 - s, ctx);
    s = t + 1;
  }
  starts.push(n);
  return { values: ctx.values, Zt: ctx.Zt, starts };
}

/** Block [s, s+m), scaled by a power of two to max|entry| ∈ [1, 2) for the solve. */
function solveScaled(d: Float64Array, e: Float64Array, s: number, m: number, ctx: Context): void {
  let amax = 0;
  for (let i = 0; i < m; i++) amax = Math.max(amax, Math.abs(d[i]));
  for (let i = 0; i < m - 1; i++) amax = Math.max(amax, Math.abs(e[i]));
  if (m === 1 || amax === 0) {
    ctx.values.set(d, s);
    for (let c = 0; c < m; c++) {
      const row = (s + c) * ctx.n + s;
      ctx.Zt.fill(0, row, row + m);
      ctx.Zt[row + c] = 1;
    }
    return;
  }
  const sc = 2 ** -Math.floor(Math.log2(amax));
  solve(
    d.map((v) => v * sc),
    e.map((v) => v * sc),
    s,
    m,
    ctx,
  );
  for (let i = s; i < s + m; i++) ctx.values[i] /= sc;
}

/** Recursive step on block [s, s+m); d (length m) is modified (the tear), e (length m − 1) is not. */
function solve(d: Float64Array, e: Float64Array, s: number, m: number, ctx: Context): void {
  if (m <= LEAF) {
    leaf(d, e, s, m, ctx);
    return;
  }
  const m1 = m >> 1;
  const beta = e[m1 - 1];
  d[m1 - 1] -= Math.abs(beta);
  d[m1] -= Math.abs(beta);
  solve(d.subarray(0, m1), e.subarray(0, m1 - 1), s, m1, ctx);
  solve(d.subarray(m1), e.subarray(m1), s + m1, m - m1, ctx);
  merge(s, m1, m - m1, beta, ctx);
}

/** Implicit QL with the rotations applied to Qᵀ = I, then sorted ascending into the block. */
function leaf(d: Float64Array, e: Float64Array, s: number, m: number, ctx: Context): void {
  const dd = d.slice();
  const ee = new Float64Array(m);
  ee.set(e.subarray(0, m - 1));
  const Qt = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Qt[i * m + i] = 1;
  tql(dd, ee, m, rowRotationSink(Qt, m, 64 * m));
  const order = ascendingOrder(dd);
  for (let c = 0; c < m; c++) {
    ctx.values[s + c] = dd[order[c]];
    ctx.Zt.set(Qt.subarray(order[c] * m, (order[c] + 1) * m), (s + c) * ctx.n + s);
  }
}

function ascendingOrder(v: Float64Array): Int32Array {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((a, b) => v[a] - v[b] || a - b);
  return Int32Array.from(idx);
}

// vector kinds during a merge (dlaed2's COLTYP)
const TOP = 1; // non-zero in T1's rows only
const MIXED = 2; // rotated together with a vector of the other half
const BOTTOM = 3; // non-zero in T2's rows only

/**
 * Merges blocks [s, s+m1) and [s+m1, s+m1+m2), torn apart at coupling beta (see the module doc). Vector j
 * of diag(Q1, Q2) is the half of Zt's row s+j in T1's columns (j < m1) or T2's (j ≥ m1) until a deflation
 * rotation gives it a full row of its own (`full`); the merged vectors are then written over the block.
 */
function merge(s: number, m1: number, m2: number, beta: number, ctx: Context): void {
  const { n, Zt, pool } = ctx;
  const m = m1 + m2;
  const rho = 2 * Math.abs(beta);
  const sg = beta < 0 ? -Math.SQRT1_2 : Math.SQRT1_2;
  const D = ctx.values.slice(s, s + m);
  const z = new Float64Array(m);
  for (let i = 0; i < m1; i++) z[i] = Math.SQRT1_2 * Zt[(s + i) * n + s + m1 - 1];
  for (let i = m1; i < m; i++) z[i] = sg * Zt[(s + i) * n + s + m1];
  // the merged ascending order of D (both halves ascend)
  const perm = new Int32Array(m);
  for (let a = 0, b = m1, t = 0; t < m; t++) perm[t] = b >= m || (a < m1 && D[a] <= D[b]) ? a++ : b++;
  let dmax = 0;
  let zmax = 0;
  for (let i = 0; i < m; i++) {
    dmax = Math.max(dmax, Math.abs(D[i]));
    zmax = Math.max(zmax, Math.abs(z[i]));
  }
  const tol = 8 * EPS * Math.max(dmax, zmax);
  const kind = new Int8Array(m);
  for (let i = 0; i < m; i++) kind[i] = i < m1 ? TOP : BOTTOM;
  pool.reset();
  const full: (Float64Array | undefined)[] = new Array(m); // whole rows of the vectors a rotation touched
  const fullRow = (j: number): Float64Array => {
    let r = full[j];
    if (!r) {
      r = pool.take(m);
      const src = (s + j) * n + s;
      if (j < m1) {
        r.set(Zt.subarray(src, src + m1));
        r.fill(0, m1);
      } else {
        r.fill(0, 0, m1);
        r.set(Zt.subarray(src + m1, src + m), m1);
      }
      full[j] = r;
    }
    return r;
  };
  const kept: number[] = []; // non-deflated vectors, ascending D
  const deflated: number[] = [];
  if (rho * zmax <= tol) for (let t = 0; t < m; t++) deflated.push(perm[t]);
  else {
    let pj = -1;
    for (let t = 0; t < m; t++) {
      const nj = perm[t];
      if (rho * Math.abs(z[nj]) <= tol) {
        deflated.push(nj);
        continue;
      }
      if (pj < 0) {
        pj = nj;
        continue;
      }
      const h = hypot(z[pj], z[nj]);
      const c = z[nj] / h;
      const sn = -z[pj] / h;
      if (Math.abs((D[nj] - D[pj]) * c * sn) <= tol) {
        // rotate (pj, nj) so that z[pj] = 0: pj keeps the rotated pair and is deflated
        z[nj] = h;
        z[pj] = 0;
        const x = fullRow(pj);
        const y = fullRow(nj);
        for (let r = 0; r < m; r++) {
          const xr = x[r];
          x[r] = c * xr + sn * y[r];
          y[r] = c * y[r] - sn * xr;
        }
        if (kind[pj] !== kind[nj]) kind[nj] = MIXED;
        const dp = D[pj] * c * c + D[nj] * sn * sn;
        D[nj] = D[pj] * sn * sn + D[nj] * c * c;
        D[pj] = dp;
        deflated.push(pj);
        if (ctx.stats) ctx.stats.rotated++;
      } else kept.push(pj);
      pj = nj;
    }
    if (pj >= 0) kept.push(pj);
  }
  const k = kept.length;
  if (ctx.stats) {
    ctx.stats.merges++;
    ctx.stats.deflated += m - k;
  }
  const lambda = new Float64Array(k);
  // Y's rows grouped [TOP | MIXED | BOTTOM] so that each half's rows of Y are contiguous
  let nTop = 0;
  let nMixed = 0;
  for (const j of kept) {
    if (kind[j] === TOP) nTop++;
    else if (kind[j] === MIXED) nMixed++;
  }
  const rowOf = new Int32Array(k);
  const byRow = new Int32Array(k); // the kept vector at each grouped row
  for (let i = 0, a = 0, b = nTop, c = nTop + nMixed; i < k; i++) {
    const g = kind[kept[i]] === TOP ? a++ : kind[kept[i]] === MIXED ? b++ : c++;
    rowOf[i] = g;
    byRow[g] = kept[i];
  }
  const Ut = pool.take(k * m1);
  const Ub = pool.take(k * m2);
  if (k > 0) {
    const dl = new Float64Array(k);
    const zl = new Float64Array(k);
    for (let j = 0; j < k; j++) {
      dl[j] = D[kept[j]];
      zl[j] = z[kept[j]];
    }
    const Y = ctx.K.secular(k, dl, zl, rho, lambda, rowOf);
    // vectors as rows: (Q·Y)ᵀ = Yᵀ·Qᵀ, each half over the rows of Y whose vectors are non-zero there
    halfProduct(Y, k, 0, nTop + nMixed, byRow, s, 0, m1, full, ctx, Ut);
    halfProduct(Y, k, nTop, k, byRow, s, m1, m2, full, ctx, Ub);
  }
  deflated.sort((a, b) => D[a] - D[b]);
  // save the deflated vectors' halves that the block's rows hold (they are about to be overwritten)
  const saved: (Float64Array | undefined)[] = new Array(m);
  for (const j of deflated) {
    if (full[j]) continue;
    const src = (s + j) * n + s + (j < m1 ? 0 : m1);
    const v = pool.take(j < m1 ? m1 : m2);
    v.set(Zt.subarray(src, src + v.length));
    saved[j] = v;
  }
  // output rows in ascending order: λ (ascending) merged with the deflated D (ascending)
  for (let a = 0, b = 0, c = 0; c < m; c++) {
    const row = (s + c) * n + s;
    if (b >= deflated.length || (a < k && lambda[a] <= D[deflated[b]])) {
      ctx.values[s + c] = lambda[a];
      Zt.set(Ut.subarray(a * m1, (a + 1) * m1), row);
      Zt.set(Ub.subarray(a * m2, (a + 1) * m2), row + m1);
      a++;
    } else {
      const j = deflated[b++];
      ctx.values[s + c] = D[j];
      const r = full[j];
      if (r) Zt.set(r, row);
      else {
        Zt.fill(0, row, row + m);
        Zt.set(saved[j]!, j < m1 ? row : row + m1);
      }
    }
  }
}

/**
 * One half (block columns c0 … c0+w−1) of the merged vectors as rows, Yᵀ·Qᵀ: rows g0 … g1−1 of the grouped
 * Y (those whose vectors are non-zero in this half) against the same vectors' parts in this half, a
 * (k × c)·(c × w) GEMM into U.
 */
function halfProduct(
  Y: Float64Array,
  k: number,
  g0: number,
  g1: number,
  byRow: Int32Array,
  s: number,
  c0: number,
  w: number,
  full: (Float64Array | undefined)[],
  ctx: Context,
  U: Float64Array,
): void {
  const c = g1 - g0;
  if (c === 0) {
    U.fill(0);
    return;
  }
  const mark = ctx.pool.mark();
  const Qs = ctx.pool.take(c * w);
  for (let u = 0; u < c; u++) {
    const j = byRow[g0 + u];
    const r = full[j];
    const src = (s + j) * ctx.n + s + c0;
    Qs.set(r ? r.subarray(c0, c0 + w) : ctx.Zt.subarray(src, src + w), u * w);
  }
  ctx.K.dense.gemm(true, false, k, w, c, 1, Y.subarray(g0 * k, g1 * k), Qs, 0, U);
  ctx.pool.reset(mark);
}
