/**
 * The experiment runner: config → problem → run list → RxJS pipeline over worker threads → DuckDB store.
 *
 *   from(todo) ─ mergeMap(runOnWorker, concurrency) ─ bufferTime(commitMs) ─ concatMap(store batch)
 *
 * Each run is an Observable of events (start, curve batches, modes, progress, end) produced by one worker;
 * runs merge with bounded concurrency (default: one worker per core); the merged stream is cut into
 * time slices that the single store connection applies in order (appends, then one commit that flips the
 * finished runs' statuses). A run ends 'done', 'diverged' or 'failed'; a failed run never stops the sweep.
 * Resume: runs already 'done'/'diverged' with the same config hash and code version are skipped;
 * 'running' leftovers of a killed process are deleted and redone, and so are 'failed' runs.
 * Abort (SIGINT/SIGTERM via options.signal): no new runs start, workers are terminated, finished runs
 * are committed, unfinished ones deleted, the file checkpointed and closed.
 * Problems are prepared before anything is written (planExperiment): dataset problems — a data set, one initial
 * network and its NTK — load asynchronously and are cached under <db folder>/problems/<id>/ (lib/prepare/dataset.ts);
 * the workers receive the problem once, in shared memory, with the network's arrays when nn runs are planned.
 */
import { availableParallelism } from "node:os";
import {
  Observable,
  Subject,
  bufferTime,
  concatMap,
  defer,
  filter,
  from,
  mergeMap,
  takeUntil,
  lastValueFrom,
  tap,
  fromEvent,
  take,
} from "rxjs";
import type { Worker } from "node:worker_threads";
import { batchNoise } from "../theory/batchNoise.ts";
import { Store, type FinishedRun, type Row } from "../store/store.ts";
import { recordShard } from "../store/shards.ts";
import { expandRuns, shardRuns, type RunSpec } from "../config/expand.ts";
import { recordLabel } from "./record.ts";
import { checkBatchSizes, type Experiment } from "../config/schema.ts";
import { hashOf } from "../config/hash.ts";
import { codeVersion } from "../prepare/codeVersion.ts";
import { InputError, prepareProblem, sharedProblem, type LoadedProblem } from "../prepare/problem.ts";
import { problemCacheDir } from "../prepare/dataset.ts";
import { WorkerPool } from "./pool.ts";
import { workerEntry } from "./workerBundle.ts";
import { Progress } from "./progress.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

export interface RunnerOptions {
  /** DuckDB file */
  readonly db: string;
  /** worker threads (default: number of cores) */
  readonly concurrency?: number;
  /** folder that relative kernel/residual paths are resolved against */
  readonly baseDir?: string;
  /** show progress on stderr (default true) */
  readonly progress?: boolean | Progress;
  /** abort the sweep (SIGINT/SIGTERM) */
  readonly signal?: AbortSignal;
  /** run only shard i of n (1-based) */
  readonly shard?: { index: number; count: number };
  /** store commit interval (default 200 ms) */
  readonly commitMs?: number;
  /** observe every event (tests, live sinks) */
  readonly onEvent?: (e: RunnerEvent) => void;
  /** the config as the user wrote it, stored in experiments.config (default: the parsed one) */
  readonly configForStore?: unknown;
  /** where dataset problems are cached (default: <db folder>/problems) */
  readonly problemCache?: string;
}

export interface PlannedRun {
  readonly runId: number;
  readonly spec: RunSpec;
  readonly configHash: string;
}

/** A run of the sweep that an earlier call finished (same config hash and code version): skipped. */
export interface SkippedRun {
  readonly runId: number;
  readonly spec: RunSpec;
  readonly configHash: string;
  readonly status: "done" | "diverged";
}

