/**
 * WebAssembly SIMD kernels for the linearized regime (src/gather.wat): the batch gradient
 * g = Σ_r w_r·K̂[rows_r, :], and the fused heavy-ball step (gradient, v ← βv − αg, d ← d + v, ‖d‖²).
 * gather.wat is assembled to build/wasm/gather.wasm on install (scripts/build-wasm.mjs). Each kernel
 * owns one instance whose linear memory holds a copy of K̂ (as f64, or rounded to f32 with precision
 * 'float32', halving memory traffic), the rows, weights and g, and the (d, v) state slots of the runs
 * using it. Kernels are cached per K̂ array (WeakMap), so every replicate of a sweep shares one copy;
 * K̂ is therefore treated as immutable once a run has used it. Summation orders are those of the TS
 * kernel (../ts/gather.ts) and linearized.ts's update, so both paths give bit-identical results.
 */
import { readFileSync } from "node:fs";

export const GATHER_WASM_URL = new URL("../../../build/wasm/gather.wasm", import.meta.url);

export type KernelPrecision = "float64" | "float32";

type Kern = (k: number, n: number, rows: number, w: number, b: number, g: number) => void;
type Step = (
  k: number,
  n: number,
  rows: number,
  w: number,
  b: number,
  g: number,
  d: number,
  v: number,
  alpha: number,
  beta: number,
) => number;
interface GatherExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gather64: Kern;
  gather32: Kern;
  sgd64: Step;
  sgd32: Step;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: object | undefined;
export function wasmModule(): object {
  if (!WASM) throw new Error("WebAssembly is not available");
  compiled ??= new WASM.Module(readFileSync(GATHER_WASM_URL));
  return compiled;
}

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;
const align = (x: number, a: number): number => Math.ceil(x / a) * a;

/** A run's (d, v) in kernel memory; views are refreshed by GatherKernel.state() after memory growth. */
export interface StateSlot {
  readonly offD: number;
  readonly offV: number;
}

export class GatherKernel {
  readonly N: number;
  readonly precision: KernelPrecision;
  private readonly ex: GatherExports;
  private readonly offRows: number;
  private readonly offW: number;
  private readonly offG: number;
  private readonly offK: number;
  private end: number; // first byte past the last state slot
  private readonly free: StateSlot[] = [];
  private buffer!: ArrayBuffer;
  private rowsView!: Int32Array;
  private weightsView!: Float64Array;
  private gView!: Float64Array;

  constructor(khat: Float64Array, N: number, precision: KernelPrecision) {
    if (!Number.isInteger(N) || N < 1 || khat.length !== N * N)
      throw new RangeError(`khat must be N×N = ${N * N} entries, got ${khat.length}`);
    const ex = new WASM!.Instance(wasmModule(), {}).exports as GatherExports;
    const width = precision === "float32" ? 4 : 8;
    this.ex = ex;
    this.N = N;
    this.precision = precision;
    this.offRows = 64;
    this.offW = align(this.offRows + 4 * N, 64);
    this.offG = align(this.offW + 8 * N, 64);
    this.offK = align(this.offG + 8 * N, 64);
    this.end = align(this.offK + width * N * N, 64);
    this.reserve(this.end);
    if (precision === "float32") new Float32Array(this.buffer, this.offK, N * N).set(khat);
    else new Float64Array(this.buffer, this.offK, N * N).set(khat);
  }

  private reserve(bytes: number): void {
    if (bytes > MAX_BYTES)
      throw new RangeError(`linearized wasm kernel: ${bytes} bytes exceed the 4 GiB wasm32 memory`);
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / PAGE)); // RangeError if the engine refuses
    this.refresh();
  }

  private refresh(): void {
    const buf = this.ex.memory.buffer;
    if (buf === this.buffer) return;
    this.buffer = buf;
    this.rowsView = new Int32Array(buf, this.offRows, this.N);
    this.weightsView = new Float64Array(buf, this.offW, this.N);
    this.gView = new Float64Array(buf, this.offG, this.N);
  }

  /** the current linear-memory buffer (changes when memory grows, which detaches older views) */
  get memory(): ArrayBuffer {
    this.refresh();
    return this.buffer;
  }

  /** batch row indices (write b entries before gather/sgd) */
  get rows(): Int32Array {
    this.refresh();
    return this.rowsView;
  }

  /** weights (write b entries before gather/sgd) */
  get weights(): Float64Array {
    this.refresh();
    return this.weightsView;
  }

  /** g ← Σ_{r<b} weights[r]·K̂[rows[r], :]; the returned view is valid until the next call */
  gather(b: number): Float64Array {
    const f = this.precision === "float32" ? this.ex.gather32 : this.ex.gather64;
    f(this.offK, this.N, this.offRows, this.offW, b, this.offG);
    this.refresh();
    return this.gView;
  }

  /** A (d, v) slot for one run, d = d0 and v = 0; give it back with release(). */
  allocate(d0: Float64Array): StateSlot {
    let slot = this.free.pop();
    if (!slot) {
      const offD = this.end;
      const offV = align(offD + 8 * this.N, 64);
      this.end = align(offV + 8 * this.N, 64);
      this.reserve(this.end);
      slot = { offD, offV };
    }
    const { d, v } = this.state(slot);
    d.set(d0);
    v.fill(0);
    return slot;
  }

  release(slot: StateSlot): void {
    this.free.push(slot);
  }

  /** Current views of a slot's d and v (re-fetch after anything that may grow memory, e.g. allocate). */
  state(slot: StateSlot): { d: Float64Array; v: Float64Array } {
    this.refresh();
    return { d: new Float64Array(this.buffer, slot.offD, this.N), v: new Float64Array(this.buffer, slot.offV, this.N) };
  }

  /** One fused heavy-ball step on the slot with the current rows/weights; returns ‖d‖² of the new d. */
  sgd(slot: StateSlot, b: number, alpha: number, beta: number): number {
    const f = this.precision === "float32" ? this.ex.sgd32 : this.ex.sgd64;
    return f(this.offK, this.N, this.offRows, this.offW, b, this.offG, slot.offD, slot.offV, alpha, beta);
  }
}

const cache = new WeakMap<Float64Array, Partial<Record<KernelPrecision, GatherKernel>>>();

/** The (cached) kernel of this K̂ at this precision. */
export function gatherKernel(khat: Float64Array, N: number, precision: KernelPrecision = "float64"): GatherKernel {
  let entry = cache.get(khat);
  if (!entry) {
    entry = {};
    cache.set(khat, entry);
  }
  let kernel = entry[precision];
  if (!kernel) {
    kernel = new GatherKernel(khat, N, precision);
    entry[precision] = kernel;
  }
  return kernel;
}
