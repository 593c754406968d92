/**
 * Choice of dense kernels. `denseKernels()` is what the engine calls: native (C over OpenBLAS,
 * build/native/powerlaw.node) when it loads, else WebAssembly SIMD (build/wasm/dense.wasm), else plain
 * TypeScript; POWERLAW_SGD_KERNELS=native|wasm|ts forces one (lib/linalg/backend.ts).
 * `denseKernels({threads: 2})` lets the native kernels split each large call over 2 threads (the
 * other backends are single-threaded and ignore it): for one big run with idle cores, see full.ts.
 */
import type { DenseKernels } from "./types.ts";
import { gemmTs, syrkTs } from "./ts/dense.ts";
import { loadWasmKernels } from "./wasm/dense.ts";
import { loadNativeKernels, MAX_NATIVE_THREADS } from "./native/dense.ts";
import { requestedBackend, selectBackend, type BackendName } from "./backend.ts";

/** Plain-TypeScript kernels: the reference and last fallback. */
export const tsKernels: DenseKernels = { name: "ts", gemm: gemmTs, syrk: syrkTs };

/** Runs `load` once; later calls return its value or rethrow its error. */
function once<T>(load: () => T): () => T {
  let value: T | undefined;
  let error: unknown;
  return () => {
    if (value !== undefined) return value;
    if (error !== undefined) throw error;
    try {
      value = load();
    } catch (e) {
      error = e;
      throw e;
    }
    return value;
  };
}

/** The WebAssembly SIMD kernels (one instance, cached); throws with the reason if they cannot load. */
export const wasmKernels: () => DenseKernels = once(() => {
  try {
    return loadWasmKernels();
  } catch (e) {
    throw new Error(`WebAssembly dense kernels unavailable (run \`node scripts/build-wasm.mjs\`): ${String(e)}`, {
      cause: e,
    });
  }
});

const native = new Map<number, () => DenseKernels>();

/** The native kernels with `threads` threads a call (cached per count); throws with the reason if they cannot load. */
export function nativeKernels(threads = 1): DenseKernels {
  let get = native.get(threads);
  if (!get) {
    get = once(() => loadNativeKernels(threads));
    native.set(threads, get);
  }
  return get();
}

export interface DenseKernelOptions {
  /** threads a native call may use (default 1; the wasm and TS kernels always use one) */
  readonly threads?: number;
}

const chosen = new Map<string, BackendName>();

/** The kernels the engine uses (the choice is cached): native, else wasm, else TS, or as POWERLAW_SGD_KERNELS says. */
export function denseKernels(options: DenseKernelOptions = {}): DenseKernels {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_NATIVE_THREADS) {
    throw new RangeError(`dense kernels: threads must be an integer in [1, ${MAX_NATIVE_THREADS}], got ${threads}`);
  }
  const request = requestedBackend();
  const name = chosen.get(request);
  if (name === "native") return nativeKernels(threads);
  if (name === "wasm") return wasmKernels();
  if (name === "ts") return tsKernels;
  const picked = selectBackend(
    "dense kernels",
    {
      native: () => nativeKernels(threads),
      wasm: wasmKernels,
      ts: () => tsKernels,
    },
    request,
  );
  chosen.set(request, picked.name);
  return picked.impl;
}
