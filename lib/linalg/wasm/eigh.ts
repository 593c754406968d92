/**
 * The WebAssembly symmetric eigensolver: glue for build/wasm/eigh.wasm (compiled from src/eigh.ts by
 * scripts/build-wasm.mjs on install), the same steps as the plain-TS one (lib/linalg/ts/eigh.ts) with
 * its kernels in WebAssembly SIMD:
 *  - `tridiagonalizeBlocked` (dsytrd: panels of `panel` columns, rank-2·panel updates) in place in wasm
 *    memory, where the reflectors stay for the back-transformation;
 *  - `secular`, the rank-one eigensolver of each divide-and-conquer merge;
 *  - the GEMMs of the merges by the WebAssembly dense kernels (`wasmKernels()`);
 *  - `applyReflectors`, the blocked back-transformation, whose GEMMs (the dense module's, compiled into
 *    eigh.wasm) run in place on Z in this module's memory: no copies of Z per block;
 *  - algorithm "ql" (the previous solver): Q formed by blocked GEMMs, packed into 16-row panels, and the
 *    implicit-QL rotations recorded here and applied per panel by `rotatePanel`.
 * Linear memory holds one call's buffers, laid out once per call (never grown during it, so views stay
 * valid), and is kept for later calls: about 2·n²·8 bytes for "dc", n²·8 + 32 MB for "ql".
 */
import { readFileSync } from "node:fs";
import type { EighResult } from "../eighTypes.ts";
import { wasmKernels } from "../kernels.ts";
import { formQt, REFLECTOR_BLOCK } from "../ts/eighReflectors.ts";
import {
  type BackTransform,
  type Clock,
  finish,
  prepare,
  valuesOnly,
  vectorsByDivideAndConquer,
} from "../ts/eighSteps.ts";
import { type DivideAndConquerKernels, type RotationSink, tql } from "../ts/tridiagonal.ts";

interface EighExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  tridiagonalizeBlocked(
    a: number,
    n: number,
    d: number,
    e: number,
    tau: number,
    y: number,
    w: number,
    wbuf: number,
    pack: number,
    nb: number,
    nx: number,
  ): void;
  rotatePanel(base: number, nsweep: number, sweeps: number, cs: number): void;
  secular(
    k: number,
    d: number,
    z: number,
    rho: number,
    lambda: number,
    Y: number,
    rowOf: number,
    dorv: number,
    tauv: number,
    zhat: number,
    rnorm: number,
  ): void;
  applyReflectors(
    a: number,
    n: number,
    tau: number,
    z: number,
    nb: number,
    vt: number,
    g: number,
    t: number,
    w: number,
    tw: number,
  ): void;
}

/** Where scripts/build-wasm.mjs puts the module, relative to this file. */
export const EIGH_WASM_URL = new URL("../../../build/wasm/eigh.wasm", import.meta.url);

const PANEL_ROWS = 16; // R in src/eigh.ts
const PAGE = 65536;

/**
 * Tuning: panel width of the blocked tridiagonalisation, the column count below which it goes unblocked,
 * and (algorithm "ql") how many QL rotations are recorded before a batch is applied to Z.
 */
export interface EighTuning {
  panel: number;
  crossover: number;
  rotations: number;
}
const tuning: EighTuning = { panel: 32, crossover: 128, rotations: 1 << 21 };

