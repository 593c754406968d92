/**
 * The dataset problem of an experiment config (problem.kind 'dataset'): a data set, one initial two-layer ReLU
 * network on it (docs/theory.md §2.1, weights from generator 2⁵² + seed), and that network's NTK problem — the kernel
 * (empirical NTK of the network, or the analytic infinite-width one) rescaled to λ_max = N, its eigenpairs and
 * the initial residual (lib/problem/ntkProblem.ts). The sd, full and linearized runs run on that kernel problem;
 * the nn runs train the network itself (lr_scale = N/λ_max(K_emp)).
 *
 * Built once per problem: the first invocation loads the data (asynchronously: tabular files are read through
 * DuckDB), builds the NTK and its eigendecomposition (O(N²H + N³)), and writes everything to a cache folder,
 * <cache>/<problem id>/ (by default <db folder>/problems/), atomically (a temporary folder renamed into place,
 * so a killed process never leaves half a cache), holding a lock file <cache>/.<problem id>.lock so that processes
 * asking for the same problem at once (the shards of a sweep, on one machine or on a cluster's shared file system)
 * build it once: the others wait and read it (lib/prepare/lock.ts). Later invocations — a resumed sweep, another
 * shard, the site's loaders — read the arrays back bit for bit instead of rebuilding. The problem id digests the
 * definition (data set, N, seeds, H, NTK kind, the data files' bytes) and the code version, so an engine change
 * builds a new problem rather than reusing a stale one.
 *
 * Files of a cache folder (NumPy .npy, float64): khat (K̂, rescaled so that λ_1 = 1; N×N), residual (d₀),
 * lambda, c0, vectors (column k = u_k), x (N×d inputs), y (targets), and for the empirical NTK the initial
 * network w1 (H×d), b1, w2; problem.json (written last) holds the facts and fits.
 *
 * Data-set errors (a missing file, N larger than the data, a non-numeric column, …) become ConfigIssues naming
 * the config field (problem.path, problem.N, problem.target, …): exit 2, nothing written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { DenseProblem, Spectrum } from "../types.ts";
import { DataError, loadDataset, type Dataset, type DatasetSpec } from "../data/index.ts";
import { cifar10TrainingFiles } from "../data/cifar10.ts";
import { GAUSSIAN_DEFAULT_DIM } from "../data/gaussian.ts";
import { networkProblem, spectrumSummary, type SpectrumSummary } from "../problem/ntkProblem.ts";
import type { NtkFormula } from "../problem/ntk.ts";
import type { FitMethod } from "../problem/fits.ts";
import { augmentedGram, initNetwork, networkInitSeed, preActivations, type NetworkParams } from "../model/network.ts";
import { encodeNpy, parseNpy } from "../io/npy.ts";
import type { ConfigIssue, DatasetProblemConfig } from "../config/schema.ts";
import { InputError } from "../config/inputError.ts";
import { codeVersion } from "./codeVersion.ts";
import { digest, hashOf } from "../config/hash.ts";
import { withFileLock, type LockHolder } from "./lock.ts";

/** The network of a dataset problem as the nn runs need it (arrays shared with the workers). */
export interface NetworkPart {
  readonly N: number;
  readonly d: number;
  readonly H: number;
  /** inputs, N×d row-major */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w1: Float64Array;
  readonly b1: Float64Array;
  readonly w2: Float64Array;
  /** Ĝ = XXᵀ/d + 11ᵀ (N×N) and Z₀ (N×H): the Gram engine's starting point */
  readonly gram: Float64Array;
  readonly z0: Float64Array;
  /** λ_max(K_emp) of the initial network */
  readonly lambdaMax: number;
  /** N/λ_max(K_emp) */
  readonly lrScale: number;
}

export interface DatasetProblemFacts {
  readonly id: string;
  readonly dataset: string;
  readonly source: string;
  readonly N: number;
  readonly d: number;
  readonly ntk: "empirical" | "analytic";
  readonly hiddenDim: number | null;
  readonly seed: number | null;
  /** λ_max of the unscaled kernel K, and N/λ_max */
  readonly lambdaMax: number;
  readonly lrScale: number;
  readonly summary: SpectrumSummary | null;
  readonly fitError: string | null;
  readonly info: Readonly<Record<string, unknown>>;
  /** the cache folder (null when built without a cache) */
  readonly dir: string | null;
}

