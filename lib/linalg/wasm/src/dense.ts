// Dense float64 kernels (GEMM, SYRK) in AssemblyScript, compiled to WebAssembly SIMD128 by
// scripts/build-wasm.mjs. Row-major throughout, BLAS dgemm semantics.
//
// Layout (Goto/BLIS): C is cut into NC-column blocks; for each KC-deep slice of op(B) the slice is
// packed into NR-column micro-panels (Bp), then each MC-row block of op(A) is packed into MR-row
// micro-panels (Ap) and a 4×4 register-blocked micro-kernel (eight f64x2 accumulators) runs over
// every (micro-panel of A, micro-panel of B) pair. Packing pads edges with zeros, so the micro-kernel
// never sees a ragged tile; ragged tiles of C are written through a small scratch tile. Packing also
// takes care of transposes: op(A) and op(B) are read through (row stride, column stride) pairs.
//
// The micro-kernel needs no broadcasts: for each p, Ap holds (a0 a1)(a2 a3) and Bp holds
// (b0 b1)(b2 b3) followed by the lane-swapped copy (b1 b0)(b3 b2). The products (a0 a1)·(b0 b1) and
// (a0 a1)·(b1 b0) accumulate the diagonal (c00 c11) and anti-diagonal (c01 c10) of each 2×2 block,
// which are unshuffled once per tile. Per p: 6 plain loads, 8 mul, 8 add (WebAssembly has no FMA
// without relaxed SIMD). V8 keeps this in registers; wider tiles or unrolling made it spill
// (measured: 4×8, 6×4, 4×6, unroll 2 all slower). ~20 GFLOP/s at n = 1000 on a 3.6 GHz Zen 4.
//
// Memory: the caller (lib/linalg/wasm/dense.ts) owns linear memory. The packing buffers live at
// workBase() .. workBase() + workBytes(); matrices go after that, at byte offsets the caller passes.

// Micro-tile: MR rows × NR columns of C (the kernel below is written for 4 × 4).
const MR: i32 = 4;
const NR: i32 = 4;
// Cache blocking: Ap (MC×KC, 192 KiB) stays in L2, one Bp micro-panel (KC×2NR, 16 KiB) in L1,
// Bp (KC×2NC, 4 MiB) in L3.
const KC: i32 = 256;
const MC: i32 = 96;
const NC: i32 = 1024;

const PACK_A_BYTES: usize = <usize>(MC * KC) << 3;
const PACK_B_BYTES: usize = <usize>(KC * NC) << 4; // values and their lane-swapped copy
const TILE_BYTES: usize = <usize>(MR * NR) << 3;

/** First byte of the packing area (64-byte aligned, after the module's static data). */
export function workBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Bytes of packing area the kernels use from workBase(). */
export function workBytes(): usize {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES + 64;
}

// ---------------------------------------------------------------------------------------------
// Packing. op(X)[r, c] = X[r·rs + c·cs] (element strides).

/** Pack op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-row micro-panels: Ap[panel][p][r]. */
function packA(a: usize, rs: i32, cs: i32, i0: i32, mc: i32, p0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + ((<usize>(ir * kc)) << 3);
    if (rows == MR && cs == 1) {
      // op(A) rows are contiguous in memory (A not transposed): gather MR rows at once.
      const s0 = a + ((<usize>((i0 + ir) * rs + p0)) << 3);
      const s1 = s0 + ((<usize>rs) << 3);
      const s2 = s1 + ((<usize>rs) << 3);
      const s3 = s2 + ((<usize>rs) << 3);
      let d = panel;
      for (let p = 0; p < kc; p++) {
        const o = (<usize>p) << 3;
        store<f64>(d, load<f64>(s0 + o));
        store<f64>(d, load<f64>(s1 + o), 8);
        store<f64>(d, load<f64>(s2 + o), 16);
        store<f64>(d, load<f64>(s3 + o), 24);
        d += 32;
      }
    } else if (rows == MR && rs == 1) {
      // op(A) columns are contiguous (A transposed): copy MR consecutive elements per p.
      let s = a + ((<usize>((i0 + ir) + p0 * cs)) << 3);
      const step = (<usize>cs) << 3;
      let d = panel;
      for (let p = 0; p < kc; p++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        s += step;
        d += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const d = panel + ((<usize>(p * MR)) << 3);
        for (let r = 0; r < MR; r++) {
          const v: f64 = r < rows ? load<f64>(a + ((<usize>((i0 + ir + r) * rs + (p0 + p) * cs)) << 3)) : 0.0;
          store<f64>(d + ((<usize>r) << 3), v);
        }
      }
    }
  }
}

/**
 * Pack op(B)[p0 .. p0+kc, j0 .. j0+nc] into NR-column micro-panels of 2·NR values per p:
 * Bp[panel][p] = (b0 b1 b2 b3 | b1 b0 b3 b2).
 */
