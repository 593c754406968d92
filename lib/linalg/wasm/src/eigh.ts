// Hot loops of the symmetric eigensolver (lib/linalg/eigh.ts), AssemblyScript → WebAssembly SIMD128.
// Compiled by scripts/build-wasm.mjs to build/wasm/eigh.wasm; the glue is lib/linalg/wasm/eigh.ts, the
// plain-TS twins of these kernels are in lib/linalg/ts/ (named in each section).
//
// Memory: the caller owns linear memory from heapBase() on and passes byte offsets; nothing here
// allocates. All matrices are float64. Below heapBase() lie the packing buffers of the dense GEMM
// (./dense.ts, compiled in: the back-transformation multiplies in place in this memory).
//
// 1. tridiagonalizeBlocked: Householder reduction of a symmetric matrix to tridiagonal form (LAPACK
//    dsytrd + dlatrd, UPLO = 'L', in column-major terms; twin: tridiagonalize in ts/eigh.ts). The buffer
//    is read as column-major, so "column j" is the contiguous run a[j·n + j .. j·n + n−1] (the row-major
//    upper triangle; for a symmetric matrix the two are the same numbers). Panels of nb columns take their
//    symmetric products against the not-yet-updated trailing matrix (one read-only pass per column, four
//    columns of A per pass over the vectors), then one register-blocked rank-2nb update (syr2k)
//    brings the trailing matrix up to date. The last columns go unblocked (tridiagonalizeFrom), where
//    the product of one step is fused with the rank-2 update of the previous one.
// 2. rotatePanel: applies recorded implicit-QL sweeps (sequences of Givens rotations on adjacent
//    columns i, i+1 of Z) to one panel of R = 16 rows of Z, stored column by column
//    (panel[j·R + t] = Z[r0 + t, j]). A rotation then touches two contiguous 128-byte rows of the
//    panel; the panel (n·128 bytes) stays in L2 while the rotations stream past it, and one column
//    of the panel is carried in eight f64x2 registers along a sweep.
// 3. secular: the rank-one eigensolver of the divide-and-conquer merges (twin: ts/tridiagonalSecular.ts).
// 4. applyReflectors: Z ← Q·Z by compact-WY blocks, three GEMMs each (twin: ts/eighReflectors.ts).

import { gemm, kernel, workBase, workBytes } from "./dense";

/** First free byte (64-byte aligned) after the module's static data and the GEMM's packing buffers. */
export function heapBase(): usize {
  return (workBase() + workBytes() + 63) & ~(<usize>63);
}

// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/**
 * Generates the reflector for column k (dlarfg): x = a[k·n + k+1 .. n−1] is replaced by v (v[k+1] = 1
 * implicit, stored value = beta). Writes e[k] = beta, tau[k]. Returns tau.
 */
function reflector(a: usize, n: i32, k: i32, e: usize, tau: usize): f64 {
  const col = a + ((<usize>k * <usize>n) << 3);
  const alpha = load<f64>(col + (<usize>(k + 1) << 3));
  let s2 = f64x2.splat(0);
  let i = k + 2;
  for (; i + 1 < n; i += 2) {
    const x = v128.load(col + (<usize>i << 3));
    s2 = f64x2.add(s2, f64x2.mul(x, x));
  }
  let xnorm2 = hsum(s2);
  for (; i < n; i++) {
    const x = load<f64>(col + (<usize>i << 3));
    xnorm2 += x * x;
  }
  let t: f64 = 0;
  let beta = alpha;
  if (xnorm2 > 0) {
    const nrm = Math.sqrt(alpha * alpha + xnorm2);
    beta = alpha >= 0 ? -nrm : nrm;
    t = (beta - alpha) / beta;
    const sc = 1.0 / (alpha - beta);
    const scv = f64x2.splat(sc);
    i = k + 2;
    for (; i + 1 < n; i += 2) {
      const p = col + (<usize>i << 3);
      v128.store(p, f64x2.mul(v128.load(p), scv));
    }
    for (; i < n; i++) {
      const p = col + (<usize>i << 3);
      store<f64>(p, load<f64>(p) * sc);
    }
  }
  store<f64>(e + (<usize>k << 3), beta);
  store<f64>(tau + (<usize>k << 3), t);
  return t;
}

/**
 * Unblocked Householder tridiagonalisation in place of columns k0 .. n−2 (columns < k0 already
 * reduced, trailing block up to date; see the header). On return d[0..n−1] is the diagonal,
 * e[0..n−2] the off-diagonal (e[n−1] = 0), tau[k] and a[k·n + k+2 .. n−1] the k-th reflector
 * H_k = I − tau_k v vᵀ with v[0..k] = 0, v[k+1] = 1, A = Q T Qᵀ for Q = H_0 H_1 … H_{n−2};
 * a[k·n + k+1] holds e[k]. y and w are n-element scratch vectors.
 *
 * Step k needs column k final, so the rank-2 update A ← A − v wᵀ − w vᵀ of step k−1 is applied to
 * column k first and to the other trailing columns during step k's pass (fused with the product).
 */
