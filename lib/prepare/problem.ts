/**
 * Problem config → the arrays the regimes need, plus its identity and its row for the problems table.
 * Files are checked here, before anything is written: a missing or malformed .npy, a non-square or
 * non-symmetric kernel, a residual of the wrong length, NaN/Inf in either become ConfigIssues (exit 2).
 * Dense problems are copied once into SharedArrayBuffers so that every worker reads the same memory.
 * Dataset problems (a network on a data set) are built by lib/prepare/dataset.ts; prepareProblem is the
 * asynchronous entry point for every kind.
 */
import { readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import type { DenseProblem, Spectrum } from "../types.ts";
import { syntheticDense, syntheticSpectrum } from "../problem/synthetic.ts";
import { kernelProblem } from "../problem/kernelProblem.ts";
import { denseKernels } from "../linalg/kernels.ts";
import { parseNpy, parseNpz, npyEpsilon, NpyError, type NpyArray } from "../io/npy.ts";
import { torchSaveTensors, TorchSaveError } from "../io/torchSave.ts";
import { ZipError } from "../io/zip.ts";
import type { ConfigIssue, ProblemConfig } from "../config/schema.ts";
import { digest, hashOf } from "../config/hash.ts";

import { InputError } from "../config/inputError.ts";
import type { Conventions } from "../vocabulary/conventions.ts";
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
  /** the experiment's conventions (dataset problems: the analytic NTK's formula and the fits) */
  readonly conventions?: Partial<Pick<Conventions, "ntk_formula" | "fit_windows">>;
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

/** An array read from a file: its shape, values, the machine epsilon of its dtype, where it came from. */
interface FileArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
  readonly eps: number;
  /** the config field and the value shown in messages */
  readonly field: string;
  readonly label: string;
}

/**
 * Checks a kernel and residual read from files: square, N ≥ 2, finite, symmetric up to √ε of the kernel file's
 * precision (relative to max|K|: 3.5e-4 for float32, 1.5e-8 for float64) — a kernel computed in that precision is
 * asymmetric by a few ulps (PyTorch's float32 X @ X.T: ~5e-7), and is then symmetrised (kernelProblem, with the
 * same tolerance) — and a residual of length N. Problems go to `issues`; returns N and the tolerance.
 */
function checkKernelArrays(
  k: FileArray | undefined,
  r: FileArray | undefined,
  issues: ConfigIssue[],
): { N: number; symmetryTolerance: number } {
  let N = 0;
  const symmetryTolerance = k ? Math.sqrt(k.eps) : 0;
  if (k) {
    const s = k.shape;
    if (s.length !== 2 || s[0] !== s[1])
      issues.push({
        path: k.field,
        message: `kernel must be a square matrix, got shape (${s.join(", ")})`,
        value: k.label,
        allowed: "an N×N array",
      });
    else {
      N = s[0];
      if (N < 2)
        issues.push({
          path: k.field,
          message: `kernel must be at least 2×2, got ${N}×${N}`,
          value: k.label,
          allowed: "N ≥ 2",
        });
      const bad = firstNonFinite(k.data);
      if (bad >= 0)
        issues.push({
          path: k.field,
          message: `kernel has a non-finite entry ${k.data[bad]} at (${Math.floor(bad / N)}, ${bad % N})`,
          value: k.label,
          allowed: "finite numbers only",
        });
      else {
        const K = k.data;
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
            path: k.field,
            message: "kernel is identically zero",
            value: k.label,
            allowed: "a symmetric PSD matrix",
          });
        else if (worst > symmetryTolerance * scale) {
          const f32 = k.eps > 1e-10;
          const tol = symmetryTolerance.toExponential(1);
          issues.push({
            path: k.field,
            message:
              `kernel is not symmetric: K[${wi}][${wj}] = ${K[wi * N + wj]} but K[${wj}][${wi}] = ${K[wj * N + wi]} ` +
              `(|K_ij − K_ji|/max|K| = ${(worst / scale).toExponential(1)} > ${tol}, √ε of the file's ` +
              `${f32 ? "float32" : "float64"}` +
              `${f32 ? "" : "; a kernel computed in float32 should be saved as float32"})`,
            value: k.label,
            allowed: `a symmetric matrix (|K_ij − K_ji| ≤ ${tol}·max|K|)`,
          });
        }
      }
    }
  }
  if (r) {
    const s = r.shape;
    const len = s.length === 1 ? s[0] : s.length === 2 && s[1] === 1 ? s[0] : -1;
    if (len < 0)
      issues.push({
        path: r.field,
        message: `residual must be a vector, got shape (${s.join(", ")})`,
        value: r.label,
        allowed: "shape (N,) or (N, 1)",
      });
    else if (k && N > 0 && len !== N)
      issues.push({
        path: r.field,
        message: `residual has length ${len} but the kernel is ${N}×${N}`,
        value: r.label,
        allowed: `length ${N}`,
      });
    const bad = firstNonFinite(r.data);
    if (bad >= 0)
      issues.push({
        path: r.field,
        message: `residual has a non-finite entry ${r.data[bad]} at ${bad}`,
        value: r.label,
        allowed: "finite numbers only",
      });
  }
  return { N, symmetryTolerance };
}