export type RunnerEvent =
  /** once, before any run starts: the runs to do and those skipped (for live sinks) */
  | {
      readonly type: "plan";
      readonly experiment: string;
      readonly db: string;
      readonly problem: { readonly id: string; readonly N: number; readonly dataset: string | null };
      readonly runs: readonly PlannedRun[];
      readonly skipped: readonly SkippedRun[];
      readonly at: number;
    }
  /** once, when the sweep ends (interrupted: aborted; unfinished runs are deleted from the store) */
  | { readonly type: "finish"; readonly interrupted: boolean; readonly at: number }
  | { readonly type: "start"; readonly run: PlannedRun; readonly at: number }
  | (FromWorker & { readonly type: "curve" | "modes" | "progress" })
  | (Extract<FromWorker, { type: "end" }> & { readonly at: number });

export interface RunSummary {
  readonly experiment: string;
  readonly db: string;
  readonly total: number;
  readonly skipped: number;
  readonly done: number;
  readonly diverged: number;
  readonly failed: number;
  readonly interrupted: boolean;
  readonly curveRows: number;
  readonly seconds: number;
  /** main-thread time spent appending to and committing the store */
  readonly storeSeconds: number;
}

export function defaultConcurrency(): number {
  return Math.max(1, availableParallelism());
}

/** The identity of a run: everything that determines its rows. */
export function runHash(problemId: string, spec: RunSpec): string {
  const { index: _index, ...rest } = spec;
  return hashOf({ problem: problemId, ...rest });
}

export { recordLabel };

export function runRow(
  experiment: string,
  problem: LoadedProblem,
  run: PlannedRun,
  startedAt: number,
  version: string,
): Row {
  const s = run.spec;
  const sch = s.schedule;
  return {
    run_id: run.runId,
    experiment,
    problem: problem.id,
    config_hash: run.configHash,
    code_version: version,
    regime: s.regime,
    tau: s.tau,
    lr: s.lr,
    momentum: s.momentum,
    batch_size: s.batchSize,
    schedule: sch.kind,
    sched_a: sch.kind === "jacobi" ? sch.a : null,
    sched_b: sch.kind === "jacobi" ? sch.b : null,
    sched_p: sch.kind === "power" ? sch.p : null,
    sched_n0: sch.kind === "power" ? sch.n0 : null,
    jacobi_indexing: sch.kind === "jacobi" ? (sch.indexing ?? "exact") : null,
    optimizer: s.optimizer,
    n_steps: s.nSteps,
    replicate: s.replicate,
    seed: s.seed,
    dataset: problem.dataset,
    N: problem.N,
    gamma: batchNoise(problem.N, s.batchSize),
    record: recordLabel(s),
    track_every: s.trackEvery,
    divergence_factor: s.divergenceFactor,
    status: "running",
    diverged_at: null,
    steps: null,
    final_loss: null,
    error: null,
    backend: null,
    started_at: startedAt,
    finished_at: null,
    duration_ms: null,
    lr_scale: s.regime === "nn" ? (s.lrScale ?? problem.lrScale) : null,
    lr_scale_applied: s.regime === "nn" ? (s.applyLrScale ?? true) : null,
    hidden_dim: problem.hiddenDim,
  };
}

/** One run on a worker as an Observable of its events (start … end). */
function runOnWorker(pool: WorkerPool, run: PlannedRun): Observable<RunnerEvent> {
  return new Observable<RunnerEvent>((sub) => {
    let worker: Worker;
    try {
      worker = pool.acquire();
    } catch (e) {
      sub.error(e);
      return;
    }
    let ended = false;
    const t0 = performance.now();
    const fail = (error: string) => {
      if (ended) return;
      ended = true;
      pool.discard(worker);
      sub.next({
        type: "end",
        runId: run.runId,
        status: "failed",
        divergedAt: null,
        steps: 0,
        finalLoss: null,
        backend: null,
        error,
        durationMs: performance.now() - t0,
        at: Date.now(),
      });
      sub.complete();
    };
    const onMessage = (m: FromWorker) => {
      if (m.runId !== run.runId) return;
      if (m.type === "end") {
        ended = true;
        sub.next({ ...m, at: Date.now() });
        sub.complete();
      } else sub.next(m);
    };
    const onError = (e: Error) => fail(`worker crashed: ${e.name}: ${e.message}`);
    const onExit = (code: number) => fail(`worker exited with code ${code}`);
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    sub.next({ type: "start", run, at: Date.now() });
    worker.postMessage({ type: "run", runId: run.runId, spec: run.spec } satisfies ToWorker);
    return () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (ended) pool.release(worker);
      else pool.discard(worker); // unsubscribed mid-run (abort): the worker is busy, drop it
    };
  });
}

