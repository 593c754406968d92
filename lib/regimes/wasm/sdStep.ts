/**
 * The SD step kernel in WebAssembly SIMD (lib/regimes/wasm/src/sdStep.ts, built to build/wasm/sdStep.wasm):
 * each call copies λ and the state (C, J, P) and the block's α_t, β_t into the module's linear memory, runs the
 * block there and copies C, J, P and S_t back. A block is many steps (256 in ../spectralDiagonal.ts), so the
 * copies are ~1% of the work. One instance, grown on demand, never shrunk; not re-entrant (one JS thread).
 */
import { readFileSync } from "node:fs";
import { checkSdArgs, type SdBlock, type SdState, type SdStepKernel } from "../sdStep.ts";

export const SD_STEP_WASM_URL = new URL("../../../build/wasm/sdStep.wasm", import.meta.url);

interface SdStepExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  sdStep(
    n: number,
    lam: number,
    c: number,
    j: number,
    p: number,
    alphas: number,
    betas: number,
    sums: number,
    steps: number,
    damp: number,
    gamma: number,
    sum: number,
    norm: number,
    bound: number,
  ): number;
}

// The project's TypeScript lib declares no WebAssembly types: the two constructors used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}

const PAGE = 65536;
const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

class WasmSdStep implements SdStepKernel {
  readonly name = "wasm" as const;
  private readonly ex: SdStepExports;
  private readonly base: number;

  constructor(ex: SdStepExports) {
    this.ex = ex;
    this.base = ex.heapBase();
  }

  sdStep(state: SdState, block: SdBlock): number {
    checkSdArgs(state, block);
    const N = state.lambda.length;
    const { steps } = block;
    const lam = this.base;
    const c = lam + align64(8 * N);
    const j = c + align64(8 * N);
    const p = j + align64(8 * N);
    const al = p + align64(8 * N);
    const be = al + align64(8 * steps);
    const su = be + align64(8 * steps);
    const end = su + 8 * steps;
    if (end > 4 * 1024 ** 3) throw new RangeError(`sdStep wasm: ${end} bytes exceed the 4 GiB wasm32 memory`);
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) this.ex.memory.grow(Math.ceil((end - have) / PAGE));
    const heap = new Float64Array(this.ex.memory.buffer);
    heap.set(state.lambda, lam / 8);
    heap.set(state.C, c / 8);
    heap.set(state.J, j / 8);
    heap.set(state.P, p / 8);
    heap.set(block.alphas.subarray(0, steps), al / 8);
    heap.set(block.betas.subarray(0, steps), be / 8);
    const taken = this.ex.sdStep(
      N,
      lam,
      c,
      j,
      p,
      al,
      be,
      su,
      steps,
      block.damp,
      block.gamma,
      block.sum,
      block.norm,
      block.bound,
    );
    state.C.set(heap.subarray(c / 8, c / 8 + N));
    state.J.set(heap.subarray(j / 8, j / 8 + N));
    state.P.set(heap.subarray(p / 8, p / 8 + N));
    block.sums.set(heap.subarray(su / 8, su / 8 + taken));
    return taken;
  }
}

/** Instantiates the kernel from `bytes` (default: build/wasm/sdStep.wasm); throws if it is missing or invalid. */
export function loadSdStepWasm(bytes?: Uint8Array): SdStepKernel {
  const WASM = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!WASM) throw new Error("WebAssembly is not available");
  const code = bytes ?? readFileSync(SD_STEP_WASM_URL);
  const instance = new WASM.Instance(new WASM.Module(code), {
    env: {
      abort: (): never => {
        throw new Error("sdStep wasm: abort");
      },
    },
  });
  return new WasmSdStep(instance.exports as unknown as SdStepExports);
}