function tridiagonalizeFrom(a: usize, n: i32, k0: i32, d: usize, e: usize, tau: usize, y: usize, w: usize): void {
  const n8 = (<usize>n) << 3;
  let pending = false; // update of step k−1 (v in column k−1, w in w) not yet applied to columns ≥ k
  for (let k = k0; k < n - 1; k++) {
    const colk = a + <usize>k * n8;
    const vp = colk - n8; // column k−1: the pending update's v (v[k] = 1 stored there meanwhile)
    if (pending) {
      updateColumn(colk, vp, w, k, n);
      store<f64>(vp + (<usize>k << 3), load<f64>(e + (<usize>(k - 1) << 3))); // restore e[k−1]
    }
    store<f64>(d + (<usize>k << 3), load<f64>(colk + (<usize>k << 3)));
    const t = reflector(a, n, k, e, tau);
    if (t != 0) {
      store<f64>(colk + (<usize>(k + 1) << 3), 1.0);
      for (let i = k + 1; i < n; i++) store<f64>(y + (<usize>i << 3), 0);
      for (let j = k + 1; j < n; j++) {
        const col = a + <usize>j * n8;
        if (pending) updateAndProduct(col, vp, w, colk, y, j, n);
        else product(col, colk, y, j, n);
      }
      // w = t·y + alpha2·v with alpha2 = −½·t·(t·y)ᵀv
      let dot: f64 = 0;
      for (let i = k + 1; i < n; i++) dot += load<f64>(y + (<usize>i << 3)) * load<f64>(colk + (<usize>i << 3));
      const alpha2 = -0.5 * t * t * dot;
      for (let i = k + 1; i < n; i++) {
        const o = <usize>i << 3;
        store<f64>(w + o, t * load<f64>(y + o) + alpha2 * load<f64>(colk + o));
      }
      pending = true;
    } else {
      if (pending) for (let j = k + 1; j < n; j++) updateColumn(a + <usize>j * n8, vp, w, j, n);
      pending = false;
    }
  }
  const last = <usize>(n - 1);
  const coln = a + last * n8;
  if (pending) {
    updateColumn(coln, coln - n8, w, n - 1, n);
    store<f64>(coln - n8 + (last << 3), load<f64>(e + ((last - 1) << 3)));
  }
  store<f64>(d + (last << 3), load<f64>(coln + (last << 3)));
  store<f64>(e + (last << 3), 0);
}

/** col[i] −= v[i]·w[j] + w[i]·v[j] for i = j .. n−1 (one column of the symmetric rank-2 update). */
function updateColumn(col: usize, v: usize, w: usize, j: i32, n: i32): void {
  const jo = <usize>j << 3;
  const vjs = load<f64>(v + jo);
  const wjs = load<f64>(w + jo);
  const vj = f64x2.splat(vjs);
  const wj = f64x2.splat(wjs);
  let i = j;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const p = col + o;
    v128.store(p, f64x2.sub(v128.load(p), f64x2.add(f64x2.mul(v128.load(v + o), wj), f64x2.mul(v128.load(w + o), vj))));
  }
  if (i < n) {
    const o = <usize>i << 3;
    store<f64>(col + o, load<f64>(col + o) - (load<f64>(v + o) * wjs + load<f64>(w + o) * vjs));
  }
}

/** y += A[:, j]-part of the symmetric product A·x using column j (rows j .. n−1) of the lower triangle. */
function product(col: usize, x: usize, y: usize, j: i32, n: i32): void {
  const jo = <usize>j << 3;
  const xjs = load<f64>(x + jo);
  const xj = f64x2.splat(xjs);
  let acc = f64x2.splat(0);
  let i = j + 1;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const c = v128.load(col + o);
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(xj, c)));
    acc = f64x2.add(acc, f64x2.mul(c, v128.load(x + o)));
  }
  let tail: f64 = 0;
  if (i < n) {
    const o = <usize>i << 3;
    const c = load<f64>(col + o);
    store<f64>(y + o, load<f64>(y + o) + xjs * c);
    tail = c * load<f64>(x + o);
  }
  store<f64>(y + jo, load<f64>(y + jo) + load<f64>(col + jo) * xjs + hsum(acc) + tail);
}

