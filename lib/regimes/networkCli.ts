/**
 * The network commands of the CLI (registered by lib/cli.ts):
 *
 *   compare   the reference's train_4_regimes_serial.py: one initial network on a data set; its empirical NTK
 *             (rescaled to λ_max = N) and initial residual define a kernel problem on which the runner runs
 *             SD for every τ, the full dynamics (N ≤ --full_max_N, or --full on) and --linearized_runs
 *             linearized replicates; then --nn_runs trainings of the network itself (replicate r shares the
 *             batches of linearized replicate r). Everything goes to the store under one experiment.
 *   nn        the network runs alone (train_nn.py), with the same problem row and spectrum stored.
 *   spectrum  the NTK spectrum of a data set: ν, κ (mean ± std over sub-windows), ζ = κ/ν, λ_k and C_k
 *             summaries, as JSON (or a table); stored as a problem when --db is given.
 *
 * How compare reaches the runner without a network problem kind in the experiment config: the rescaled
 * kernel N·K̂ and the residual d₀ are written as .npy files to <db folder>/problems/<id>/ and the
 * kernel-regime part becomes an ordinary experiment with problem {kind: 'kernel', normalize: 'none'}
 * (resumable, run on worker threads). Before that, the problem row is stored with the network's facts
 * (kind 'dataset', the data set's name, fitted ν, κ, ζ; spec: data set, hidden width, seeds, λ_max(K_emp),
 * lr_scale) under the id the runner derives from those files, so the runner's own row is a no-op. The
 * network runs are then written by this module through the same Store, with the same resume rule
 * (finished runs with the same config hash and code version are skipped).
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs, formatHelp, type ParsedArgs } from "../run/args.ts";
import { flagLabel, flagsToExperiment } from "../run/flags.ts";
import { NETWORK_COMMANDS, type NetworkCommand } from "./networkCommands.ts";
import { formatIssue, parseExperiment, type ConfigIssue, type Experiment } from "../run/config.ts";
import { expandSettings, type RunSpec } from "../run/expand.ts";
import { readKernelFiles } from "../run/problem.ts";
import { defaultConcurrency, runExperiment, runHash, runRow, type PlannedRun } from "../run/runner.ts";
import { codeVersion } from "../run/codeVersion.ts";
import { hashOf } from "../run/hash.ts";
import { CurveBatcher, stepFilter } from "../run/record.ts";
import { Store, type FinishedRun, type Row } from "../store/store.ts";
import { toTable } from "../store/format.ts";
import { encodeNpy } from "../io/npy.ts";
import { makeSchedule } from "../schedule/index.ts";
import { denseKernels } from "../linalg/kernels.ts";
import { DataError, loadDataset, type Dataset, type DatasetSpec } from "../data/index.ts";
import { networkProblem, spectrumSummary, type NetworkProblem, type NtkKind, type SpectrumSummary } from "../problem/ntkProblem.ts";
import { initNetwork, networkInitSeed, type NetworkParams } from "./networkModel.ts";
import { network, prepareNetwork, type NetworkSetup } from "./network.ts";
import type { RunOutcome, StepRecord } from "../types.ts";

export interface CommandIo {
  out(s: string): void;
  err(s: string): void;
}

export { NETWORK_COMMANDS, type NetworkCommand };

export const NETWORK_EXIT = { ok: 0, failure: 1, input: 2, interrupted: 130 } as const;


/** The data set a command's flags describe (problems listed, not thrown). */
export function datasetSpecFromFlags(v: Record<string, unknown>, given: Set<string>): { spec?: DatasetSpec; problems: string[] } {
  const problems: string[] = [];
  const N = v.N as number;
  const seed = v.data_seed as number;
  const kind = v.dataset as string;
  const tabularOnly = ["data_file", "target", "drop"].filter((f) => given.has(f));
  if (kind !== "tabular" && tabularOnly.length) problems.push(`${tabularOnly.map((f) => `--${f}`).join(", ")} only apply to --dataset tabular`);
  if (kind !== "cifar10" && given.has("data_root")) problems.push("--data_root only applies to --dataset cifar10");
  switch (kind) {
    case "mnist":
      return { spec: { kind: "mnist", N, seed }, problems };
    case "diamonds":
      return { spec: { kind: "diamonds", N, seed, categorical: v.categorical as "onehot" | "error" }, problems };
    case "cifar10": {
      const root = v.data_root as string;
      const sub = join(root, "cifar-10-batches-bin");
      return { spec: { kind: "cifar10", dir: existsSync(sub) ? sub : root, N, seed }, problems };
    }
    case "tabular": {
      if (!given.has("data_file")) problems.push("--dataset tabular needs --data_file FILE (.csv or .parquet)");
      if (!given.has("target")) problems.push("--dataset tabular needs --target COLUMN");
      return {
        spec: { kind: "tabular", path: (v.data_file as string) ?? "", target: (v.target as string) ?? "", N, seed, categorical: v.categorical as "onehot" | "error", drop: v.drop as string[] | undefined },
        problems,
      };
    }
  }
  problems.push(`--dataset: unknown data set ${JSON.stringify(kind)}`);
  return { problems };
}

