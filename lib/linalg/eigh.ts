/**
 * Symmetric eigendecomposition: `eigh(A, n, {vectors})`.
 *
 * Algorithm (the classical one, as LAPACK dsyev / EISPACK tred2+tql2):
 *  1. A is copied, scaled by a power of two (exact) so that max|a_ij| ∈ [1, 2), and symmetrised as
 *     (A + Aᵀ)/2 (exact for symmetric input). The input array is never modified.
 *  2. Householder tridiagonalisation A = Q T Qᵀ (dsytd2, 4/3·n³ flops).
 *  3. Eigenvalues only: implicit QL with Wilkinson-type shifts on T (EISPACK tql1), O(n²).
 *     With vectors: Q is formed explicitly (backward accumulation; blocked with the compact WY form
 *     and the dense GEMM kernels in the WASM path), then implicit QL on T (tql2) whose Givens
 *     rotations Z ← Z·G are applied to Z = Q. Eigenvectors are the columns of Z.
 *
 * Two implementations of the same algorithm, tested against each other:
 *  - "wasm" (default): build/wasm/eigh.wasm (lib/linalg/assembly/eigh.ts) does the tridiagonalisation
 *    (one fused read/write pass per step) and the rotations: the QL sweeps are recorded (c, s) by the
 *    scalar iteration here and applied in batches to Z held as 16-row panels, each panel staying in
 *    cache while the rotations stream past. Forming Q uses `denseKernels()` GEMM.
 *  - "ts": plain TypeScript, rotations applied to Zᵀ rows as they are generated (reference, fallback
 *    when the wasm file is missing).
 * `options.backend` picks one; the default "auto" takes wasm when it loads, honouring
 * POWERLAW_SGD_KERNELS=ts|wasm like lib/linalg/kernels.ts.
 *
 * Output: values sorted descending; vectors (n×n row-major) with column k (vectors[i·n + k]) the unit
 * eigenvector of values[k]. Sign convention: in every column the component of largest magnitude is
 * positive (the first such row on exact ties). Accuracy (asserted in test/linalg/eigh.test.ts):
 * ‖Au − λu‖ ≤ 1e-10·‖A‖ and ‖UᵀU − I‖_max ≤ 1e-12; measured ~1e-14·‖A‖ and ~2e-14 at n = 3000
 * (bench/eigh.bench.ts), eigenvalues normwise to a few ulps of ‖A‖.
 *
 * Memory: the wasm path keeps its linear memory (about n²·8 bytes plus a 32 MB rotation buffer) for
 * later calls; the JS side temporarily holds about 3·n²·8 bytes while forming Q.
 */
import { readFileSync } from "node:fs";
import { denseKernels } from "./kernels.ts";
import type { DenseKernels } from "./types.ts";

export interface EighOptions {
  /** Compute eigenvectors (default true). Eigenvalues only is O(n²) after the O(n³) reduction. */
  vectors?: boolean;
  /** Implementation: "auto" (default: wasm if it loads, see POWERLAW_SGD_KERNELS), "wasm" or "ts". */
  backend?: "auto" | "wasm" | "ts";
  /** If given, receives the wall-clock seconds of each phase (tridiagonalize, formQ, ql, …), for benchmarks. */
  timings?: Record<string, number>;
}

export interface EighResult {
  /** Eigenvalues, descending. */
  values: Float64Array;
  /** n×n row-major, column k = unit eigenvector of values[k]; null when options.vectors is false. */
  vectors: Float64Array | null;
}

/** Symmetric eigendecomposition of the n×n row-major matrix A (A is not modified; see the module doc). */
export function eigh(A: Float64Array, n: number, options: EighOptions = {}): EighResult {
  validate(A, n);
  const wantVectors = options.vectors ?? true;
  const backend = chooseBackend(options.backend ?? "auto");
  const run = backend === "wasm" ? eighWasm : eighTs;
  return run(A, n, wantVectors, new Clock(options.timings));
}

/** Which implementation "auto" resolves to right now ("wasm" when build/wasm/eigh.wasm loads). */
export function eighBackend(): "wasm" | "ts" {
  return chooseBackend("auto");
}

// ---------------------------------------------------------------------------------------------
// Input, scaling, output

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