/** updateColumn(col, v, w, j) followed by product(col, x, y, j), in one pass over the column. */
function updateAndProduct(col: usize, v: usize, w: usize, x: usize, y: usize, j: i32, n: i32): void {
  const jo = <usize>j << 3;
  const vjs = load<f64>(v + jo);
  const wjs = load<f64>(w + jo);
  const vj = f64x2.splat(vjs);
  const wj = f64x2.splat(wjs);
  const cjj = load<f64>(col + jo) - 2 * vjs * wjs;
  store<f64>(col + jo, cjj);
  const xjs = load<f64>(x + jo);
  const xj = f64x2.splat(xjs);
  let acc = f64x2.splat(0);
  let i = j + 1;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const p = col + o;
    const c = f64x2.sub(v128.load(p), f64x2.add(f64x2.mul(v128.load(v + o), wj), f64x2.mul(v128.load(w + o), vj)));
    v128.store(p, c);
    v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.mul(xj, c)));
    acc = f64x2.add(acc, f64x2.mul(c, v128.load(x + o)));
  }
  let tail: f64 = 0;
  if (i < n) {
    const o = <usize>i << 3;
    const c = load<f64>(col + o) - (load<f64>(v + o) * wjs + load<f64>(w + o) * vjs);
    store<f64>(col + o, c);
    store<f64>(y + o, load<f64>(y + o) + xjs * c);
    tail = c * load<f64>(x + o);
  }
  store<f64>(y + jo, load<f64>(y + jo) + cjj * xjs + hsum(acc) + tail);
}

// ---------------------------------------------------------------------------------------------
// Blocked reduction (LAPACK dsytrd + dlatrd, UPLO = 'L'): panels of nb columns are reduced with the
// symmetric products taken against the not-yet-updated trailing matrix (a read-only pass) plus
// corrections from the panel's V and W; then one rank-2nb update A22 −= V Wᵀ + W Vᵀ (syr2k,
// register-blocked) brings the trailing matrix up to date. This halves the memory traffic of the
// unblocked reduction, whose every step reads and writes the whole trailing triangle.

/**
 * Blocked tridiagonalisation, same output as tridiagonalizeFrom(…, k0 = 0, …). wbuf: nb·n doubles (W, one row per panel
 * column), pack: 6·nb·(n + 4) doubles + 16, y, w: n doubles. Panels are used while more than nx columns
 * remain; the rest is reduced unblocked.
 */
export function tridiagonalizeBlocked(a: usize, n: i32, d: usize, e: usize, tau: usize, y: usize, w: usize,
  wbuf: usize, pack: usize, nb: i32, nx: i32): void {
  const n8 = (<usize>n) << 3;
  let i = 0;
  while (n - 1 - i > nx && n - 1 - i > nb) {
    panel(a, n, i, nb, e, tau, wbuf);
    syr2k(a, n, i, nb, wbuf, pack);
    for (let j = i; j < i + nb; j++) {
      const col = a + <usize>j * n8;
      store<f64>(col + (<usize>(j + 1) << 3), load<f64>(e + (<usize>j << 3)));
      store<f64>(d + (<usize>j << 3), load<f64>(col + (<usize>j << 3)));
    }
    i += nb;
  }
  tridiagonalizeFrom(a, n, i, d, e, tau, y, w);
}

/** dlatrd: reduces columns i .. i+nb−1; V stays in those columns (with v[c+1] = 1 stored), W in wbuf. */
function panel(a: usize, n: i32, i: i32, nb: i32, e: usize, tau: usize, wbuf: usize): void {
  const n8 = (<usize>n) << 3;
  for (let j = 0; j < nb; j++) {
    const c = i + j;
    const colc = a + <usize>c * n8;
    // A(c:n, c) −= Σ_{p<j} V_p·W_p[c] + W_p·V_p[c]
    for (let p = 0; p < j; p++) {
      updateColumn(colc, a + <usize>(i + p) * n8, wbuf + <usize>p * n8, c, n);
    }
    const t = reflector(a, n, c, e, tau);
    store<f64>(colc + (<usize>(c + 1) << 3), 1.0);
    const wj = wbuf + <usize>j * n8;
    for (let r = c + 1; r < n; r++) store<f64>(wj + (<usize>r << 3), 0);
    if (t == 0) continue;
    // W_j = A22·v over the stale trailing matrix (read-only pass)
    symv(a, n, c + 1, colc, wj);
    // corrections: W_j −= V (Wᵀv) + W (Vᵀv) over the previous panel columns
    for (let p = 0; p < j; p++) {
      const vp = a + <usize>(i + p) * n8;
      const wp = wbuf + <usize>p * n8;
      const wv = dot(wp, colc, c + 1, n);
      const vv = dot(vp, colc, c + 1, n);
      axpy2(wj, vp, -wv, wp, -vv, c + 1, n);
    }
    // W_j = t·W_j − ½·t·(t·W_jᵀv)·v
    scale(wj, t, c + 1, n);
    const alpha = -0.5 * t * dot(wj, colc, c + 1, n);
    axpy2(wj, colc, alpha, colc, 0, c + 1, n);
  }
}

/**
 * y[lo:n] += A[lo:n, lo:n]·x[lo:n] for the symmetric matrix stored as columns j (a[j·n + j .. n−1]);
 * y must be zero on entry where only the product is wanted. Columns are taken four at a time, so each
 * pass over y and x serves four columns.
 */
