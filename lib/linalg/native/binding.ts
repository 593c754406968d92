/**
 * Loads the project's one Node-API addon, build/native/powerlaw.node: every lib/**\/native/*.c compiled
 * by scripts/build-native.mjs on install (C file foo.c contributes register_foo's functions; see
 * addon.h). Loaded once per thread, on first use; loading throws an Error saying why it cannot:
 * the build was skipped (build/native/skipped.txt gives the reason), the file is missing, or it was
 * built on another CPU (it is compiled with -march=native: build/native/build.json names the CPU).
 * The dense kernels and eighNative need OpenBLAS, opened by the addon on first use (openblas.c):
 * blasInfo() says whether it loaded; build/native/blas-skipped.txt records that it did not at build time.
 * POWERLAW_SGD_NATIVE_DIR=<dir> loads <dir>/powerlaw.node (and reads its markers) instead of build/native/.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DenseKernels } from "../types.ts";

export const NATIVE_DIR_ENV = "POWERLAW_SGD_NATIVE_DIR";
const REBUILD = "node scripts/build-native.mjs";

/** The build directory's files: the addon, the build script's markers and build.json. */
export function nativeFiles(dir = globalThis.process?.env?.[NATIVE_DIR_ENV]) {
  const base = dir ? pathToFileURL(`${dir.replace(/\/+$/, "")}/`) : new URL("../../../build/native/", import.meta.url);
  return {
    addon: new URL("powerlaw.node", base),
    /** written by the build script instead of the addon when it cannot be built (no compiler, no headers) */
    skipped: new URL("skipped.txt", base),
    /** written by the build script when the addon was built but OpenBLAS did not load (dense, eigh unavailable) */
    blasSkipped: new URL("blas-skipped.txt", base),
    buildInfo: new URL("build.json", base),
  };
}

export interface BlasInfo {
  readonly loaded: boolean;
  /** why OpenBLAS did not load (null when it did) */
  readonly error: string | null;
  readonly library: string | null;
  /** openblas_get_config(), e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64" */
  readonly config: string | null;
  /** the kernel set OpenBLAS runs, e.g. "Cooperlake" (chosen for the CPU, or by OPENBLAS_CORETYPE) */
  readonly core: string | null;
}

export interface EighNativeResult {
  values: Float64Array;
  vectors: Float64Array | null;
}

/** The functions of lib/linalg/native/*.c (other C files add theirs: look them up with nativeFunction). */
export interface NativeAddon {
  /** DenseKernels' gemm and syrk (dense.c), with the threads a call may use last */
  gemm(...args: [...Parameters<DenseKernels["gemm"]>, threads: number]): void;
  syrk(...args: [...Parameters<DenseKernels["syrk"]>, threads: number]): void;
  /** LAPACK dsyevd on (A + Aᵀ)/2; the EighResult convention of lib/linalg/eigh.ts (see eigh.c). */
  eighNative(A: Float64Array, n: number, wantVectors: boolean): EighNativeResult;
  blasInfo(): BlasInfo;
  readonly [name: string]: unknown;
}

let addon: NativeAddon | undefined;
let loadError: Error | undefined;

function readText(url: URL): string | null {
  try {
    return readFileSync(url, "utf8").trim();
  } catch {
    return null;
  }
}

/** The build script's reason for not building the addon (or its BLAS part), or null. */
export function nativeSkipReason(): { addon: string | null; blas: string | null } {
  const files = nativeFiles();
  return { addon: readText(files.skipped), blas: readText(files.blasSkipped) };
}

function load(): NativeAddon {
  const files = nativeFiles();
  const path = fileURLToPath(files.addon);
  const skipped = readText(files.skipped);
  if (skipped !== null && !existsSync(files.addon)) throw new Error(`native addon ${path} not built (${skipped})`);
  if (!existsSync(files.addon)) throw new Error(`native addon ${path} is missing: run \`${REBUILD}\``);
  const built = readText(files.buildInfo);
  const cpu = cpus()[0]?.model ?? "";
  const builtFor = built === null ? null : (JSON.parse(built) as { cpu?: string }).cpu;
  if (builtFor !== undefined && builtFor !== null && builtFor !== cpu) {
    throw new Error(`${path} was compiled for "${builtFor}" (-march=native), this CPU is "${cpu}": run \`${REBUILD}\``);
  }
  return createRequire(import.meta.url)(path) as NativeAddon;
}

/** The addon (cached per thread); throws an Error saying why it cannot load. */
export function nativeAddon(): NativeAddon {
  if (addon) return addon;
  if (!loadError) {
    try {
      addon = load();
      return addon;
    } catch (e) {
      loadError = e instanceof Error ? e : new Error(String(e));
    }
  }
  throw loadError;
}

/** Function `name` of the addon; throws if the addon cannot load or was built without it (stale build). */
export function nativeFunction<F extends (...args: never[]) => unknown>(name: string): F {
  const f = nativeAddon()[name];
  if (typeof f !== "function")
    throw new Error(`${fileURLToPath(nativeFiles().addon)} has no ${name}(): run \`${REBUILD}\``);
  return f as F;
}

/** The addon with OpenBLAS loaded, for the dense kernels and eighNative; throws why not otherwise. */
export function nativeBlas(): NativeAddon {
  const a = nativeAddon();
  const info = a.blasInfo();
  if (!info.loaded) throw new Error(`native addon loaded, OpenBLAS did not: ${info.error}`);
  return a;
}

/** Symmetric eigendecomposition by LAPACK dsyevd: values descending, vectors as in lib/linalg/eigh.ts. */
export function eighNative(A: Float64Array, n: number, wantVectors: boolean): EighNativeResult {
  return nativeBlas().eighNative(A, n, wantVectors);
}