/** For tests: small values exercise the blocked reduction and the batching on small matrices; returns the old ones. */
export function setEighTuning(t: Partial<EighTuning>): EighTuning {
  const prev = { ...tuning };
  for (const key of ["panel", "crossover", "rotations"] as const) {
    const v = t[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${key} must be an integer ≥ 1, got ${v}`);
    tuning[key] = v;
  }
  return prev;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let wasmExports: EighExports | undefined;
let wasmError: Error | undefined;

/** The instantiated module (cached); throws saying why it cannot load. */
export function loadEighWasm(): EighExports {
  if (wasmExports) return wasmExports;
  if (wasmError) throw wasmError;
  try {
    if (!WASM) throw new Error("WebAssembly is not available");
    const instance = new WASM.Instance(new WASM.Module(readFileSync(EIGH_WASM_URL)), {
      env: {
        abort: (): never => {
          throw new Error("eigh wasm: abort");
        },
      },
    });
    wasmExports = instance.exports as EighExports;
    return wasmExports;
  } catch (e) {
    wasmError = new Error(`build/wasm/eigh.wasm unavailable (run \`node scripts/build-wasm.mjs\`): ${String(e)}`, {
      cause: e,
    });
    throw wasmError;
  }
}

/** Byte offsets of one call's buffers (64-byte aligned), and the end. */
function layout(ex: EighExports, n: number, wantVectors: boolean, algorithm: "dc" | "ql") {
  let off = Math.ceil(ex.heapBase() / 64) * 64;
  const take = (bytes: number): number => {
    const at = off;
    off = Math.ceil((off + bytes) / 64) * 64;
    return at;
  };
  const ql = wantVectors && algorithm === "ql";
  const dc = wantVectors && algorithm === "dc";
  const npanels = Math.ceil(n / PANEL_ROWS);
  const matDoubles = ql ? Math.max(n * n, npanels * n * PANEL_ROWS) : n * n;
  const capRot = ql ? Math.max(n, Math.min(tuning.rotations, 2 * n * n)) : 0;
  const capSweep = ql ? Math.max(16, Math.min(capRot, 4 * n, 1 << 18)) : 0;
  return {
    npanels,
    matDoubles,
    capRot,
    capSweep,
    mat: take(8 * matDoubles),
    d: take(8 * n),
    e: take(8 * n),
    tau: take(8 * n),
    y: take(8 * n),
    w: take(8 * n),
    wbuf: take(8 * tuning.panel * n),
    pack: take(48 * tuning.panel * (n + 4) + 128),
    cs: take(16 * capRot),
    sweeps: take(8 * capSweep),
    // the rank-one solver: Y (k×k, k ≤ n), its inputs and outputs, work; afterwards Y holds Z for the
    // back-transformation, with its work after rowOf
    Y: take(dc ? 8 * n * n : 0),
    sec: take(dc ? 8 * 7 * n : 0), // d, z, lambda, dorv, tauv, zhat, rnorm
    rowOf: take(dc ? 4 * n : 0),
    reflVt: take(dc ? 8 * REFLECTOR_BLOCK * n : 0),
    reflG: take(dc ? 8 * REFLECTOR_BLOCK * REFLECTOR_BLOCK : 0),
    reflT: take(dc ? 8 * REFLECTOR_BLOCK * REFLECTOR_BLOCK : 0),
    reflW: take(dc ? 8 * REFLECTOR_BLOCK * n : 0),
    reflTW: take(dc ? 8 * REFLECTOR_BLOCK * n : 0),
    end: off,
  };
}

/** Lays out one call's buffers, growing linear memory as needed; returns the layout and the (new) buffer. */
function reserve(ex: EighExports, n: number, wantVectors: boolean, algorithm: "dc" | "ql") {
  const L = layout(ex, n, wantVectors, algorithm);
  if (L.end > 4 * 1024 ** 3 - PAGE) throw new RangeError(`eigh: n = ${n} needs more than the 4 GiB of wasm32 memory`);
  const have = ex.memory.buffer.byteLength;
  if (L.end > have) ex.memory.grow(Math.ceil((L.end - have) / PAGE));
  return { L, buf: ex.memory.buffer };
}

/** Eigendecomposition of A (n×n, validated by the caller) by the WebAssembly kernels. */
export function eighWasm(
  A: Float64Array,
  n: number,
  wantVectors: boolean,
  algorithm: "dc" | "ql",
  clock: Clock,
): EighResult {
  const ex = loadEighWasm();
  const { L, buf } = reserve(ex, n, wantVectors, algorithm);
  const a = new Float64Array(buf, L.mat, n * n);
  const scale = prepare(A, n, a);
  ex.tridiagonalizeBlocked(L.mat, n, L.d, L.e, L.tau, L.y, L.w, L.wbuf, L.pack, tuning.panel, tuning.crossover);
  clock.lap("tridiagonalize");
  const d = new Float64Array(buf, L.d, n).slice();
  const e = new Float64Array(buf, L.e, n).slice();
  if (!wantVectors) return valuesOnly(d, e, n, scale, clock);
  const tau = new Float64Array(buf, L.tau, n).slice();
  if (algorithm === "dc") {
    const K: DivideAndConquerKernels = { dense: wasmKernels(), secular: secularKernel(ex, buf, L, n) };
    const back: BackTransform = {
      Z: new Float64Array(buf, L.Y, n * n),
      apply: () =>
        ex.applyReflectors(L.mat, n, L.tau, L.Y, REFLECTOR_BLOCK, L.reflVt, L.reflG, L.reflT, L.reflW, L.reflTW),
    };
    return vectorsByDivideAndConquer(a, n, d, e, tau, scale, K, clock, back);
  }
  return vectorsByQl(ex, buf, L, a, n, d, e, tau, scale, clock);
}

/**
 * The WebAssembly rank-one solver on its own, for k ≤ capacity (tests compare it with the TS one). Valid
 * until the next eigh call on the wasm backend (which reuses the memory).
 */
export function secularWasm(capacity: number): DivideAndConquerKernels["secular"] {
  const ex = loadEighWasm();
  const { L, buf } = reserve(ex, capacity, true, "dc");
  return secularKernel(ex, buf, L, capacity);
}

/** The wasm `secular` on the layout's buffers (inputs copied in, λ copied out, Y returned as a view). */
function secularKernel(
  ex: EighExports,
  buf: ArrayBuffer,
  L: ReturnType<typeof layout>,
  n: number,
): DivideAndConquerKernels["secular"] {
  const at = (i: number): number => L.sec + 8 * n * i;
  const dIn = new Float64Array(buf, at(0), n);
  const zIn = new Float64Array(buf, at(1), n);
  const lamOut = new Float64Array(buf, at(2), n);
  const rows = new Int32Array(buf, L.rowOf, n);
  return (k, d, z, rho, lambda, rowOf) => {
    dIn.set(d.subarray(0, k));
    zIn.set(z.subarray(0, k));
    rows.set(rowOf.subarray(0, k));
    ex.secular(k, at(0), at(1), rho, at(2), L.Y, L.rowOf, at(3), at(4), at(5), at(6));
    lambda.set(lamOut.subarray(0, k));
    return new Float64Array(buf, L.Y, k * k);
  };
}

/** Algorithm "ql": Q formed by blocked GEMMs, then rotated by the implicit-QL sweeps panel by panel. */
function vectorsByQl(
  ex: EighExports,
  buf: ArrayBuffer,
  L: ReturnType<typeof layout>,
  a: Float64Array,
  n: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  scale: number,
  clock: Clock,
): EighResult {
  const Qt = formQt(a, n, tau, wasmKernels());
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
  const U = new Float64Array(n * n); // unpack: U[bR + t, j] = P[b·n·R + j·R + t]
  for (let b = 0; b < L.npanels; b++) {
    const r0 = b * R;
    const rows = Math.min(R, n - r0);
    const base = b * n * R;
    for (let t = 0; t < rows; t++) {
      const u = (r0 + t) * n;
      for (let j = 0; j < n; j++) U[u + j] = P[base + j * R + t];
    }
  }
  const r = finish(d, U, n, scale);
  clock.lap("output");
  return r;
}