/** work ← s·(A + Aᵀ)/2 with s a power of two making max|entry| ∈ [1, 2); returns s (0 for A = 0). */
function prepare(A: Float64Array, n: number, work: Float64Array): number {
  let amax = 0;
  for (let i = 0; i < n * n; i++) {
    const v = Math.abs(A[i]);
    if (v > amax) amax = v;
  }
  if (amax === 0) {
    work.fill(0, 0, n * n);
    return 0;
  }
  const e = Math.floor(Math.log2(amax));
  const s = pow2(-e);
  const h = 0.5 * s;
  for (let i = 0; i < n; i++) {
    work[i * n + i] = s * A[i * n + i];
    for (let j = i + 1; j < n; j++) {
      const v = h * A[i * n + j] + h * A[j * n + i];
      work[i * n + j] = v;
      work[j * n + i] = v;
    }
  }
  return s;
}

/** 2^e exactly for |e| ≤ 2000 (two factors keep it finite where a single power would not be). */
function pow2(e: number): number {
  const a = Math.trunc(e / 2);
  return Math.pow(2, a) * Math.pow(2, e - a);
}

/** Records phase durations into a caller's object (no-op without one). */
class Clock {
  private t = performance.now();
  constructor(private readonly out: Record<string, number> | undefined) {}
  lap(phase: string): void {
    if (!this.out) return;
    const now = performance.now();
    this.out[phase] = (this.out[phase] ?? 0) + (now - this.t) / 1000;
    this.t = now;
  }
}

/** Permutation putting d in descending order (stable on ties). */
function descendingOrder(d: Float64Array): Int32Array {
  const idx = Array.from({ length: d.length }, (_, i) => i);
  idx.sort((a, b) => (d[b] - d[a]) || (a - b));
  return Int32Array.from(idx);
}

function sortedValues(d: Float64Array, order: Int32Array, scale: number): Float64Array {
  const values = new Float64Array(d.length);
  for (let k = 0; k < d.length; k++) values[k] = scale === 0 ? 0 : d[order[k]] / scale;
  return values;
}

// ---------------------------------------------------------------------------------------------
// Implicit QL on the tridiagonal (EISPACK tql1/tql2 as in JAMA), rotations handed to a sink

/** Receives the Givens rotations of the QL sweeps in batches. */
interface RotationSink {
  /** (c, s) pairs, consecutive. */
  readonly cs: Float64Array;
  /** (l, m) per sweep: rotations on columns (i, i+1) for i = m−1 down to l. */
  readonly sweeps: Int32Array;
  nrot: number;
  nsweep: number;
  /** Apply the recorded batch and reset nrot, nsweep. */
  flush(): void;
}

const EPS = 2 ** -52;
const MAX_ITER = 60; // per eigenvalue; LAPACK allows 30 on average

function hypot(a: number, b: number): number {
  const r = Math.sqrt(a * a + b * b);
  return r > 1e-150 && r < 1e150 ? r : Math.hypot(a, b);
}

/**
 * Diagonalises the symmetric tridiagonal (d, e) in place: e[i] couples d[i] and d[i+1], e[n−1] = 0.
 * On return d holds the eigenvalues (unsorted) and e is zero. Each sweep's rotations go to sink.
 */
function tql(d: Float64Array, e: Float64Array, n: number, sink: RotationSink | null): void {
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
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
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
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > EPS * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  if (sink && sink.nrot > 0) sink.flush();
}

// ---------------------------------------------------------------------------------------------
// Plain TypeScript path (reference and fallback)

/**
 * Householder tridiagonalisation in place, same conventions as the wasm `tridiagonalize`: "column" j
 * is a[j·n + j .. j·n + n−1]; reflector k in a[k·n + k+2 ..], tau[k]; d, e the tridiagonal.
 */