function packB(b: usize, rs: i32, cs: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let d = dst + ((<usize>(jr * kc)) << 4);
    if (cols == NR && cs == 1) {
      // op(B) rows contiguous (B not transposed): NR consecutive elements per p.
      let s = b + ((<usize>(p0 * rs + j0 + jr)) << 3);
      const step = (<usize>rs) << 3;
      for (let p = 0; p < kc; p++) {
        const x = v128.load(s);
        const y = v128.load(s, 16);
        v128.store(d, x);
        v128.store(d, y, 16);
        v128.store(d, v128.shuffle<f64>(x, x, 1, 0), 32);
        v128.store(d, v128.shuffle<f64>(y, y, 1, 0), 48);
        s += step;
        d += 64;
      }
    } else {
      // General strides (B transposed, or a ragged last panel padded with zeros).
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          const v: f64 = c < cols ? load<f64>(b + ((<usize>((p0 + p) * rs + (j0 + jr + c) * cs)) << 3)) : 0.0;
          store<f64>(d + ((<usize>c) << 3), v);
          store<f64>(d + ((<usize>(NR + (c ^ 1))) << 3), v);
        }
        d += 64;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[0..4, 0..4] += alpha · Ap(kc×4)ᵀ · Bp(kc×4); C row stride ldc (bytes).
export function kernel(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, alpha: f64): void {
  // dRC: diagonals, eRC: anti-diagonals of the 2×2 block (rows 2R, 2R+1; columns 2C, 2C+1).
  let d00 = f64x2.splat(0), e00 = f64x2.splat(0), d01 = f64x2.splat(0), e01 = f64x2.splat(0);
  let d10 = f64x2.splat(0), e10 = f64x2.splat(0), d11 = f64x2.splat(0), e11 = f64x2.splat(0);
  const end = pa + ((<usize>kc) << 5);
  let q = pb;
  for (let o = pa; o < end; o += 32) {
    const a0 = v128.load(o);
    const a1 = v128.load(o, 16);
    const b0 = v128.load(q);
    d00 = f64x2.add(d00, f64x2.mul(a0, b0));
    d10 = f64x2.add(d10, f64x2.mul(a1, b0));
    const s0 = v128.load(q, 32);
    e00 = f64x2.add(e00, f64x2.mul(a0, s0));
    e10 = f64x2.add(e10, f64x2.mul(a1, s0));
    const b1 = v128.load(q, 16);
    d01 = f64x2.add(d01, f64x2.mul(a0, b1));
    d11 = f64x2.add(d11, f64x2.mul(a1, b1));
    const s1 = v128.load(q, 48);
    e01 = f64x2.add(e01, f64x2.mul(a0, s1));
    e11 = f64x2.add(e11, f64x2.mul(a1, s1));
    q += 64;
  }
  const al = f64x2.splat(alpha);
  let r0 = c;
  let r1 = c + ldc;
  // Row 2R = (d.lane0, e.lane0), row 2R+1 = (e.lane1, d.lane1) per column pair.
  v128.store(r0, f64x2.add(v128.load(r0), f64x2.mul(al, v128.shuffle<f64>(d00, e00, 0, 2))));
  v128.store(r1, f64x2.add(v128.load(r1), f64x2.mul(al, v128.shuffle<f64>(e00, d00, 1, 3))));
  v128.store(r0, f64x2.add(v128.load(r0, 16), f64x2.mul(al, v128.shuffle<f64>(d01, e01, 0, 2))), 16);
  v128.store(r1, f64x2.add(v128.load(r1, 16), f64x2.mul(al, v128.shuffle<f64>(e01, d01, 1, 3))), 16);
  r0 += ldc << 1;
  r1 += ldc << 1;
  v128.store(r0, f64x2.add(v128.load(r0), f64x2.mul(al, v128.shuffle<f64>(d10, e10, 0, 2))));
  v128.store(r1, f64x2.add(v128.load(r1), f64x2.mul(al, v128.shuffle<f64>(e10, d10, 1, 3))));
  v128.store(r0, f64x2.add(v128.load(r0, 16), f64x2.mul(al, v128.shuffle<f64>(d11, e11, 0, 2))), 16);
  v128.store(r1, f64x2.add(v128.load(r1, 16), f64x2.mul(al, v128.shuffle<f64>(e11, d11, 1, 3))), 16);
}

// ---------------------------------------------------------------------------------------------
// Driver.

/**
 * C[m×n] += alpha · op(A) · op(B), op(A)[i,p] = A[i·ars + p·acs], op(B)[p,j] = B[p·brs + j·bcs].
 * lowerOnly: skip micro-tiles lying entirely above the diagonal (j > i for every entry), for SYRK.
 */
function gemmCore(m: i32, n: i32, k: i32, alpha: f64,
  a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, lowerOnly: bool): void {
  const base = workBase();
  const pA = base;
  const pB = base + PACK_A_BYTES;
  const tile = pB + PACK_B_BYTES;
  const ldc = (<usize>n) << 3;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      let packedB = false;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        if (lowerOnly && jc > ic + mc - 1) continue;
        if (!packedB) {
          packB(b, brs, bcs, pc, kc, jc, nc, pB);
          packedB = true;
        }
        packA(a, ars, acs, ic, mc, pc, kc, pA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const j0 = jc + jr;
          const pb = pB + ((<usize>(jr * kc)) << 4);
          for (let ir = 0; ir < mc; ir += MR) {
            const i0 = ic + ir;
            if (lowerOnly && j0 > i0 + MR - 1) continue;
            const rows = min(MR, mc - ir);
            const pa = pA + ((<usize>(ir * kc)) << 3);
            const cij = c + ((<usize>(i0 * n + j0)) << 3);
            if (rows == MR && cols == NR) {
              kernel(kc, pa, pb, cij, ldc, alpha);
            } else {
              memory.fill(tile, 0, TILE_BYTES);
              kernel(kc, pa, pb, tile, (<usize>NR) << 3, alpha);
              for (let r = 0; r < rows; r++) {
                const cr = cij + (<usize>r) * ldc;
                const tr = tile + ((<usize>(r * NR)) << 3);
                for (let q = 0; q < cols; q++) {
                  const o = (<usize>q) << 3;
                  store<f64>(cr + o, load<f64>(cr + o) + load<f64>(tr + o));
                }
              }
            }
          }
        }
      }
    }
  }
}