function symv(a: usize, n: i32, lo: i32, x: usize, y: usize): void {
  const n8 = (<usize>n) << 3;
  let j = lo;
  for (; j + 4 <= n; j += 4) {
    const c0 = a + <usize>j * n8;
    const c1 = c0 + n8;
    const c2 = c1 + n8;
    const c3 = c2 + n8;
    const jo = <usize>j << 3;
    const x0s = load<f64>(x + jo), x1s = load<f64>(x + jo, 8), x2s = load<f64>(x + jo, 16), x3s = load<f64>(x + jo, 24);
    // the 4×4 diagonal block (lower part of columns j .. j+3)
    const a00 = load<f64>(c0 + jo), a10 = load<f64>(c0 + jo, 8);
    const a20 = load<f64>(c0 + jo, 16), a30 = load<f64>(c0 + jo, 24);
    const a11 = load<f64>(c1 + jo, 8), a21 = load<f64>(c1 + jo, 16), a31 = load<f64>(c1 + jo, 24);
    const a22 = load<f64>(c2 + jo, 16), a32 = load<f64>(c2 + jo, 24);
    const a33 = load<f64>(c3 + jo, 24);
    let y0 = a00 * x0s + a10 * x1s + a20 * x2s + a30 * x3s;
    let y1 = a10 * x0s + a11 * x1s + a21 * x2s + a31 * x3s;
    let y2 = a20 * x0s + a21 * x1s + a22 * x2s + a32 * x3s;
    let y3 = a30 * x0s + a31 * x1s + a32 * x2s + a33 * x3s;
    const x0 = f64x2.splat(x0s), x1 = f64x2.splat(x1s), x2 = f64x2.splat(x2s), x3 = f64x2.splat(x3s);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
    let i = j + 4;
    for (; i + 1 < n; i += 2) {
      const o = <usize>i << 3;
      const xi = v128.load(x + o);
      const v0 = v128.load(c0 + o), v1 = v128.load(c1 + o), v2 = v128.load(c2 + o), v3 = v128.load(c3 + o);
      v128.store(y + o, f64x2.add(v128.load(y + o), f64x2.add(
        f64x2.add(f64x2.mul(x0, v0), f64x2.mul(x1, v1)), f64x2.add(f64x2.mul(x2, v2), f64x2.mul(x3, v3)))));
      s0 = f64x2.add(s0, f64x2.mul(v0, xi));
      s1 = f64x2.add(s1, f64x2.mul(v1, xi));
      s2 = f64x2.add(s2, f64x2.mul(v2, xi));
      s3 = f64x2.add(s3, f64x2.mul(v3, xi));
    }
    if (i < n) {
      const o = <usize>i << 3;
      const xi = load<f64>(x + o);
      const v0 = load<f64>(c0 + o), v1 = load<f64>(c1 + o), v2 = load<f64>(c2 + o), v3 = load<f64>(c3 + o);
      store<f64>(y + o, load<f64>(y + o) + ((x0s * v0 + x1s * v1) + (x2s * v2 + x3s * v3)));
      y0 += v0 * xi;
      y1 += v1 * xi;
      y2 += v2 * xi;
      y3 += v3 * xi;
    }
    store<f64>(y + jo, load<f64>(y + jo) + y0 + hsum(s0));
    store<f64>(y + jo, load<f64>(y + jo, 8) + y1 + hsum(s1), 8);
    store<f64>(y + jo, load<f64>(y + jo, 16) + y2 + hsum(s2), 16);
    store<f64>(y + jo, load<f64>(y + jo, 24) + y3 + hsum(s3), 24);
  }
  for (; j < n; j++) product(a + <usize>j * n8, x, y, j, n);
}

