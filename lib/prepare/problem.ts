/**
 * Problem config → the arrays the regimes need, plus its identity and its row for the problems table.
 * Files are checked here, before anything is written: a missing or malformed .npy, a non-square or
 * non-symmetric kernel, a residual of the wrong length, NaN/Inf in either become ConfigIssues (exit 2).
 * Dense problems are copied once into SharedArrayBuffers so that every worker reads the same memory.
 * Dataset problems (a network on a data set) are built by lib/prepare/dataset.ts; prepareProblem is the
 * asynchronous entry point for every kind.
 */
import { readFileSync } from "node:fs";
import { basename, isAbsolute, resolve } from "node:path";
import type { DenseProblem, Spectrum } from "../types.ts";
import { syntheticDense, syntheticSpectrum } from "../problem/synthetic.ts";
import { kernelProblem } from "../problem/kernelProblem.ts";
import { denseKernels } from "../linalg/kernels.ts";
import { parseNpy, NpyError, type NpyArray } from "../io/npy.ts";
import type { ConfigIssue, ProblemConfig } from "../config/schema.ts";
import { digest, hashOf } from "../config/hash.ts";

import { InputError } from "../config/inputError.ts";
import { loadDatasetProblem, type NetworkPart } from "./dataset.ts";

export { InputError };

export interface LoadedProblem {
  /** problem id: digest of its definition (and of the files' bytes) */
  readonly id: string;
  readonly N: number;
  readonly dataset: string;
  readonly spectrum: Spectrum;
  /** present when a dense regime (full, linearized) is in the experiment */
  readonly dense?: DenseProblem;
  /** the network (dataset problems with nn runs) */
  readonly network?: NetworkPart;
  /** hidden width of the network whose empirical NTK this is (dataset problems), else null */
  readonly hiddenDim: number | null;
  /** N/λ_max(K_emp) of that network (dataset problems, empirical NTK), else null */
  readonly lrScale: number | null;
  /** the problems-table row */
  readonly row: Record<string, string | number | null>;
}

/** The arrays a worker receives: the (dense) problem, and the network when nn runs are planned. */
export type WorkerProblem = (Spectrum | DenseProblem) & { readonly network?: NetworkPart };

export interface LoadOptions {
  /** kernel/residual paths are relative to this folder (the config file's, or the working directory) */
  readonly baseDir?: string;
  /** build the dense form (K̂, eigenvectors, d_0) */
  readonly dense: boolean;
  /** experiment seed: the default of problem.seed */
  readonly seed: number;
  /** dataset problems: the network's arrays are needed (nn runs) */
  readonly network?: boolean;
  /** dataset problems: where built problems are cached (default: a temporary folder) */
  readonly cacheDir?: string;
}

function readArray(
  path: string,
  field: string,
  issues: ConfigIssue[],
): { arr: NpyArray; bytes: Uint8Array } | undefined {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    issues.push({
      path: field,
      message: code === "ENOENT" ? "file not found" : `cannot read the file (${code ?? (e as Error).message})`,
      value: path,
      allowed: "a readable NumPy .npy file",
    });
    return undefined;
  }
  try {
    return { arr: parseNpy(bytes), bytes };
  } catch (e) {
    if (!(e instanceof NpyError)) throw e;
    issues.push({
      path: field,
      message: e.message,
      value: path,
      allowed: "a NumPy .npy file, float32 or float64, C order",
    });
    return undefined;
  }
}