/** A loaded data set, its initial network and NTK problem, and the spectral fits. */
export interface NetworkStudy {
  readonly dataset: Dataset;
  readonly datasetSpec: DatasetSpec;
  readonly hidden: number;
  readonly seed: number;
  readonly params: NetworkParams | null;
  readonly np: NetworkProblem;
  readonly summary: SpectrumSummary | null;
  readonly fitError: string | null;
}

/**
 * Loads the data, initialises the network from `new Rng(networkInitSeed(seed))` (a stream no run's batches
 * use) and builds its NTK problem (O(N²H) + one eigendecomposition).
 */
export async function buildStudy(spec: DatasetSpec, hidden: number, seed: number, ntk: NtkKind = "empirical"): Promise<NetworkStudy> {
  const dataset = await loadDataset(spec);
  const params = ntk === "empirical" ? initNetwork(dataset.d, hidden, networkInitSeed(seed)) : null;
  const np = networkProblem(dataset, params, { ntk });
  let summary: SpectrumSummary | null = null;
  let fitError: string | null = null;
  try {
    summary = spectrumSummary(np.problem);
  } catch (e) {
    fitError = (e as Error).message; // too few points in the fit window (tiny N)
  }
  return { dataset, datasetSpec: spec, hidden, seed, params, np, summary, fitError };
}

function specJson(s: NetworkStudy, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const sm = s.summary;
  return {
    dataset: s.datasetSpec, source: s.dataset.source, N: s.dataset.N, d: s.dataset.d, ntk: s.np.ntk,
    hidden_dim: s.np.ntk === "empirical" ? s.hidden : null, seed: s.np.ntk === "empirical" ? s.seed : null,
    lambda_max: s.np.lambdaMax, lr_scale: s.np.lrScale, data_info: s.dataset.info,
    fits: sm ? { nu: sm.nu, nu_std: sm.nu_std, kappa: sm.kappa, kappa_std: sm.kappa_std, zeta: sm.zeta, nu_window: sm.nu_window, kappa_window: sm.kappa_window, nu_r2: sm.nu_r2, kappa_r2: sm.kappa_r2 } : { error: s.fitError },
    ...extra,
  };
}

/** The problems-table row of a study under a given id. */
export function problemRow(id: string, s: NetworkStudy, files: { kernel: string | null; residual: string | null }): Row {
  const { problem } = s.np;
  let loss0 = 0;
  for (let k = 0; k < problem.N; k++) loss0 += problem.c0[k];
  loss0 /= 2 * problem.N;
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
  return {
    problem: id, kind: "dataset", dataset: s.dataset.name, N: problem.N,
    nu: finite(s.summary?.nu), kappa: finite(s.summary?.kappa), lambda_min: null, seed: s.np.ntk === "empirical" ? s.seed : null,
    zeta: finite(s.summary?.zeta), kernel: files.kernel, residual: files.residual, normalize: "none", loss0,
    spec: JSON.stringify(specJson(s), (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x)),
  };
}

/**
 * Writes N·K̂ (λ_max = N) and d₀ as .npy under <dbDir>/problems/<key>/ (the kernel file is named after the
 * data set, which becomes runs.dataset) and returns the paths and the id the runner gives that problem.
 */