export interface LoadedDatasetProblem {
  readonly facts: DatasetProblemFacts;
  readonly spectrum: Spectrum;
  readonly dense?: DenseProblem;
  readonly network?: NetworkPart;
  readonly row: Record<string, string | number | null>;
  /** whether the problem came from the cache (false: built now) */
  readonly cached: boolean;
}

export interface DatasetLoadOptions {
  /** folder that a relative problem.path is resolved against (the config file's) */
  readonly baseDir?: string;
  /** experiment seed: the default of problem.seed */
  readonly seed: number;
  /** the cache root (default: <tmpdir>/powerlaw-sgd-problems); null: build without reading or writing a cache */
  readonly cacheDir?: string | null;
  /** return the dense form (K̂, eigenvectors, d₀) */
  readonly dense: boolean;
  /** return the network part (nn runs) */
  readonly network: boolean;
  /** the analytic NTK's formula (default 'exact'; 'reference': the reference's NTK_2_layer) */
  readonly ntkFormula?: NtkFormula;
  /** how ν, κ are fitted (default 'log'; 'reference': the reference's fit_line) */
  readonly fitMethod?: FitMethod;
}

/** The cache root of a results file: <db folder>/problems (a temporary folder for ':memory:'). */
export function problemCacheDir(db: string): string {
  return db === ":memory:" ? join(tmpdir(), "powerlaw-sgd-problems") : join(dirname(resolve(db)), "problems");
}

/** The loader's description of the config's data set (paths resolved against baseDir). */
export function datasetSpecOf(cfg: DatasetProblemConfig, baseDir = process.cwd()): DatasetSpec {
  const seed = cfg.data_seed;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  switch (cfg.dataset) {
    case "mnist":
      return { kind: "mnist", N: cfg.N, seed };
    case "cifar10": {
      const root = abs(cfg.path ?? "");
      const sub = join(root, "cifar-10-batches-bin");
      return { kind: "cifar10", dir: existsSync(sub) ? sub : root, N: cfg.N, seed };
    }
    case "tabular":
      return {
        kind: "tabular",
        path: abs(cfg.path ?? ""),
        target: cfg.target ?? "",
        N: cfg.N,
        seed,
        categorical: cfg.categorical ?? "onehot",
        drop: cfg.drop,
      };
    case "diamonds":
      return { kind: "diamonds", N: cfg.N, seed, categorical: cfg.categorical ?? "onehot" };
    case "gaussian":
      return { kind: "gaussian", N: cfg.N, seed, inputDim: cfg.input_dim ?? GAUSSIAN_DEFAULT_DIM };
  }
}

/** A DataError as a ConfigIssue on the config field it is about. */
export function dataIssue(cfg: DatasetProblemConfig, e: DataError): ConfigIssue {
  const m = e.message;
  const on = (field: keyof DatasetProblemConfig, allowed?: string): ConfigIssue => ({
    path: `problem.${field}`,
    message: m,
    value: cfg[field],
    ...(allowed ? { allowed } : {}),
  });
  if (/\bN = \d+ is larger than|\bN must be/.test(m)) return on("N", "at most the number of points the data set has");
  if (/target column|no target/.test(m)) return on("target", "a numeric column of the file");
  if (/cannot drop/.test(m)) return on("drop", "columns of the file");
  if (/is categorical/.test(m)) return on("categorical", '"onehot", or drop the column');
  if (/input_dim/.test(m)) return on("input_dim");
  if (cfg.path !== undefined)
    return on(
      "path",
      cfg.dataset === "cifar10"
        ? "a folder with the CIFAR-10 binary batches"
        : "a readable .csv or .parquet file with numeric or text columns",
    );
  return on("dataset");
}

async function withDataIssues<T>(cfg: DatasetProblemConfig, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DataError) throw new InputError([dataIssue(cfg, e)]);
    throw e;
  }
}