function tridiagonalizeTs(a: Float64Array, n: number, d: Float64Array, e: Float64Array, tau: Float64Array): void {
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
function formQtTs(a: Float64Array, n: number, tau: Float64Array): Float64Array {
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

function eighTs(A: Float64Array, n: number, wantVectors: boolean, clock: Clock): EighResult {
  const a = new Float64Array(n * n);
  const scale = prepare(A, n, a);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalizeTs(a, n, d, e, tau);
  clock.lap("tridiagonalize");
  if (!wantVectors) {
    tql(d, e, n, null);
    clock.lap("ql");
    return { values: sortedValues(d, descendingOrder(d), scale), vectors: null };
  }
  const Qt = formQtTs(a, n, tau);
  clock.lap("formQ");
  const cap = Math.max(n, 1 << 16);
  const sink: RotationSink = {
    cs: new Float64Array(2 * cap),
    sweeps: new Int32Array(2 * Math.max(1, cap >> 2)),
    nrot: 0,
    nsweep: 0,
    flush() {
      // rows i, i+1 of Qᵀ are columns i, i+1 of Z
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
            const h = Qt[rj + t];
            const x = Qt[ri + t];
            Qt[rj + t] = s * x + c * h;
            Qt[ri + t] = c * x - s * h;
          }
        }
      }
      this.nrot = 0;
      this.nsweep = 0;
    },
  };
  tql(d, e, n, sink);
  clock.lap("ql");
  const order = descendingOrder(d);
  // Z[i, j] = Qt[j·n + i]
  const vectors = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const r = order[k] * n;
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(Qt[r + i]) > Math.abs(Qt[r + best])) best = i;
    const sg = Qt[r + best] < 0 ? -1 : 1;
    for (let i = 0; i < n; i++) vectors[i * n + k] = sg * Qt[r + i];
  }
  clock.lap("output");
  return { values: sortedValues(d, order, scale), vectors };
}

// ---------------------------------------------------------------------------------------------
// WebAssembly path

interface EighExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  tridiagonalizeBlocked(a: number, n: number, d: number, e: number, tau: number, y: number, w: number,
    wbuf: number, pack: number, nb: number, nx: number): void;
  rotatePanel(base: number, nsweep: number, sweeps: number, cs: number): void;
}

/** Where scripts/build-wasm.mjs puts the module, relative to this file. */
export const EIGH_WASM_URL = new URL("../../build/wasm/eigh.wasm", import.meta.url);

const PANEL_ROWS = 16; // R in the assembly
const PAGE = 65536;
const NB = 64; // reflectors per block when forming Q

/**
 * Wasm-path tuning: panel width of the blocked tridiagonalisation, the column count below which it
 * goes unblocked, and how many QL rotations are recorded before a batch is applied to Z.
 */
export interface EighTuning { panel: number; crossover: number; rotations: number }
const tuning: EighTuning = { panel: 32, crossover: 128, rotations: 1 << 21 };

/** For tests: small values exercise the blocked reduction and batching on small matrices. Returns the previous values. */
export function setEighTuning(t: Partial<EighTuning>): EighTuning {
  const prev = { ...tuning };
  if (t.rotations !== undefined) {
    if (!Number.isInteger(t.rotations) || t.rotations < 1) throw new RangeError(`rotations must be an integer ≥ 1, got ${t.rotations}`);
    tuning.rotations = t.rotations;
  }
  if (t.panel !== undefined) {
    if (!Number.isInteger(t.panel) || t.panel < 1) throw new RangeError(`panel must be an integer ≥ 1, got ${t.panel}`);
    tuning.panel = t.panel;
  }
  if (t.crossover !== undefined) {
    if (!Number.isInteger(t.crossover) || t.crossover < 1) throw new RangeError(`crossover must be an integer ≥ 1, got ${t.crossover}`);
    tuning.crossover = t.crossover;
  }
  return prev;
}

let wasmExports: EighExports | undefined;
let wasmError: unknown;

function loadWasm(): EighExports {
  if (wasmExports) return wasmExports;
  if (wasmError !== undefined) throw wasmError;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(EIGH_WASM_URL)), {
      env: {
        abort: (): never => {
          throw new Error("eigh wasm: abort");
        },
      },
    });
    wasmExports = instance.exports as unknown as EighExports;
    return wasmExports;
  } catch (e) {
    wasmError = new Error(`eigh: build/wasm/eigh.wasm unavailable (run \`node scripts/build-wasm.mjs\`): ${String(e)}`,
      { cause: e });
    throw wasmError;
  }
}

function chooseBackend(requested: "auto" | "wasm" | "ts"): "wasm" | "ts" {
  if (requested === "ts") return "ts";
  if (requested === "wasm") {
    loadWasm();
    return "wasm";
  }
  if (requested !== "auto") throw new RangeError(`eigh: backend must be "auto", "wasm" or "ts", got "${String(requested)}"`);
  const force = process.env.POWERLAW_SGD_KERNELS?.trim().toLowerCase();
  if (force === "ts") return "ts";
  if (force === "wasm") {
    loadWasm();
    return "wasm";
  }
  try {
    loadWasm();
    return "wasm";
  } catch {
    return "ts";
  }
}