function dot(x: usize, y: usize, lo: i32, n: i32): f64 {
  let acc = f64x2.splat(0);
  let i = lo;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    acc = f64x2.add(acc, f64x2.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = hsum(acc);
  if (i < n) s += load<f64>(x + (<usize>i << 3)) * load<f64>(y + (<usize>i << 3));
  return s;
}

/** z += α·x + β·y on [lo, n). */
function axpy2(z: usize, x: usize, alpha: f64, y: usize, beta: f64, lo: i32, n: i32): void {
  const av = f64x2.splat(alpha);
  const bv = f64x2.splat(beta);
  let i = lo;
  for (; i + 1 < n; i += 2) {
    const o = <usize>i << 3;
    const t = f64x2.add(f64x2.mul(av, v128.load(x + o)), f64x2.mul(bv, v128.load(y + o)));
    v128.store(z + o, f64x2.add(v128.load(z + o), t));
  }
  if (i < n) {
    const o = <usize>i << 3;
    store<f64>(z + o, load<f64>(z + o) + alpha * load<f64>(x + o) + beta * load<f64>(y + o));
  }
}

function scale(x: usize, alpha: f64, lo: i32, n: i32): void {
  for (let i = lo; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(x + o, alpha * load<f64>(x + o));
  }
}

const RCHUNK: i32 = 128; // 4-row blocks per r-chunk (512 rows: the packed chunk stays in L2)

/**
 * A(s0:n, s0:n) −= V Wᵀ + W Vᵀ for s0 = i + nb, on the stored triangle (row c of the buffer, entries
 * r ≥ c; tiles straddling the diagonal also write a few entries r < c, which are never read). A GEMM of
 * depth 2nb on the dense module's 4×4 micro-kernel: X[c, r] −= Σ_q op(A)[c, q]·op(B)[q, r] with
 * op(A)[c, ·] = (V_0[c], W_0[c], V_1[c], W_1[c], …) and op(B)[·, r] the same with each pair swapped.
 * Packed per 4-row block (zero past n): A as [q][x] (4 doubles per q), B as [q][values x, then lanes
 * swapped x^1] (8 doubles per q), the micro-kernel's formats. pack: nblk·2nb·12 doubles + one 4×4 tile.
 */
function syr2k(a: usize, n: i32, i: i32, nb: i32, wbuf: usize, pack: usize): void {
  const n8 = (<usize>n) << 3;
  const s0 = i + nb;
  const m = n - s0;
  const nblk = (m + 3) >> 2;
  const q2 = nb << 1;
  const blkA = (<usize>q2) << 5; // q2 · 4 doubles
  const blkB = (<usize>q2) << 6; // q2 · 8 doubles
  const packA = pack;
  const packB = pack + <usize>nblk * blkA;
  const tile = packB + <usize>nblk * blkB;
  for (let b = 0; b < nblk; b++) {
    const da = packA + <usize>b * blkA;
    const db = packB + <usize>b * blkB;
    for (let p = 0; p < nb; p++) {
      const vp = a + <usize>(i + p) * n8;
      const wp = wbuf + <usize>p * n8;
      const oa = da + (<usize>p << 6); // q = 2p at oa, q = 2p+1 at oa + 32
      const ob = db + (<usize>p << 7); // q = 2p at ob, q = 2p+1 at ob + 64
      for (let x = 0; x < 4; x++) {
        const r = s0 + 4 * b + x;
        const v: f64 = r < n ? load<f64>(vp + (<usize>r << 3)) : 0;
        const w: f64 = r < n ? load<f64>(wp + (<usize>r << 3)) : 0;
        const xo = <usize>x << 3;
        const so = (<usize>(x ^ 1)) << 3;
        store<f64>(oa + xo, v);
        store<f64>(oa + 32 + xo, w);
        store<f64>(ob + xo, w); // B[2p] = A[2p + 1]
        store<f64>(ob + 32 + so, w);
        store<f64>(ob + 64 + xo, v); // B[2p + 1] = A[2p]
        store<f64>(ob + 96 + so, v);
      }
    }
  }
  for (let rc = 0; rc < nblk; rc += RCHUNK) {
    const rend = min(nblk, rc + RCHUNK);
    for (let cb = 0; cb < rend; cb++) {
      const pa = packA + <usize>cb * blkA;
      const c0 = s0 + 4 * cb;
      for (let rb = max(cb, rc); rb < rend; rb++) {
        const r0 = s0 + 4 * rb;
        const t = a + <usize>c0 * n8 + (<usize>r0 << 3);
        const pb = packB + <usize>rb * blkB;
        if (c0 + 4 <= n && r0 + 4 <= n) {
          kernel(q2, pa, pb, t, n8, -1.0);
          continue;
        }
        // ragged tile: through the scratch tile, then its valid rows and columns
        memory.fill(tile, 0, 128);
        kernel(q2, pa, pb, tile, 32, -1.0);
        for (let x = 0; x < min(4, n - c0); x++) {
          for (let y = 0; y < min(4, n - r0); y++) {
            const o = t + <usize>x * n8 + (<usize>y << 3);
            store<f64>(o, load<f64>(o) + load<f64>(tile + (<usize>(4 * x + y) << 3)));
          }
        }
      }
    }
  }
}

const R: i32 = 16; // rows per panel
const STRIDE: usize = <usize>R << 3; // bytes per panel column

/**
 * Applies nsweep recorded QL sweeps to one panel (n columns × R rows, contiguous at base). Sweep s
 * rotates columns (i, i+1) for i = m−1 down to l, where (l, m) = sweeps[2s], sweeps[2s+1] (int32);
 * the (c, s) pairs are consecutive float64 in cs. Rotation: z_{i+1} ← s·z_i + c·z_{i+1},
 * z_i ← c·z_i − s·z_{i+1}. (One call per panel from JS: V8 tiers a function up to its optimising
 * compiler between calls, never inside a running call.)
 */
export function rotatePanel(base: usize, nsweep: i32, sweeps: usize, cs: usize): void {
  let q = cs;
  for (let sw = 0; sw < nsweep; sw++) {
    const l = load<i32>(sweeps + (<usize>sw << 3));
    const m = load<i32>(sweeps + (<usize>sw << 3), 4);
    let ptr = base + <usize>m * STRIDE;
    let z0 = v128.load(ptr, 0);
    let z1 = v128.load(ptr, 16);
    let z2 = v128.load(ptr, 32);
    let z3 = v128.load(ptr, 48);
    let z4 = v128.load(ptr, 64);
    let z5 = v128.load(ptr, 80);
    let z6 = v128.load(ptr, 96);
    let z7 = v128.load(ptr, 112);
    for (let i = m - 1; i >= l; i--) {
      const c = v128.load64_splat(q);
      const s = v128.load64_splat(q, 8);
      q += 16;
      const pi = ptr - STRIDE;
      let x = v128.load(pi, 0);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z0)), 0);
      z0 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z0));
      x = v128.load(pi, 16);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z1)), 16);
      z1 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z1));
      x = v128.load(pi, 32);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z2)), 32);
      z2 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z2));
      x = v128.load(pi, 48);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z3)), 48);
      z3 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z3));
      x = v128.load(pi, 64);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z4)), 64);
      z4 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z4));
      x = v128.load(pi, 80);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z5)), 80);
      z5 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z5));
      x = v128.load(pi, 96);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z6)), 96);
      z6 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z6));
      x = v128.load(pi, 112);
      v128.store(ptr, f64x2.add(f64x2.mul(s, x), f64x2.mul(c, z7)), 112);
      z7 = f64x2.sub(f64x2.mul(c, x), f64x2.mul(s, z7));
      ptr = pi;
    }
    v128.store(ptr, z0, 0);
    v128.store(ptr, z1, 16);
    v128.store(ptr, z2, 32);
    v128.store(ptr, z3, 48);
    v128.store(ptr, z4, 64);
    v128.store(ptr, z5, 80);
    v128.store(ptr, z6, 96);
    v128.store(ptr, z7, 112);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. secular: eigenpairs of diag(d) + ρ z zᵀ (the merge of divide and conquer), the twin of `secular` in