/** Digest of the data files the problem reads (tabular: the file; cifar10: the batches), '' for packaged data. */
function filesDigest(spec: DatasetSpec): string {
  const paths = spec.kind === "tabular" ? [spec.path] : spec.kind === "cifar10" ? cifar10TrainingFiles(spec.dir) : [];
  if (paths.length === 0) return "";
  const parts: string[] = [];
  for (const p of paths) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why =
        code === "ENOENT"
          ? "file not found"
          : code === "EISDIR"
            ? "not a file"
            : `cannot read the file (${code ?? (e as Error).message})`;
      throw new DataError(`${spec.kind}: ${p}: ${why}`);
    }
    parts.push(digest(bytes, 64));
  }
  return digest(parts.join(","), 64);
}

/** What defines the problem (its id is a digest of this and the code version). */
function definition(
  cfg: DatasetProblemConfig,
  spec: DatasetSpec,
  seed: number,
  files: string,
  options: Pick<DatasetLoadOptions, "ntkFormula" | "fitMethod">,
): Record<string, unknown> {
  const empirical = cfg.ntk === "empirical";
  // the reference's conventions enter only when used, so that every other problem keeps its id
  const conventions = {
    ...(!empirical && options.ntkFormula === "reference" ? { ntk_formula: "reference" } : {}),
    ...(options.fitMethod === "reference" ? { fits: "reference" } : {}),
  };
  const s = spec as Record<string, unknown>;
  return {
    kind: "dataset",
    dataset: cfg.dataset,
    N: cfg.N,
    data_seed: cfg.data_seed,
    ntk: cfg.ntk,
    hidden_dim: empirical ? cfg.hidden_dim : null,
    seed: empirical ? seed : null,
    target: s.target,
    drop: s.drop,
    categorical: s.categorical,
    input_dim: s.inputDim,
    files,
    ...conventions,
  };
}

/** Only the data set (no network, no NTK): for --dry_run, which must not build or write anything. */
export async function checkDataset(cfg: DatasetProblemConfig, baseDir?: string): Promise<Dataset> {
  return withDataIssues(cfg, () => loadDataset(datasetSpecOf(cfg, baseDir)));
}

function readArray(dir: string, name: string, length: number): Float64Array {
  const a = parseNpy(readFileSync(join(dir, `${name}.npy`)));
  if (a.data.length !== length) throw new Error(`${name}.npy has ${a.data.length} entries, expected ${length}`);
  return a.data;
}

interface CacheJson {
  readonly id: string;
  readonly version: string;
  readonly definition: Record<string, unknown>;
  readonly facts: Omit<DatasetProblemFacts, "dir">;
}

/** Reads a complete cache folder (problem.json present), or undefined when it is missing or unreadable. */
function readCache(
  dir: string,
  id: string,
  options: DatasetLoadOptions,
): Omit<LoadedDatasetProblem, "row"> | undefined {
  const metaPath = join(dir, "problem.json");
  if (!existsSync(metaPath)) return undefined;
  try {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as CacheJson;
    if (meta.id !== id) return undefined;
    const f = meta.facts;
    const { N, d } = f;
    const lambda = readArray(dir, "lambda", N);
    const c0 = readArray(dir, "c0", N);
    const spectrum: Spectrum = { N, lambda, c0 };
    const dense: DenseProblem | undefined = options.dense
      ? {
          N,
          lambda,
          c0,
          khat: readArray(dir, "khat", N * N),
          d0: readArray(dir, "residual", N),
          vectors: readArray(dir, "vectors", N * N),
        }
      : undefined;
    let network: NetworkPart | undefined;
    if (options.network) {
      if (f.hiddenDim === null) throw new Error("no network in this cache (analytic NTK)");
      const H = f.hiddenDim;
      const x = readArray(dir, "x", N * d);
      const params: NetworkParams = {
        d,
        H,
        w1: readArray(dir, "w1", H * d),
        b1: readArray(dir, "b1", H),
        w2: readArray(dir, "w2", H),
      };
      network = networkPart(x, readArray(dir, "y", N), params, f.lambdaMax);
    }
    return { facts: { ...f, dir }, spectrum, dense, network, cached: true };
  } catch {
    return undefined;
  }
}