export interface KernelFiles {
  readonly K: Float64Array;
  readonly r: Float64Array;
  readonly N: number;
  /** digest of the files' bytes */
  readonly digest: string;
  /** √ε of the kernel file's precision (relative asymmetry allowed) */
  readonly symmetryTolerance: number;
}

/** Reads and checks the kernel and residual .npy files (checkKernelArrays); throws InputError listing every problem. */
export function readKernelFiles(kernelPath: string, residualPath: string, baseDir = process.cwd()): KernelFiles {
  const issues: ConfigIssue[] = [];
  const kp = isAbsolute(kernelPath) ? kernelPath : resolve(baseDir, kernelPath);
  const rp = isAbsolute(residualPath) ? residualPath : resolve(baseDir, residualPath);
  const k = readArray(kp, "problem.kernel", issues);
  const r = readArray(rp, "problem.residual", issues);
  const asFile = (a: { arr: NpyArray } | undefined, field: string, label: string): FileArray | undefined =>
    a && { shape: a.arr.shape, data: a.arr.data, eps: npyEpsilon(a.arr.descr), field, label };
  const { N, symmetryTolerance } = checkKernelArrays(
    asFile(k, "problem.kernel", kernelPath),
    asFile(r, "problem.residual", residualPath),
    issues,
  );
  if (issues.length > 0 || !k || !r) throw new InputError(issues);
  return {
    K: k.arr.data,
    r: r.arr.data,
    N,
    digest: digest(Buffer.concat([Buffer.from(digest(k.bytes, 64)), Buffer.from(digest(r.bytes, 64))])),
    symmetryTolerance,
  };
}

/** The names of the arrays in the reference's saved files (datasets/load_from_saved.py). */
export const SAVED_KERNEL = "NTK_train_train";
export const SAVED_RESIDUAL = "target_train_train";

/**
 * Reads a saved kernel and residual (problem.kind 'saved'): a folder with NTK_train_train.npy and
 * target_train_train.npy, a NumPy .npz, or a torch.save file (.pth/.pt) holding those two arrays. Throws
 * InputError (field problem.path) listing every problem.
 */