//    lib/linalg/ts/tridiagonalSecular.ts (same iteration, same stopping rule; its module doc has the maths).
//    Root j is λ_j = dor_j + τ_j with dor_j = d[o_j] its nearer pole, so that Δ_ij = (d_i − dor_j) − τ_j.
//    Every O(k) loop runs over f64x2 pairs of components.

const EPS: f64 = 2.220446049250313e-16; // 2^-52
const MAX_ITER: i32 = 100;

// second results of the helpers below (AssemblyScript has no tuples)
let sumV: f64 = 0; // Σ z_i·t_i, t_i = z_i/Δ_i
let sumT2: f64 = 0; // Σ t_i²
let sumAbs: f64 = 0; // Σ |z_i·t_i|
let rootTau: f64 = 0;

/** The three sums over i ∈ [i0, i1) at λ = dor + τ (into sumV, sumT2, sumAbs). */
function sums(d: usize, z: usize, i0: i32, i1: i32, dor: f64, tau: f64): void {
  const dv = f64x2.splat(dor);
  const tv = f64x2.splat(tau);
  let v = f64x2.splat(0), t2 = f64x2.splat(0), ab = f64x2.splat(0);
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const o = <usize>i << 3;
    const zi = v128.load(z + o);
    const t = f64x2.div(zi, f64x2.sub(f64x2.sub(v128.load(d + o), dv), tv));
    const zt = f64x2.mul(zi, t);
    v = f64x2.add(v, zt);
    t2 = f64x2.add(t2, f64x2.mul(t, t));
    ab = f64x2.add(ab, f64x2.abs(zt));
  }
  let sv = hsum(v), st = hsum(t2), sa = hsum(ab);
  if (i < i1) {
    const o = <usize>i << 3;
    const zi = load<f64>(z + o);
    const t = zi / ((load<f64>(d + o) - dor) - tau);
    sv += zi * t;
    st += t * t;
    sa += Math.abs(zi * t);
  }
  sumV = sv;
  sumT2 = st;
  sumAbs = sa;
}