export interface Plan {
  readonly problem: LoadedProblem;
  readonly runs: PlannedRun[];
}

/**
 * Loads the problem (the pre-load step: dataset problems are read asynchronously, from their cache when built
 * before) and expands the runs; throws InputError (nothing written) on bad input.
 */
export async function planExperiment(
  e: Experiment,
  options: { baseDir?: string; shard?: { index: number; count: number }; problemCache?: string; db?: string } = {},
): Promise<{ problem: LoadedProblem; specs: RunSpec[] }> {
  const specs = shardRuns(expandRuns(e), options.shard);
  const nn = specs.some((s) => s.regime === "nn");
  // the dense form for full/linearized, and for nn runs that track per-mode errors (they need the eigenvectors)
  const dense = specs.some(
    (s) => s.regime === "full" || s.regime === "linearized" || (s.regime === "nn" && s.trackEvery > 0),
  );
  const cacheDir = options.problemCache ?? (options.db !== undefined ? problemCacheDir(options.db) : undefined);
  const problem = await prepareProblem(e.problem, {
    baseDir: options.baseDir,
    dense,
    seed: e.seed,
    network: nn,
    cacheDir,
    conventions: e.conventions,
  });
  const issues = checkBatchSizes(e.sweep.batch_size, problem.N);
  if (issues.length > 0) throw new InputError(issues);
  return { problem, specs };
}

