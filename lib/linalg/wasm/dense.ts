/**
 * Loader for the WebAssembly SIMD dense kernels (build/wasm/dense.wasm, compiled from
 * lib/linalg/wasm/src/dense.ts by scripts/build-wasm.mjs on `npm ci`).
 *
 * The module is instantiated synchronously. Its linear memory holds the packing buffers at
 * [workBase, workBase + workBytes) and, after them, copies of the operands of the current call:
 * inputs are copied in, the kernel runs, the result is copied out. Memory grows on demand and is
 * kept for later calls (it is never shrunk). Not re-entrant, which is fine in one JS thread.
 */
import { readFileSync } from "node:fs";
import type { DenseKernels } from "../types.ts";
import { checkLength } from "../ts/dense.ts";

// The project's TypeScript lib (ES2022, no DOM) declares no WebAssembly types: the few used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface DenseExports {
  memory: WasmMemory;
  workBase(): number;
  workBytes(): number;
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
  ): void;
  syrk(trans: number, n: number, k: number, alpha: number, a: number, beta: number, c: number, p: number): void;
}

/** Where scripts/build-wasm.mjs puts the module, relative to this file. */
export const DENSE_WASM_URL = new URL("../../../build/wasm/dense.wasm", import.meta.url);

const PAGE = 65536;
const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

class WasmDenseKernels implements DenseKernels {
  readonly name = "wasm" as const;
  private readonly ex: DenseExports;
  private readonly base: number; // first byte free for operands
  private heap: Float64Array;

  constructor(ex: DenseExports) {
    this.ex = ex;
    this.base = align64(ex.workBase() + ex.workBytes());
    this.heap = new Float64Array(ex.memory.buffer);
  }

  /** Makes linear memory at least `bytes` past the operand base; returns the (possibly new) view. */
  private reserve(bytes: number): Float64Array {
    const need = this.base + bytes;
    const have = this.ex.memory.buffer.byteLength;
    if (need > 4 * 1024 ** 3) throw new RangeError(`wasm dense kernels: ${need} bytes exceed the 4 GiB wasm32 limit`);
    if (need > have) this.ex.memory.grow(Math.ceil((need - have) / PAGE));
    if (this.heap.buffer !== this.ex.memory.buffer) this.heap = new Float64Array(this.ex.memory.buffer);
    return this.heap;
  }

  readonly gemm: DenseKernels["gemm"] = (transA, transB, m, n, k, alpha, A, B, beta, C) => {
    const mn = m * n;
    checkLength("gemm C", C, mn);
    if (m === 0 || n === 0) return;
    const readAB = alpha !== 0 && k !== 0;
    if (readAB) {
      checkLength("gemm A", A, m * k);
      checkLength("gemm B", B, k * n);
    }
    const aOff = this.base;
    const bOff = aOff + (readAB ? align64(m * k * 8) : 0);
    const cOff = bOff + (readAB ? align64(k * n * 8) : 0);
    const heap = this.reserve(cOff + mn * 8 - this.base);
    if (readAB) {
      heap.set(A.subarray(0, m * k), aOff / 8);
      heap.set(B.subarray(0, k * n), bOff / 8);
    }
    if (beta !== 0) heap.set(C.subarray(0, mn), cOff / 8);
    this.ex.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aOff, bOff, beta, cOff);
    C.set(heap.subarray(cOff / 8, cOff / 8 + mn));
  };

  syrk(trans: boolean, n: number, k: number, alpha: number, A: Float64Array, beta: number, C: Float64Array): void {
    const nn = n * n;
    checkLength("syrk C", C, nn);
    if (n === 0) return;
    const readA = alpha !== 0 && k !== 0;
    if (readA) checkLength("syrk A", A, n * k);
    const aOff = this.base;
    const cOff = aOff + (readA ? align64(n * k * 8) : 0);
    const pOff = cOff + align64(nn * 8);
    const heap = this.reserve(pOff + (readA ? nn * 8 : 0) - this.base);
    if (readA) heap.set(A.subarray(0, n * k), aOff / 8);
    if (beta !== 0) heap.set(C.subarray(0, nn), cOff / 8);
    this.ex.syrk(trans ? 1 : 0, n, k, alpha, aOff, beta, cOff, pOff);
    C.set(heap.subarray(cOff / 8, cOff / 8 + nn));
  }
}

/** Instantiates the module from `bytes` (default: build/wasm/dense.wasm); throws if it is missing or invalid. */
export function loadWasmKernels(bytes?: Uint8Array): DenseKernels {
  const code = bytes ?? readFileSync(DENSE_WASM_URL);
  const instance = new WASM.Instance(new WASM.Module(code), {
    env: {
      abort: (): never => {
        throw new Error("wasm dense kernels: abort");
      },
    },
  });
  return new WasmDenseKernels(instance.exports as unknown as DenseExports);
}