/** Root j: returns dor = d[o] and leaves τ in rootTau (see the TS twin for the iteration). */
function secularRoot(k: i32, d: usize, z: usize, rho: f64, zz: f64, j: i32): f64 {
  const rinv = 1.0 / rho;
  const last = j == k - 1;
  const p = last ? k - 2 : j;
  const q = p + 1;
  let o: i32, lo: f64, hi: f64, tau: f64;
  if (last) {
    o = k - 1;
    lo = 0;
    hi = rho * zz;
    tau = 0.5 * hi;
    sums(d, z, 0, k, load<f64>(d + (<usize>o << 3)), tau);
    if (rinv + sumV > 0) hi = tau;
    else lo = tau;
  } else {
    const dj = load<f64>(d + (<usize>j << 3));
    const mid = 0.5 * (load<f64>(d + (<usize>(j + 1) << 3)) - dj);
    sums(d, z, 0, k, dj, mid);
    if (rinv + sumV >= 0) {
      o = j;
      lo = 0;
      hi = mid;
      tau = mid;
    } else {
      o = j + 1;
      lo = -mid;
      hi = 0;
      tau = -mid;
    }
  }
  const dor = load<f64>(d + (<usize>o << 3));
  const dop = load<f64>(d + (<usize>p << 3)) - dor;
  const doq = load<f64>(d + (<usize>q << 3)) - dor;
  for (let iter = 0; iter < MAX_ITER; iter++) {
    sums(d, z, 0, p + 1, dor, tau);
    const psi = sumV, dpsi = sumT2;
    let abs = sumAbs;
    sums(d, z, p + 1, k, dor, tau);
    const phi = sumV, dphi = sumT2;
    abs += sumAbs;
    const f = rinv + psi + phi;
    if (Math.abs(f) <= EPS * (8 * abs + 2 * rinv + Math.abs(tau) * (dpsi + dphi))) break;
    if (f < 0) lo = tau;
    else hi = tau;
    const Dp = dop - tau;
    const Dq = doq - tau;
    const c = f - Dp * dpsi - Dq * dphi;
    const a = (Dp + Dq) * f - Dp * Dq * (dpsi + dphi);
    const b = Dp * Dq * f;
    const etaLo = Math.max(last ? Dq : Dp, lo - tau);
    const etaHi = Math.min(last ? Infinity : Dq, hi - tau);
    let eta: f64 = NaN;
    if (c == 0) eta = b / a;
    else {
      const disc = a * a - 4 * b * c;
      if (disc >= 0) {
        const s = Math.sqrt(disc);
        const h = 0.5 * (a >= 0 ? a + s : a - s);
        const r1 = h / c;
        const r2 = h != 0 ? b / h : NaN;
        eta = r1 > etaLo && r1 < etaHi ? r1 : r2;
      }
    }
    let next = eta > etaLo && eta < etaHi ? tau + eta : 0.5 * (lo + hi);
    if (!(next > lo && next < hi) || next == tau) {
      next = 0.5 * (lo + hi);
      if (next == tau || !(next > lo && next < hi)) break;
    }
    tau = next;
  }
  rootTau = tau;
  return dor;
}

/**
 * Eigenvalues lambda (ascending, k) and unit eigenvectors of diag(d) + ρ z zᵀ: component i of the vector of
 * λ_j at Y[rowOf[i]·k + j] (rowOf: int32). Work: dorv, tauv, zhat, rnorm (k doubles each).
 */
export function secular(k: i32, d: usize, z: usize, rho: f64, lambda: usize, Y: usize, rowOf: usize,
  dorv: usize, tauv: usize, zhat: usize, rnorm: usize): void {
  if (k == 1) {
    store<f64>(lambda, load<f64>(d) + rho * load<f64>(z) * load<f64>(z));
    store<f64>(Y, 1.0);
    return;
  }
  let zz: f64 = 0;
  for (let i = 0; i < k; i++) zz += load<f64>(z + (<usize>i << 3)) * load<f64>(z + (<usize>i << 3));
  for (let j = 0; j < k; j++) {
    const o = <usize>j << 3;
    const dor = secularRoot(k, d, z, rho, zz, j);
    store<f64>(dorv + o, dor);
    store<f64>(tauv + o, rootTau);
    store<f64>(lambda + o, dor + rootTau);
  }
  // Löwner: ẑ_i² = −Δ_ii ∏_{j≠i} Δ_ij / (d_i − d_j)
  for (let i = 0; i < k; i++) {
    const o = <usize>i << 3;
    store<f64>(zhat + o, -((load<f64>(d + o) - load<f64>(dorv + o)) - load<f64>(tauv + o)));
  }
  for (let j = 0; j < k; j++) {
    const jo = <usize>j << 3;
    lownerFactors(d, zhat, 0, j, load<f64>(d + jo), load<f64>(dorv + jo), load<f64>(tauv + jo));
    lownerFactors(d, zhat, j + 1, k, load<f64>(d + jo), load<f64>(dorv + jo), load<f64>(tauv + jo));
  }
  for (let i = 0; i < k; i++) {
    const o = <usize>i << 3;
    const r = Math.sqrt(load<f64>(zhat + o));
    store<f64>(zhat + o, load<f64>(z + o) < 0 ? -r : r);
  }
  // column norms, then the rows of Y
  for (let j = 0; j < k; j++) {
    const jo = <usize>j << 3;
    const dv = f64x2.splat(load<f64>(dorv + jo));
    const tv = f64x2.splat(load<f64>(tauv + jo));
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 1 < k; i += 2) {
      const o = <usize>i << 3;
      const v = f64x2.div(v128.load(zhat + o), f64x2.sub(f64x2.sub(v128.load(d + o), dv), tv));
      acc = f64x2.add(acc, f64x2.mul(v, v));
    }
    let s = hsum(acc);
    if (i < k) {
      const o = <usize>i << 3;
      const v = load<f64>(zhat + o) / ((load<f64>(d + o) - load<f64>(dorv + jo)) - load<f64>(tauv + jo));
      s += v * v;
    }
    store<f64>(rnorm + jo, 1.0 / Math.sqrt(s));
  }
  const k8 = (<usize>k) << 3;
  for (let i = 0; i < k; i++) {
    const io = <usize>i << 3;
    const di = load<f64>(d + io);
    const zi = load<f64>(zhat + io);
    const dv = f64x2.splat(di);
    const zv = f64x2.splat(zi);
    const row = Y + <usize>load<i32>(rowOf + (<usize>i << 2)) * k8;
    let j = 0;
    for (; j + 1 < k; j += 2) {
      const o = <usize>j << 3;
      const den = f64x2.sub(f64x2.sub(dv, v128.load(dorv + o)), v128.load(tauv + o));
      v128.store(row + o, f64x2.mul(f64x2.div(zv, den), v128.load(rnorm + o)));
    }
    if (j < k) {
      const o = <usize>j << 3;
      store<f64>(row + o, (zi / ((di - load<f64>(dorv + o)) - load<f64>(tauv + o))) * load<f64>(rnorm + o));
    }
  }
}