export function writeProblemFiles(s: NetworkStudy, dbPath: string): { kernel: string; residual: string; id: string } {
  const key = hashOf({ dataset: s.datasetSpec, N: s.dataset.N, hidden: s.hidden, seed: s.seed, ntk: s.np.ntk, version: codeVersion() });
  const dir = join(dirname(resolve(dbPath)), "problems", key);
  mkdirSync(dir, { recursive: true });
  const { N, khat, d0 } = s.np.problem;
  const K = new Float64Array(N * N);
  for (let i = 0; i < K.length; i++) K[i] = N * khat[i];
  const kernel = join(dir, `${s.dataset.name}.npy`);
  const residual = join(dir, "residual.npy");
  writeFileSync(kernel, encodeNpy(K, [N, N]));
  writeFileSync(residual, encodeNpy(d0, [N]));
  // the runner's problem id for {kind: 'kernel', normalize: 'none'} (lib/run/problem.ts loadProblem)
  const files = readKernelFiles(kernel, residual);
  return { kernel, residual, id: hashOf({ kind: "kernel", normalize: "none", files: files.digest }) };
}

/** A network run's spec: the runner's RunSpec fields plus what defines a network run. */
export interface NnRunSpec extends Omit<RunSpec, "regime"> {
  readonly regime: "nn";
  readonly hiddenDim: number;
  readonly applyLrScale: boolean;
  readonly engine: NnEngine;
}

export type NnEngine = "gram" | "tfjs";

/** The network runs of an experiment: every setting × replicates 0..R−1. */
export function expandNnRuns(e: Experiment, replicates: number, hiddenDim: number, applyLrScale: boolean, engine: NnEngine = "gram"): NnRunSpec[] {
  const out: NnRunSpec[] = [];
  for (const st of expandSettings(e)) {
    for (let r = 0; r < replicates; r++) {
      out.push({
        index: out.length, regime: "nn", tau: null, ...st, nSteps: e.n_steps, replicate: r, seed: e.seed, optimizer: null,
        record: e.record, trackEvery: 0, divergenceFactor: e.divergence_factor, hiddenDim, applyLrScale, engine,
      });
    }
  }
  return out;
}

export interface NnRunsResult {
  readonly total: number;
  readonly skipped: number;
  readonly done: number;
  readonly diverged: number;
  readonly failed: number;
  readonly interrupted: boolean;
}

/** Runs the network runs (in this thread) into the store, skipping finished ones (same hash, same code version). */
export async function runNnRuns(
  store: Store, experiment: string, problem: { id: string; dataset: string; N: number }, setup: NetworkSetup, specs: readonly NnRunSpec[],
  options: { signal?: AbortSignal; log?: (s: string) => void; backend?: string } = {},
): Promise<NnRunsResult> {
  const version = codeVersion();
  const existing = await store.existingRuns(experiment, version);
  const counts = { done: 0, diverged: 0, failed: 0 };
  let skipped = 0;
  const todo: { spec: NnRunSpec; hash: string }[] = [];
  const redo: number[] = [];
  for (const spec of specs) {
    const hash = runHash(problem.id, spec as unknown as RunSpec);
    const prev = existing.get(hash);
    if (prev && (prev.status === "done" || prev.status === "diverged")) skipped++;
    else {
      if (prev) redo.push(prev.runId);
      todo.push({ spec, hash });
    }
  }
  await store.deleteRuns(redo);
  if (todo.length === 0) return { total: specs.length, skipped, ...counts, interrupted: false };
  await store.startStreaming();
  let nextId = (await store.maxRunId()) + 1;
  // the tfjs engine is loaded only when asked for (importing tfjs costs ~0.3 s)
  const usesTf = todo.some(({ spec }) => spec.engine === "tfjs");
  const tfjs = usesTf ? await import("./networkTf.ts") : null;
  const tfBackend = usesTf ? await (await import("../tf/backend.ts")).selectBackend(options.backend ?? "auto") : null;
  let n = 0;
  for (const { spec, hash } of todo) {
    if (options.signal?.aborted) return { total: specs.length, skipped, ...counts, interrupted: true };
    const runId = nextId++;
    const backend = spec.engine === "tfjs" ? `tfjs-${tfBackend}` : `gram-f64:${denseKernels().name}`;
    const planned: PlannedRun = { runId, spec: spec as unknown as RunSpec, configHash: hash };
    const t0 = performance.now();
    store.addRun(runRow(experiment, problem as never, planned, Date.now(), version));
    await store.commit([]);
    const batcher = new CurveBatcher(stepFilter(spec.record, spec.nSteps), 4096, (s, l) => store.addCurve(runId, s, l));
    let finished: FinishedRun;
    let finalLoss = NaN;
    let interrupted = false;
    try {
      const runOptions = {
        schedule: makeSchedule(spec.schedule), batchSize: spec.batchSize, nSteps: spec.nSteps, divergenceFactor: spec.divergenceFactor,
        seed: spec.seed, replicate: spec.replicate, applyLrScale: spec.applyLrScale,
      };
      const run: Generator<StepRecord, RunOutcome, void> = spec.engine === "tfjs" ? tfjs!.networkTf(setup, runOptions) : network(setup, runOptions);
      let r: IteratorResult<StepRecord, RunOutcome> = run.next();
      let lastCommit = performance.now();
      while (!r.done) {
        finalLoss = r.value.loss;
        batcher.push(r.value.step, r.value.loss);
        if (options.signal?.aborted) {
          interrupted = true;
          break;
        }
        if (performance.now() - lastCommit > 2000) {
          batcher.flush();
          await store.commit([]);
          lastCommit = performance.now();
        }
        r = run.next();
      }
      if (interrupted) {
        await store.commit([]);
        await store.deleteRuns([runId]);
        return { total: specs.length, skipped, ...counts, interrupted: true };
      }
      batcher.finish();
      const o = r.value as RunOutcome;
      finished = { runId, status: o.status, divergedAt: o.divergedAt, steps: o.steps, finalLoss, error: null, backend, finishedAt: Date.now(), durationMs: performance.now() - t0 };
    } catch (e) {
      batcher.flush();
      finished = { runId, status: "failed", divergedAt: null, steps: 0, finalLoss: null, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), backend, finishedAt: Date.now(), durationMs: performance.now() - t0 };
    }
    await store.commit([finished]);
    counts[finished.status as "done" | "diverged" | "failed"]++;
    n++;
    options.log?.(`nn run ${n}/${todo.length} (lr ${spec.lr}, momentum ${spec.momentum ?? "schedule"}, b ${spec.batchSize}, replicate ${spec.replicate}): ` +
      `${finished.status}${finished.error ? ` (${finished.error})` : ""}, ${finished.steps} steps, final loss ${Number(finished.finalLoss).toPrecision(4)}, ${(finished.durationMs / 1000).toFixed(1)} s\n`);
  }
  return { total: specs.length, skipped, ...counts, interrupted: false };
}