export async function runExperiment(e: Experiment, options: RunnerOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const concurrency = Math.max(1, options.concurrency ?? defaultConcurrency());
  // workers boot (from the prebuilt worker bundle when fresh, else under tsx; engine, WebAssembly) while the problem
  // is prepared, the store opens and the run list is checked against it
  const pool: WorkerPool | undefined = new WorkerPool(
    Math.min(concurrency, Math.max(1, shardRuns(expandRuns(e), options.shard).length)),
    undefined,
    await workerEntry(),
  );
  pool.warm();
  let problem: LoadedProblem;
  let specs: RunSpec[];
  let store: Store;
  try {
    ({ problem, specs } = await planExperiment(e, options));
    store = await Store.open(options.db);
  } catch (err) {
    await pool.close();
    throw err;
  }
  const version = codeVersion();
  let progress: Progress | undefined;
  const started = new Set<number>();
  const counts = { done: 0, diverged: 0, failed: 0 };
  let storeMs = 0;
  let interrupted = false;
  try {
    await store.recover();
    const existing = await store.existingRuns(e.experiment, version);
    await store.upsertExperiment({
      experiment: e.experiment,
      description: e.description ?? null,
      config: options.configForStore ?? e,
      codeVersion: version,
      nRuns: specs.length,
    });
    await recordShard(store, e.experiment, options.shard, specs.length); // for the merge (lib/store/merge.ts)
    await store.putProblem(problem.row, problem.spectrum.lambda, problem.spectrum.c0);
    const redo: number[] = [];
    const todoSpecs: { spec: RunSpec; hash: string }[] = [];
    const skippedRuns: SkippedRun[] = [];
    let skipped = 0;
    for (const spec of specs) {
      const hash = runHash(problem.id, spec);
      const prev = existing.get(hash);
      if (prev && (prev.status === "done" || prev.status === "diverged")) {
        skipped++;
        skippedRuns.push({ runId: prev.runId, spec, configHash: hash, status: prev.status });
      } else {
        if (prev) redo.push(prev.runId);
        todoSpecs.push({ spec, hash });
      }
    }
    await store.deleteRuns(redo);
    let nextId = (await store.maxRunId()) + 1;
    const runs: PlannedRun[] = todoSpecs.map(({ spec, hash }) => ({ runId: nextId++, spec, configHash: hash }));
    options.onEvent?.({
      type: "plan",
      experiment: e.experiment,
      db: options.db,
      problem: { id: problem.id, N: problem.N, dataset: problem.dataset ?? null },
      runs,
      skipped: skippedRuns,
      at: Date.now(),
    });
    if (options.progress !== false && runs.length > 0) {
      progress =
        options.progress instanceof Progress
          ? options.progress
          : new Progress(
              runs.length,
              runs.reduce((a, r) => a + r.spec.nSteps, 0),
              skipped,
            );
    } else if (options.progress !== false && skipped > 0) {
      process.stderr.write(`all ${skipped} run(s) already finished with this code version: nothing to do\n`);
    }
    if (runs.length === 0 || options.signal?.aborted) {
      interrupted = Boolean(options.signal?.aborted);
      return {
        experiment: e.experiment,
        db: options.db,
        total: specs.length,
        skipped,
        ...counts,
        interrupted,
        curveRows: 0,
        seconds: (performance.now() - t0) / 1000,
        storeSeconds: 0,
      };
    }
    await store.startStreaming();
    const width = Math.min(concurrency, runs.length);
    pool.setProblem(sharedProblem(problem));
    const abort$ = options.signal ? fromEvent(options.signal, "abort").pipe(take(1)) : new Subject<never>();
    const p = pool;
    const events$ = from(runs).pipe(
      mergeMap((run) => runOnWorker(p, run), width),
      takeUntil(abort$),
      tap((ev) => {
        options.onEvent?.(ev);
        if (!progress) return;
        if (ev.type === "start") progress.start(ev.run.runId, ev.run.spec.nSteps);
        else if (ev.type === "curve") progress.step(ev.runId, ev.steps[ev.steps.length - 1]);
        else if (ev.type === "progress") progress.step(ev.runId, ev.step);
        else if (ev.type === "end") progress.end(ev.runId, ev.status, ev.steps);
      }),
      bufferTime(options.commitMs ?? 200),
      // an empty slice still serves a reader waiting for a snapshot (lib/store/snapshot.ts)
      filter((batch) => batch.length > 0 || store.snapshotRequested()),
      concatMap((batch) =>
        defer(async () => {
          const t = performance.now();
          const finished: FinishedRun[] = [];
          for (const ev of batch) {
            switch (ev.type) {
              case "start":
                started.add(ev.run.runId);
                store.addRun(runRow(e.experiment, problem, ev.run, ev.at, version));
                break;
              case "curve":
                store.addCurve(ev.runId, ev.steps, ev.losses);
                break;
              case "modes":
                store.addModes(ev.runId, ev.step, ev.c);
                break;
              case "end":
                started.delete(ev.runId);
                counts[ev.status]++;
                finished.push({
                  runId: ev.runId,
                  status: ev.status,
                  divergedAt: ev.divergedAt,
                  steps: ev.steps,
                  finalLoss: ev.finalLoss,
                  error: ev.error,
                  backend: ev.backend,
                  finishedAt: ev.at,
                  durationMs: ev.durationMs,
                });
                break;
            }
          }
          await store.commit(finished);
          await store.serveSnapshot();
          storeMs += performance.now() - t;
        }),
      ),
    );
    await lastValueFrom(events$, { defaultValue: undefined });
    interrupted = Boolean(options.signal?.aborted);
    return {
      experiment: e.experiment,
      db: options.db,
      total: specs.length,
      skipped,
      ...counts,
      interrupted,
      curveRows: store.curveRows,
      seconds: (performance.now() - t0) / 1000,
      storeSeconds: storeMs / 1000,
    };
  } finally {
    progress?.stop();
    try {
      options.onEvent?.({ type: "finish", interrupted: Boolean(options.signal?.aborted), at: Date.now() });
    } catch {
      // a sink's failure never stops the runner's cleanup
    }
    await pool?.close();
    try {
      // runs cut short by an abort: remove them now (a kill leaves them to recover())
      await store.commit([]);
      await store.deleteRuns([...started]);
    } finally {
      await store.close();
    }
  }
}