/** zhat_i ·= ((d_i − dor) − τ)/(d_i − dj) for i ∈ [i0, i1). */
function lownerFactors(d: usize, zhat: usize, i0: i32, i1: i32, dj: f64, dor: f64, tau: f64): void {
  const djv = f64x2.splat(dj);
  const dv = f64x2.splat(dor);
  const tv = f64x2.splat(tau);
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const o = <usize>i << 3;
    const di = v128.load(d + o);
    const f = f64x2.div(f64x2.sub(f64x2.sub(di, dv), tv), f64x2.sub(di, djv));
    v128.store(zhat + o, f64x2.mul(v128.load(zhat + o), f));
  }
  if (i < i1) {
    const o = <usize>i << 3;
    const di = load<f64>(d + o);
    store<f64>(zhat + o, load<f64>(zhat + o) * (((di - dor) - tau) / (di - dj)));
  }
}

// ---------------------------------------------------------------------------------------------
// 4. applyReflectors (LAPACK dormtr; the maths in ts/eighReflectors.ts):
//    H_{k0} … H_{k0+b−1} = I − V T Vᵀ (T upper triangular, dlarft 'F','C'), Z ← Z − V (T (Vᵀ Z)).

/**
 * Z ← Q·Z for Z n×n row-major at z, Q = H_0 … H_{n−2} from the reduced matrix at a (reflector k:
 * v = (0 … 0, 1, a[k·n + k+2 … n−1]) with the 1 at k+1, tau[k]); blocks of nb reflectors, the last block
 * first. Work: vt (nb·n), g and t (nb·nb), w and tw (nb·n doubles).
 */
export function applyReflectors(a: usize, n: i32, tau: usize, z: usize, nb: i32, vt: usize, g: usize, t: usize,
  w: usize, tw: usize): void {
  const nref = n - 1;
  if (nref <= 0) return;
  const n8 = (<usize>n) << 3;
  for (let k0 = ((nref - 1) / nb) * nb; k0 >= 0; k0 -= nb) {
    const b = min(nb, nref - k0);
    const m = n - k0 - 1;
    const m8 = (<usize>m) << 3;
    // Vᵀ (b × m) over rows k0+1 … n−1
    memory.fill(vt, 0, <usize>b * m8);
    for (let p = 0; p < b; p++) {
      const k = k0 + p;
      if (load<f64>(tau + (<usize>k << 3)) == 0) continue;
      const row = vt + <usize>p * m8 + (<usize>p << 3);
      store<f64>(row, 1.0);
      memory.copy(row + 8, a + <usize>k * n8 + (<usize>(k + 2) << 3), <usize>(n - k - 2) << 3);
    }
    // T from G = Vᵀ V: T_ii = τ_i, T[0:i, i] = −τ_i · T[0:i, 0:i] · G[0:i, i]
    gemm(0, 1, b, b, m, 1.0, vt, vt, 0.0, g);
    const b8 = (<usize>b) << 3;
    memory.fill(t, 0, <usize>b * b8);
    for (let i = 0; i < b; i++) {
      const ti = load<f64>(tau + (<usize>(k0 + i) << 3));
      store<f64>(t + <usize>i * b8 + (<usize>i << 3), ti);
      if (ti == 0) continue;
      for (let j = 0; j < i; j++) {
        let s: f64 = 0;
        for (let l = j; l < i; l++) {
          s += load<f64>(t + <usize>j * b8 + (<usize>l << 3)) * load<f64>(g + <usize>l * b8 + (<usize>i << 3));
        }
        store<f64>(t + <usize>j * b8 + (<usize>i << 3), -ti * s);
      }
    }
    const zs = z + <usize>(k0 + 1) * n8;
    gemm(0, 0, b, n, m, 1.0, vt, zs, 0.0, w); // Vᵀ Z
    gemm(0, 0, b, n, b, 1.0, t, w, 0.0, tw); // T Vᵀ Z
    gemm(1, 0, m, n, b, -1.0, vt, tw, 1.0, zs); // Z −= V T Vᵀ Z
  }
}