/** Byte offsets of one call's buffers in wasm memory (8-byte units noted as doubles). */
function layout(ex: EighExports, n: number, wantVectors: boolean) {
  const align = (b: number) => Math.ceil(b / 64) * 64;
  const npanels = Math.ceil(n / PANEL_ROWS);
  const matDoubles = wantVectors ? Math.max(n * n, npanels * n * PANEL_ROWS) : n * n;
  const capRot = wantVectors ? Math.max(n, Math.min(tuning.rotations, 2 * n * n)) : 0;
  const capSweep = wantVectors ? Math.max(16, Math.min(capRot, 4 * n, 1 << 18)) : 0;
  let off = align(ex.heapBase());
  const mat = off; off = align(off + 8 * matDoubles);
  const d = off; off = align(off + 8 * n);
  const e = off; off = align(off + 8 * n);
  const tau = off; off = align(off + 8 * n);
  const y = off; off = align(off + 8 * n);
  const w = off; off = align(off + 8 * n);
  const wbuf = off; off = align(off + 8 * tuning.panel * n);
  const pack = off; off = align(off + 16 * tuning.panel * (n + 4));
  const cs = off; off = align(off + 16 * capRot);
  const sweeps = off; off = align(off + 8 * capSweep);
  return { npanels, matDoubles, capRot, capSweep, mat, d, e, tau, y, w, wbuf, pack, cs, sweeps, end: off };
}

function eighWasm(A: Float64Array, n: number, wantVectors: boolean, clock: Clock): EighResult {
  const ex = loadWasm();
  const L = layout(ex, n, wantVectors);
  if (L.end > 4 * 1024 ** 3) throw new RangeError(`eigh: n = ${n} needs more than the 4 GiB of wasm32 memory`);
  const have = ex.memory.buffer.byteLength;
  if (L.end > have) ex.memory.grow(Math.ceil((L.end - have) / PAGE));
  const buf = ex.memory.buffer;
  const a = new Float64Array(buf, L.mat, n * n);
  const scale = prepare(A, n, a);
  ex.tridiagonalizeBlocked(L.mat, n, L.d, L.e, L.tau, L.y, L.w, L.wbuf, L.pack, tuning.panel, tuning.crossover);
  clock.lap("tridiagonalize");
  const d = new Float64Array(buf, L.d, n).slice();
  const e = new Float64Array(buf, L.e, n).slice();
  if (!wantVectors) {
    tql(d, e, n, null);
    clock.lap("ql");
    return { values: sortedValues(d, descendingOrder(d), scale), vectors: null };
  }
  const tau = new Float64Array(buf, L.tau, n).slice();
  const Qt = formQtBlocked(a, n, tau, denseKernels());
  clock.lap("formQ");
  // pack Z = Q into panels: panel b, P[j·R + t] = Z[bR + t, j] = Qt[j·n + bR + t]
  const R = PANEL_ROWS;
  const P = new Float64Array(buf, L.mat, L.matDoubles);
  P.fill(0);
  for (let b = 0; b < L.npanels; b++) {
    const r0 = b * R;
    const rows = Math.min(R, n - r0);
    const base = b * n * R;
    for (let j = 0; j < n; j++) P.set(Qt.subarray(j * n + r0, j * n + r0 + rows), base + j * R);
  }
  const sink: RotationSink = {
    cs: new Float64Array(buf, L.cs, 2 * L.capRot),
    sweeps: new Int32Array(buf, L.sweeps, 2 * L.capSweep),
    nrot: 0,
    nsweep: 0,
    flush() {
      for (let b = 0; b < L.npanels; b++) ex.rotatePanel(L.mat + 8 * b * n * R, this.nsweep, L.sweeps, L.cs);
      this.nrot = 0;
      this.nsweep = 0;
    },
  };
  clock.lap("pack");
  tql(d, e, n, sink);
  clock.lap("ql");
  const order = descendingOrder(d);
  // column j of Z: sign from its largest-magnitude entry (first on ties, scanning rows in order)
  const best = new Float64Array(n);
  const bestAbs = new Float64Array(n).fill(-1);
  for (let b = 0; b < L.npanels; b++) {
    const rows = Math.min(R, n - b * R);
    const base = b * n * R;
    for (let j = 0; j < n; j++) {
      const o = base + j * R;
      for (let t = 0; t < rows; t++) {
        const v = P[o + t];
        if (Math.abs(v) > bestAbs[j]) {
          bestAbs[j] = Math.abs(v);
          best[j] = v;
        }
      }
    }
  }
  const pos = new Int32Array(n);
  for (let k = 0; k < n; k++) pos[order[k]] = k;
  const vectors = new Float64Array(n * n);
  for (let b = 0; b < L.npanels; b++) {
    const r0 = b * R;
    const rows = Math.min(R, n - r0);
    const base = b * n * R;
    for (let j = 0; j < n; j++) {
      const o = base + j * R;
      const k = pos[j];
      const sg = best[j] < 0 ? -1 : 1;
      for (let t = 0; t < rows; t++) vectors[(r0 + t) * n + k] = sg * P[o + t];
    }
  }
  clock.lap("output");
  return { values: sortedValues(d, order, scale), vectors };
}