function usageError(io: CommandIo, command: string, problems: string[]): number {
  io.err(`error: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join("\n  ")}`}\n(see powerlaw-sgd ${command} --help)\n`);
  return NETWORK_EXIT.input;
}

function parseCommand(command: NetworkCommand, argv: readonly string[]): ParsedArgs {
  return parseArgs(argv, NETWORK_COMMANDS[command].flags);
}

/** Validates the sweep part through the runner's config schema (a placeholder kernel problem stands in). */
function sweepExperiment(command: "compare" | "nn", a: ParsedArgs, regimes: unknown[]): { experiment?: Experiment; issues: ConfigIssue[] } {
  const { input, issues } = flagsToExperiment("linearized", a.values, a.given);
  const doc = {
    ...(input as Record<string, unknown>),
    experiment: (a.values.experiment as string | undefined) ?? command,
    problem: { kind: "kernel", kernel: "(network NTK)", residual: "(network residual)", normalize: "none" },
    regimes: regimes.length ? regimes : [{ regime: "full" }],
  };
  const parsed = parseExperiment(doc);
  const all = [...issues, ...(parsed.ok ? [] : parsed.issues)].filter((i) => ![...a.badFlags].some((f) => flagLabel(i.path).startsWith(`--${f} `)));
  return { experiment: parsed.ok && issues.length === 0 ? parsed.value : undefined, issues: all };
}

/** Entry point for lib/cli.ts: runs `compare`, `nn` or `spectrum` and returns the exit code. */
export async function runNetworkCommand(command: NetworkCommand, argv: readonly string[], io: CommandIo, signal?: AbortSignal): Promise<number> {
  const spec = NETWORK_COMMANDS[command];
  const a = parseCommand(command, argv);
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return NETWORK_EXIT.ok;
  }
  const problems = [...a.errors];
  if (a.positionals.length) problems.push(`unexpected argument(s): ${a.positionals.join(" ")}`);
  const v = a.values;
  const ds = datasetSpecFromFlags(v, a.given);
  problems.push(...ds.problems);
  for (const f of ["N", "hidden_dim", "nn_runs", "linearized_runs", "full_max_N"]) {
    const x = v[f];
    if (x !== undefined && !(Number.isInteger(x) && (x as number) >= (f === "N" ? 2 : f === "linearized_runs" || f === "nn_runs" ? 0 : 1))) {
      problems.push(`--${f} must be an integer ≥ ${f === "N" ? 2 : f === "linearized_runs" || f === "nn_runs" ? 0 : 1}, got ${String(x)}`);
    }
  }
  if (command === "spectrum") {
    if (problems.length) return usageError(io, command, problems);
    return spectrumCommand(io, a, ds.spec!);
  }
  const regimes: unknown[] = [];
  let fullOn = false;
  if (command === "compare") {
    regimes.push({ regime: "sd", tau: v.tau });
    fullOn = v.full === "on" || (v.full === "auto" && (v.N as number) <= (v.full_max_N as number));
    if (fullOn) regimes.push({ regime: "full" });
    if ((v.linearized_runs as number) > 0) regimes.push({ regime: "linearized", replicates: v.linearized_runs, optimizer: "sgd" });
  }
  const sw = sweepExperiment(command, a, regimes);
  const bs = (v.batch_size as number[] | undefined) ?? [];
  bs.forEach((b, i) => {
    if (Number.isInteger(b) && b > (v.N as number)) problems.push(`--batch_size item ${i + 1}: ${b} is larger than N = ${String(v.N)}`);
  });
  if (problems.length || sw.issues.length || !sw.experiment) {
    const n = problems.length + sw.issues.length;
    io.err(`error: ${n} problem${n === 1 ? "" : "s"} with the input (nothing was run or written):\n`);
    for (const p of problems) io.err(`  ${p}\n`);
    for (const i of sw.issues) io.err(`  ${formatIssue(i, flagLabel(i.path))}\n`);
    return NETWORK_EXIT.input;
  }
  return trainCommand(io, command, a, ds.spec!, sw.experiment, regimes, signal);
}

async function loadStudy(io: CommandIo, spec: DatasetSpec, hidden: number, seed: number, ntk: NtkKind): Promise<NetworkStudy | number> {
  try {
    return await buildStudy(spec, hidden, seed, ntk);
  } catch (e) {
    if (e instanceof DataError) {
      io.err(`error: ${e.message}\n`);
      return NETWORK_EXIT.input;
    }
    throw e;
  }
}

async function spectrumCommand(io: CommandIo, a: ParsedArgs, spec: DatasetSpec): Promise<number> {
  const v = a.values;
  const study = await loadStudy(io, spec, v.hidden_dim as number, v.seed as number, v.ntk as NtkKind);
  if (typeof study === "number") return study;
  const s = study.summary;
  const out = {
    dataset: study.dataset.name, source: study.dataset.source, N: study.dataset.N, d: study.dataset.d, ntk: study.np.ntk,
    hidden_dim: study.np.ntk === "empirical" ? study.hidden : null, seed: study.np.ntk === "empirical" ? study.seed : null,
    lambda_max: study.np.lambdaMax, lr_scale: study.np.lrScale,
    ...(s ?? { nu: null, nu_std: null, kappa: null, kappa_std: null, zeta: null, fit_error: study.fitError }),
  };
  if (v.db !== undefined) {
    const id = hashOf({ kind: "dataset", spec: specJson(study), version: codeVersion() });
    const store = await Store.open(v.db as string);
    try {
      await store.putProblem(problemRow(id, study, { kernel: null, residual: null }), study.np.problem.lambda, study.np.problem.c0);
    } finally {
      await store.close();
    }
    (out as Record<string, unknown>).problem = id;
  }
  if (v.format === "table") {
    const rows: [string, unknown][] = Object.entries(out).filter(([k]) => k !== "lambda" && k !== "c").map(([k, x]) => [k, Array.isArray(x) ? JSON.stringify(x) : x]);
    io.out(toTable({ columns: ["quantity", "value"], rows: rows.map(([k, x]) => [k, (typeof x === "number" ? Number(x.toPrecision(6)) : x ?? null) as never]) }));
    if (s) io.out(toTable({ columns: ["k", "lambda", "C"], rows: s.lambda.map((l, i) => [l.k, Number(l.value.toPrecision(6)), Number(s.c[i].value.toPrecision(6))]) }));
  } else {
    io.out(JSON.stringify(out, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x), 2) + "\n");
  }
  return NETWORK_EXIT.ok;
}

async function trainCommand(
  io: CommandIo, command: "compare" | "nn", a: ParsedArgs, spec: DatasetSpec, e: Experiment, regimes: unknown[], signal?: AbortSignal,
): Promise<number> {
  const v = a.values;
  const quiet = Boolean(v.quiet);
  const log = (s: string) => {
    if (!quiet) io.err(s);
  };
  if (v.save_dir !== undefined) io.err(`note: --save_dir is ignored; results go to ${v.db as string}\n`);
  const t0 = performance.now();
  const hidden = v.hidden_dim as number;
  const study = await loadStudy(io, spec, hidden, e.seed, "empirical");
  if (typeof study === "number") return study;
  const { np, dataset } = study;
  log(`${dataset.name}: N = ${dataset.N}, d = ${dataset.d}; network H = ${hidden}, seed ${e.seed}; λ_max(K_emp) = ${np.lambdaMax.toPrecision(6)}, ` +
    `lr_scale = ${np.lrScale.toPrecision(6)}${study.summary ? `; ν = ${study.summary.nu.toFixed(3)}, κ = ${study.summary.kappa.toFixed(3)}, ζ = ${study.summary.zeta.toFixed(3)}` : ""} ` +
    `(${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  const db = v.db as string;
  const files = writeProblemFiles(study, db);
  const applyLrScale = v.lr_scale !== "none";
  const nnRuns = v.nn_runs as number;
  const engine = v.nn_engine as NnEngine;
  const nnSpecs = expandNnRuns(e, nnRuns, hidden, applyLrScale, engine);
  const network = {
    dataset: spec, hidden_dim: hidden, seed: e.seed, nn_runs: nnRuns, lr_scale: applyLrScale ? "apply" : "none", lr_scale_value: np.lrScale,
    lambda_max: np.lambdaMax, engine, ...(engine === "tfjs" ? { backend: v.backend } : {}),
  };
  const kernelPart: Experiment = { ...e, problem: { kind: "kernel", kernel: files.kernel, residual: files.residual, normalize: "none" }, regimes: e.regimes };
  const configForStore = { ...kernelPart, regimes: command === "compare" ? kernelPart.regimes : [], network };
  // 1. the problem row with the network's facts, under the runner's id for these files
  let store = await Store.open(db);
  try {
    await store.recover();
    await store.putProblem(problemRow(files.id, study, files), np.problem.lambda, np.problem.c0);
  } finally {
    await store.close();
  }
  // 2. the kernel regimes through the runner
  let runnerTotal = 0;
  let failed = 0;
  if (command === "compare" && regimes.length > 0) {
    const summary = await runExperiment(kernelPart, {
      db, concurrency: (v.concurrency as number | undefined) ?? defaultConcurrency(), baseDir: process.cwd(), progress: !quiet, signal, configForStore,
    });
    runnerTotal = summary.total;
    failed += summary.failed;
    io.out(`${summary.experiment}: kernel regimes: ${summary.total} runs: ${summary.done} done, ${summary.diverged} diverged, ${summary.failed} failed` +
      `${summary.skipped ? `, ${summary.skipped} skipped (already finished)` : ""}${summary.interrupted ? ", interrupted" : ""} · ${summary.seconds.toFixed(1)} s\n`);
    if (summary.interrupted) return NETWORK_EXIT.interrupted;
  }
  // 3. the network runs
  if (nnSpecs.length > 0) {
    const setup = prepareNetwork(dataset, study.params!, { lambdaMax: np.lambdaMax, gram: np.gram, z0: np.z0 });
    store = await Store.open(db);
    try {
      await store.recover();
      await store.upsertExperiment({ experiment: e.experiment, description: e.description ?? null, config: configForStore, codeVersion: codeVersion(), nRuns: runnerTotal + nnSpecs.length });
      const t1 = performance.now();
      const r = await runNnRuns(store, e.experiment, { id: files.id, dataset: dataset.name, N: dataset.N }, setup, nnSpecs, { signal, log, backend: v.backend as string });
      failed += r.failed;
      io.out(`${e.experiment}: network: ${r.total} runs: ${r.done} done, ${r.diverged} diverged, ${r.failed} failed` +
        `${r.skipped ? `, ${r.skipped} skipped (already finished)` : ""}${r.interrupted ? ", interrupted" : ""} · ${((performance.now() - t1) / 1000).toFixed(1)} s · ${db}\n`);
      if (r.interrupted) return NETWORK_EXIT.interrupted;
    } finally {
      await store.close();
    }
  }
  if (failed > 0) {
    io.err(`${failed} run(s) failed; see: powerlaw-sgd query "SELECT run_id, regime, lr, momentum, batch_size, error FROM runs WHERE status = 'failed'" --db ${db}\n`);
    return NETWORK_EXIT.failure;
  }
  return NETWORK_EXIT.ok;
}