/** C ← beta·C, with beta = 0 writing exact zeros (NaN/Inf in C are ignored, as in BLAS). */
function scale(c: usize, len: i32, beta: f64): void {
  if (beta == 1.0) return;
  const bytes = (<usize>len) << 3;
  if (beta == 0.0) {
    memory.fill(c, 0, bytes);
    return;
  }
  const bv = f64x2.splat(beta);
  const end2 = c + (bytes & ~(<usize>15));
  let q = c;
  for (; q < end2; q += 16) v128.store(q, f64x2.mul(bv, v128.load(q)));
  if (q < c + bytes) store<f64>(q, beta * load<f64>(q));
}

/**
 * C ← alpha·op(A)·op(B) + beta·C, row-major; op(A) m×k, op(B) k×n, C m×n.
 * A is m×k (or k×m if transA), B is k×n (or n×k if transB). a, b, c are byte offsets.
 * alpha = 0 or k = 0 leaves A and B unread.
 */
export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f64, a: usize, b: usize, beta: f64, c: usize): void {
  if (m <= 0 || n <= 0) return;
  scale(c, m * n, beta);
  if (alpha == 0.0 || k <= 0) return;
  const ars = transA ? 1 : k;
  const acs = transA ? m : 1;
  const brs = transB ? 1 : n;
  const bcs = transB ? k : 1;
  gemmCore(m, n, k, alpha, a, ars, acs, b, brs, bcs, c, false);
}

/**
 * C ← alpha·A·Aᵀ + beta·C (trans = 0, A n×k) or alpha·Aᵀ·A + beta·C (trans = 1, A k×n); C n×n.
 * The product is formed once on the lower triangle in the scratch matrix at byte offset p (n×n) and
 * mirrored, so its contribution is exactly symmetric; both triangles of C are written.
 */
export function syrk(trans: i32, n: i32, k: i32, alpha: f64, a: usize, beta: f64, c: usize, p: usize): void {
  if (n <= 0) return;
  if (alpha == 0.0 || k <= 0) {
    scale(c, n * n, beta);
    return;
  }
  memory.fill(p, 0, (<usize>(n * n)) << 3);
  // op(A) = A (n×k) or Aᵀ; op(B) = op(A)ᵀ, read from the same array.
  const ars = trans ? 1 : k;
  const acs = trans ? n : 1;
  gemmCore(n, n, k, 1.0, a, ars, acs, a, acs, ars, p, true);
  const nn = <usize>n;
  for (let i: usize = 0; i < nn; i++) {
    const ci = c + ((i * nn) << 3);
    const pi = p + ((i * nn) << 3);
    for (let j: usize = 0; j <= i; j++) {
      const s = alpha * load<f64>(pi + (j << 3));
      const lo = ci + (j << 3);
      const up = c + ((j * nn + i) << 3);
      if (beta == 0.0) {
        store<f64>(lo, s);
        store<f64>(up, s);
      } else {
        const l = s + beta * load<f64>(lo);
        const u = s + beta * load<f64>(up);
        store<f64>(lo, l);
        store<f64>(up, u);
      }
    }
  }
}