/**
 * Qᵀ (row-major) for Q = H_0 … H_{n−2} by blocked backward accumulation: blocks of NB reflectors
 * form B = I − V T Vᵀ (dlarft, forward), and the trailing block of Qᵀ is updated as
 * Qᵀ ← Qᵀ (I − V Tᵀ Vᵀ) with two GEMMs. The trailing block is kept contiguous (m×m).
 */
function formQtBlocked(a: Float64Array, n: number, tau: Float64Array, K: DenseKernels): Float64Array {
  const nref = n - 1; // reflectors 0 .. n−2
  // two buffers, ping-pong: the previous trailing block (cur) and the one being built (Qm)
  let bufCur = new Float64Array(nref * nref);
  let bufNext = new Float64Array(nref * nref);
  let cur = bufCur.subarray(0, 0);
  let curM = 0;
  const lastK0 = nref <= 0 ? -1 : Math.floor((nref - 1) / NB) * NB;
  for (let k0 = lastK0; k0 >= 0; k0 -= NB) {
    const nb = Math.min(NB, nref - k0);
    const m = n - k0 - 1;
    // trailing block m×m: identity on the new leading rows, the previous block at the bottom right
    const Qm = bufNext.subarray(0, m * m);
    Qm.fill(0);
    const lead = m - curM;
    for (let i = 0; i < lead; i++) Qm[i * m + i] = 1;
    for (let i = 0; i < curM; i++) Qm.set(cur.subarray(i * curM, (i + 1) * curM), (lead + i) * m + lead);
    // Vt (nb×m): row p = reflector k0+p over global columns k0+1 .. n−1
    const Vt = new Float64Array(nb * m);
    for (let p = 0; p < nb; p++) {
      const k = k0 + p;
      if (tau[k] === 0) continue;
      Vt[p * m + p] = 1;
      for (let g = k + 2; g < n; g++) Vt[p * m + (g - k0 - 1)] = a[k * n + g];
    }
    // T (nb×nb upper triangular): T[i,i] = tau_i, T[0:i, i] = −tau_i·T[0:i, 0:i]·(Vᵀ v_i)[0:i]
    const G = new Float64Array(nb * nb);
    K.gemm(false, true, nb, nb, m, 1, Vt, Vt, 0, G);
    const T = new Float64Array(nb * nb);
    for (let i = 0; i < nb; i++) {
      const ti = tau[k0 + i];
      T[i * nb + i] = ti;
      if (ti === 0) continue;
      for (let j = 0; j < i; j++) {
        let s = 0;
        for (let l = j; l < i; l++) s += T[j * nb + l] * G[l * nb + i];
        T[j * nb + i] = -ti * s;
      }
    }
    const X = new Float64Array(m * nb);
    K.gemm(false, true, m, nb, m, 1, Qm, Vt, 0, X); // X = Qm·V
    const Y = new Float64Array(m * nb);
    K.gemm(false, true, m, nb, nb, 1, X, T, 0, Y); // Y = X·Tᵀ
    K.gemm(false, false, m, m, nb, -1, Y, Vt, 1, Qm); // Qm −= Y·Vᵀ
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