export function readSavedFiles(path: string, baseDir = process.cwd()): KernelFiles {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  const fail = (message: string, allowed?: string): never => {
    throw new InputError([
      {
        path: "problem.path",
        message,
        value: path,
        allowed:
          allowed ??
          `a torch.save file (.pth/.pt) or .npz holding ${SAVED_KERNEL} and ${SAVED_RESIDUAL}, ` +
            "or a folder with both as .npy",
      },
    ]);
  };
  let isDir = false;
  try {
    isDir = statSync(full).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(code === "ENOENT" ? "file not found" : `cannot read it (${code ?? (e as Error).message})`);
  }
  if (isDir) {
    const files = readKernelFiles(join(full, `${SAVED_KERNEL}.npy`), join(full, `${SAVED_RESIDUAL}.npy`));
    return files;
  }
  const bytes = new Uint8Array(readFileSync(full));
  let arrays: Map<string, { shape: readonly number[]; data: Float64Array; eps: number }>;
  try {
    if (/\.npz$/i.test(full))
      arrays = new Map([...parseNpz(bytes)].map(([n, a]) => [n, { ...a, eps: npyEpsilon(a.descr) }]));
    else
      arrays = new Map(
        [...torchSaveTensors(bytes)].map(([n, t]) => [n, { ...t, eps: t.dtype === "f8" ? 2 ** -52 : 2 ** -23 }]),
      );
  } catch (e) {
    if (e instanceof NpyError || e instanceof TorchSaveError || e instanceof ZipError) return fail(e.message);
    throw e;
  }
  const missing = [SAVED_KERNEL, SAVED_RESIDUAL].filter((n) => !arrays.has(n));
  if (missing.length > 0)
    fail(`no ${missing.join(" or ")} in the file (it has: ${[...arrays.keys()].join(", ") || "no arrays"})`);
  const k = arrays.get(SAVED_KERNEL)!;
  const r = arrays.get(SAVED_RESIDUAL)!;
  const issues: ConfigIssue[] = [];
  const { N, symmetryTolerance } = checkKernelArrays(
    { ...k, field: "problem.path", label: `${path}: ${SAVED_KERNEL}` },
    { ...r, field: "problem.path", label: `${path}: ${SAVED_RESIDUAL}` },
    issues,
  );
  if (issues.length > 0) throw new InputError(issues);
  return { K: k.data, r: r.data, N, digest: digest(bytes, 64), symmetryTolerance };
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
    ntkFormula: options.conventions?.ntk_formula,
    fitMethod: options.conventions?.fit_windows,
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

/**
 * Builds a synthetic or kernel problem (O(N) for SD alone; O(N³) once for the dense regimes);
 * dataset problems: prepareProblem.
 */
export function loadProblem(cfg: ProblemConfig, options: LoadOptions): LoadedProblem {
  if (cfg.kind === "dataset") throw new Error("dataset problems are loaded asynchronously: use prepareProblem");
  if (cfg.kind === "synthetic") {
    const seed = cfg.seed ?? options.seed;
    const lift = cfg.lambda_min;
    const floor = cfg.lambda_floor ?? 0;
    const params = { N: cfg.N, nu: cfg.nu, kappa: cfg.kappa, lambdaMin: lift, lambdaFloor: floor, seed };
    const dense = options.dense ? syntheticDense(params, denseKernels()) : undefined;
    const spectrum = dense ?? syntheticSpectrum(params);
    // the id keeps the key the floor had when it was called lambda_min, and names the lift only when it is used:
    // existing problems keep their ids, and a floor and a lift of the same value get different ones
    const id = hashOf({
      kind: "synthetic",
      N: cfg.N,
      nu: cfg.nu,
      kappa: cfg.kappa,
      lambda_min: floor,
      seed,
      ...(lift !== 0 ? { lambda_lift: lift } : {}),
    });
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
  const saved = cfg.kind === "saved";
  const files = saved
    ? readSavedFiles(cfg.path, options.baseDir)
    : readKernelFiles(cfg.kernel, cfg.residual, options.baseDir);
  const source = saved
    ? { kernel: `${cfg.path}:${SAVED_KERNEL}`, residual: `${cfg.path}:${SAVED_RESIDUAL}` }
    : { kernel: cfg.kernel, residual: cfg.residual };
  const reference = cfg.normalize === "reference";
  let problem: DenseProblem;
  try {
    problem = kernelProblem(files.K, files.r, {
      rescale: reference,
      standardize: reference,
      symmetryTolerance: files.symmetryTolerance,
    });
  } catch (e) {
    if (e instanceof RangeError)
      throw new InputError([{ path: saved ? "problem.path" : "problem", message: e.message, value: source }]);
    throw e;
  }
  const id = hashOf({ kind: cfg.kind, normalize: cfg.normalize, files: files.digest });
  const dataset = basename(saved ? cfg.path : cfg.kernel).replace(/\.(npy|npz|pth|pt)$/i, "");
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
      kernel: source.kernel,
      residual: source.residual,
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