function firstNonFinite(a: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** Reads and checks the kernel and residual files; throws InputError listing every problem. */
export function readKernelFiles(
  kernelPath: string,
  residualPath: string,
  baseDir = process.cwd(),
): { K: Float64Array; r: Float64Array; N: number; digest: string } {
  const issues: ConfigIssue[] = [];
  const kp = isAbsolute(kernelPath) ? kernelPath : resolve(baseDir, kernelPath);
  const rp = isAbsolute(residualPath) ? residualPath : resolve(baseDir, residualPath);
  const k = readArray(kp, "problem.kernel", issues);
  const r = readArray(rp, "problem.residual", issues);
  let N = 0;
  if (k) {
    const s = k.arr.shape;
    if (s.length !== 2 || s[0] !== s[1])
      issues.push({
        path: "problem.kernel",
        message: `kernel must be a square matrix, got shape (${s.join(", ")})`,
        value: kernelPath,
        allowed: "an N×N array",
      });
    else {
      N = s[0];
      if (N < 2)
        issues.push({
          path: "problem.kernel",
          message: `kernel must be at least 2×2, got ${N}×${N}`,
          value: kernelPath,
          allowed: "N ≥ 2",
        });
      const bad = firstNonFinite(k.arr.data);
      if (bad >= 0)
        issues.push({
          path: "problem.kernel",
          message: `kernel has a non-finite entry ${k.arr.data[bad]} at (${Math.floor(bad / N)}, ${bad % N})`,
          value: kernelPath,
          allowed: "finite numbers only",
        });
      else {
        const K = k.arr.data;
        let scale = 0;
        for (let i = 0; i < K.length; i++) scale = Math.max(scale, Math.abs(K[i]));
        let worst = 0;
        let wi = 0;
        let wj = 0;
        for (let i = 0; i < N; i++)
          for (let j = i + 1; j < N; j++) {
            const d = Math.abs(K[i * N + j] - K[j * N + i]);
            if (d > worst) {
              worst = d;
              wi = i;
              wj = j;
            }
          }
        if (scale === 0)
          issues.push({
            path: "problem.kernel",
            message: "kernel is identically zero",
            value: kernelPath,
            allowed: "a symmetric PSD matrix",
          });
        else if (worst > 1e-8 * scale) {
          issues.push({
            path: "problem.kernel",
            message: `kernel is not symmetric: K[${wi}][${wj}] = ${K[wi * N + wj]} but K[${wj}][${wi}] = ${K[wj * N + wi]}`,
            value: kernelPath,
            allowed: "a symmetric matrix (|K_ij − K_ji| ≤ 1e-8·max|K|)",
          });
        }
      }
    }
  }
  if (r) {
    const s = r.arr.shape;
    const len = s.length === 1 ? s[0] : s.length === 2 && s[1] === 1 ? s[0] : -1;
    if (len < 0)
      issues.push({
        path: "problem.residual",
        message: `residual must be a vector, got shape (${s.join(", ")})`,
        value: residualPath,
        allowed: "shape (N,) or (N, 1)",
      });
    else if (k && N > 0 && len !== N)
      issues.push({
        path: "problem.residual",
        message: `residual has length ${len} but the kernel is ${N}×${N}`,
        value: residualPath,
        allowed: `length ${N}`,
      });
    const bad = firstNonFinite(r.arr.data);
    if (bad >= 0)
      issues.push({
        path: "problem.residual",
        message: `residual has a non-finite entry ${r.arr.data[bad]} at ${bad}`,
        value: residualPath,
        allowed: "finite numbers only",
      });
  }
  if (issues.length > 0 || !k || !r) throw new InputError(issues);
  return {
    K: k.arr.data,
    r: r.arr.data,
    N,
    digest: digest(Buffer.concat([Buffer.from(digest(k.bytes, 64)), Buffer.from(digest(r.bytes, 64))])),
  };
}

/**
 * The problem of a config, whatever its kind: dataset problems are loaded asynchronously (tabular files are
 * read through DuckDB) and cached on disk; the others are built by loadProblem.
 */
export async function prepareProblem(cfg: ProblemConfig, options: LoadOptions): Promise<LoadedProblem> {
  if (cfg.kind !== "dataset") return loadProblem(cfg, options);
  const p = await loadDatasetProblem(cfg, {
    baseDir: options.baseDir,
    seed: options.seed,
    cacheDir: options.cacheDir,
    dense: options.dense,
    network: options.network ?? false,
  });
  const f = p.facts;
  return {
    id: f.id,
    N: f.N,
    dataset: f.dataset,
    spectrum: p.spectrum,
    dense: p.dense,
    network: p.network,
    hiddenDim: f.hiddenDim,
    lrScale: f.ntk === "empirical" ? f.lrScale : null,
    row: p.row,
  };
}

/** Builds a synthetic or kernel problem (O(N) for SD alone; O(N³) once for the dense regimes); dataset problems: prepareProblem. */
export function loadProblem(cfg: ProblemConfig, options: LoadOptions): LoadedProblem {
  if (cfg.kind === "dataset") throw new Error("dataset problems are loaded asynchronously: use prepareProblem");
  if (cfg.kind === "synthetic") {
    const seed = cfg.seed ?? options.seed;
    const params = { N: cfg.N, nu: cfg.nu, kappa: cfg.kappa, lambdaMin: cfg.lambda_min, seed };
    const dense = options.dense ? syntheticDense(params, denseKernels()) : undefined;
    const spectrum = dense ?? syntheticSpectrum(params);
    const id = hashOf({ kind: "synthetic", N: cfg.N, nu: cfg.nu, kappa: cfg.kappa, lambda_min: cfg.lambda_min, seed });
    return {
      id,
      N: cfg.N,
      dataset: "synthetic",
      spectrum,
      dense,
      hiddenDim: null,
      lrScale: null,
      row: {
        problem: id,
        kind: "synthetic",
        dataset: "synthetic",
        N: cfg.N,
        nu: cfg.nu,
        kappa: cfg.kappa,
        lambda_min: cfg.lambda_min,
        seed,
        zeta: cfg.kappa / cfg.nu,
        kernel: null,
        residual: null,
        normalize: null,
        loss0: loss0(spectrum),
        spec: JSON.stringify({ ...cfg, seed }),
      },
    };
  }
  const files = readKernelFiles(cfg.kernel, cfg.residual, options.baseDir);
  const reference = cfg.normalize === "reference";
  let problem: DenseProblem;
  try {
    problem = kernelProblem(files.K, files.r, { rescale: reference, standardize: reference });
  } catch (e) {
    if (e instanceof RangeError)
      throw new InputError([
        { path: "problem", message: e.message, value: { kernel: cfg.kernel, residual: cfg.residual } },
      ]);
    throw e;
  }
  const id = hashOf({ kind: "kernel", normalize: cfg.normalize, files: files.digest });
  const dataset = basename(cfg.kernel).replace(/\.npy$/i, "");
  return {
    id,
    N: files.N,
    dataset,
    spectrum: problem,
    dense: problem,
    hiddenDim: null,
    lrScale: null,
    row: {
      problem: id,
      kind: "kernel",
      dataset,
      N: files.N,
      nu: null,
      kappa: null,
      lambda_min: null,
      seed: null,
      zeta: null,
      kernel: cfg.kernel,
      residual: cfg.residual,
      normalize: cfg.normalize,
      loss0: loss0(problem),
      spec: JSON.stringify(cfg),
    },
  };
}

export function loss0(s: Spectrum): number {
  let sum = 0;
  for (let k = 0; k < s.N; k++) sum += s.c0[k];
  return sum / (2 * s.N);
}

function share(a: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** The arrays a worker needs, in shared memory (structured clone then shares instead of copying). */
export function sharedProblem(p: LoadedProblem): WorkerProblem {
  const n = p.network;
  const network: { network?: NetworkPart } = n
    ? {
        network: {
          ...n,
          x: share(n.x),
          y: share(n.y),
          w1: share(n.w1),
          b1: share(n.b1),
          w2: share(n.w2),
          gram: share(n.gram),
          z0: share(n.z0),
        },
      }
    : {};
  if (p.dense) {
    const d = p.dense;
    return {
      N: d.N,
      lambda: share(d.lambda),
      c0: share(d.c0),
      khat: share(d.khat),
      d0: share(d.d0),
      vectors: share(d.vectors),
      ...network,
    };
  }
  return { N: p.spectrum.N, lambda: share(p.spectrum.lambda), c0: share(p.spectrum.c0), ...network };
}