function networkPart(
  x: Float64Array,
  y: Float64Array,
  params: NetworkParams,
  lambdaMax: number,
  gram?: Float64Array,
  z0?: Float64Array,
): NetworkPart {
  const N = y.length;
  const { d, H } = params;
  return {
    N,
    d,
    H,
    x,
    y,
    w1: params.w1,
    b1: params.b1,
    w2: params.w2,
    gram: gram ?? augmentedGram(x, N, d),
    z0: z0 ?? preActivations(params, x, N),
    lambdaMax,
    lrScale: N / lambdaMax,
  };
}

/** Writes the cache folder atomically (temporary folder, then rename); a concurrent writer's folder wins. */
function writeCache(
  root: string,
  id: string,
  files: Record<string, { data: Float64Array; shape: number[] }>,
  meta: CacheJson,
): string {
  const dir = join(root, id);
  mkdirSync(root, { recursive: true });
  const tmp = join(root, `.${id}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const [name, { data, shape }] of Object.entries(files))
      writeFileSync(join(tmp, `${name}.npy`), encodeNpy(data, shape));
    writeFileSync(
      join(tmp, "problem.json"),
      JSON.stringify(meta, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n",
    );
    if (existsSync(join(dir, "problem.json"))) return dir; // another process finished the same problem first
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // an incomplete folder (no problem.json)
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, "problem.json"))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** The problems-table row of a dataset problem. */
function problemRow(
  cfg: DatasetProblemConfig,
  f: DatasetProblemFacts,
  spectrum: Spectrum,
): Record<string, string | number | null> {
  let loss0 = 0;
  for (let k = 0; k < spectrum.N; k++) loss0 += spectrum.c0[k];
  loss0 /= 2 * spectrum.N;
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  const sm = f.summary;
  const spec = {
    ...cfg,
    seed: f.seed,
    d: f.d,
    source: f.source,
    lambda_max: f.lambdaMax,
    lr_scale: f.lrScale,
    cache: f.dir,
    data_info: f.info,
    fits: sm
      ? {
          nu: sm.nu,
          nu_std: sm.nu_std,
          kappa: sm.kappa,
          kappa_std: sm.kappa_std,
          zeta: sm.zeta,
          nu_window: sm.nu_window,
          kappa_window: sm.kappa_window,
          nu_r2: sm.nu_r2,
          kappa_r2: sm.kappa_r2,
        }
      : { error: f.fitError },
  };
  return {
    problem: f.id,
    kind: "dataset",
    dataset: f.dataset,
    N: f.N,
    nu: finite(sm?.nu),
    kappa: finite(sm?.kappa),
    lambda_min: null,
    seed: f.seed,
    zeta: finite(sm?.zeta),
    kernel: f.dir === null ? null : join(f.dir, "khat.npy"),
    residual: f.dir === null ? null : join(f.dir, "residual.npy"),
    normalize: "none",
    loss0,
    spec: JSON.stringify(spec, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x)),
  };
}

/**
 * The problem of a dataset config: from the cache when present, else built (data set → initial network → NTK
 * problem → fits) and cached. Throws InputError (nothing written) on bad data.
 */
export async function loadDatasetProblem(
  cfg: DatasetProblemConfig,
  options: DatasetLoadOptions,
): Promise<LoadedDatasetProblem> {
  const spec = datasetSpecOf(cfg, options.baseDir);
  const seed = cfg.seed ?? options.seed;
  const files = await withDataIssues(cfg, () => filesDigest(spec));
  const def = definition(cfg, spec, seed, files, options);
  const version = codeVersion();
  const id = hashOf({ ...def, version });
  const root = options.cacheDir === undefined ? join(tmpdir(), "powerlaw-sgd-problems") : options.cacheDir;
  if (options.network && cfg.ntk !== "empirical")
    throw new InputError([
      {
        path: "problem.ntk",
        message: "nn runs need the initial network's empirical NTK",
        value: cfg.ntk,
        allowed: '"empirical"',
      },
    ]);
  const hit = root === null ? undefined : readCache(join(root, id), id, options);
  if (hit) return { ...hit, row: problemRow(cfg, hit.facts, hit.spectrum) };
  const key: BuildKey = { spec, seed, def, id, version, root };
  if (root === null) return buildDatasetProblem(cfg, options, key);
  // one process builds it (O(N³): minutes at N = 10⁴); the others — shards, parallel loaders — wait for its lock
  // and read what it cached; under the lock, temporary folders of a builder that was killed are leftovers
  mkdirSync(root, { recursive: true });
  const onWait = (h: LockHolder | null) =>
    process.stderr.write(
      `problem ${id}: waiting for ${h ? `process ${h.pid} on ${h.host}` : "another process"}, which is building it\n`,
    );
  return withFileLock(
    join(root, `.${id}.lock`),
    () => {
      const built = readCache(join(root, id), id, options);
      if (built) return { ...built, row: problemRow(cfg, built.facts, built.spectrum) };
      for (const name of readdirSync(root))
        if (name.startsWith(`.${id}.tmp-`)) rmSync(join(root, name), { recursive: true, force: true });
      return buildDatasetProblem(cfg, options, key);
    },
    { onWait },
  );
}

/** What identifies a dataset problem and where it is cached (root null: not cached). */
interface BuildKey {
  readonly spec: DatasetSpec;
  readonly seed: number;
  readonly def: Record<string, unknown>;
  readonly id: string;
  readonly version: string;
  readonly root: string | null;
}

/** Builds a dataset problem (data set → initial network → NTK problem → fits) and caches it under key.root. */
async function buildDatasetProblem(
  cfg: DatasetProblemConfig,
  options: DatasetLoadOptions,
  key: BuildKey,
): Promise<LoadedDatasetProblem> {
  const { spec, seed, def, id, version, root } = key;
  const data = await withDataIssues(cfg, () => loadDataset(spec));
  const empirical = cfg.ntk === "empirical";
  const params = empirical ? initNetwork(data.d, cfg.hidden_dim, networkInitSeed(seed)) : null;
  const np = networkProblem(data, params, { ntk: cfg.ntk, ntkFormula: options.ntkFormula });
  let summary: SpectrumSummary | null = null;
  let fitError: string | null = null;
  try {
    const method = options.fitMethod ?? "log";
    summary = spectrumSummary(np.problem, { nu: { method }, kappa: { method } });
  } catch (e) {
    fitError = (e as Error).message; // too few points in a fit window (tiny N)
  }
  const { N } = data;
  const facts: Omit<DatasetProblemFacts, "dir"> = {
    id,
    dataset: data.name,
    source: data.source,
    N,
    d: data.d,
    ntk: cfg.ntk,
    hiddenDim: empirical ? cfg.hidden_dim : null,
    seed: empirical ? seed : null,
    lambdaMax: np.lambdaMax,
    lrScale: np.lrScale,
    summary,
    fitError,
    info: data.info,
  };
  const p = np.problem;
  const arrays: Record<string, { data: Float64Array; shape: number[] }> = {
    khat: { data: p.khat, shape: [N, N] },
    residual: { data: p.d0, shape: [N] },
    lambda: { data: p.lambda, shape: [N] },
    c0: { data: p.c0, shape: [N] },
    vectors: { data: p.vectors, shape: [N, N] },
    x: { data: data.x, shape: [N, data.d] },
    y: { data: data.y, shape: [N] },
  };
  if (params)
    Object.assign(arrays, {
      w1: { data: params.w1, shape: [params.H, params.d] },
      b1: { data: params.b1, shape: [params.H] },
      w2: { data: params.w2, shape: [params.H] },
    });
  const dir = root === null ? null : writeCache(root, id, arrays, { id, version, definition: def, facts });
  const full: DatasetProblemFacts = { ...facts, dir };
  const network =
    options.network && params ? networkPart(data.x, data.y, params, np.lambdaMax, np.gram, np.z0) : undefined;
  return {
    facts: full,
    spectrum: { N, lambda: p.lambda, c0: p.c0 },
    dense: options.dense ? p : undefined,
    network,
    row: problemRow(cfg, full, p),
    cached: false,
  };
}
