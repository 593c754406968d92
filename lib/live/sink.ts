/**
 * The live sink: snapshot files of a running sweep for the Framework preview (issue 6).
 *
 * It observes the runner's events (RunnerOptions.onEvent: plan, start, curve, progress, end, finish) and keeps,
 * per run, its parameters, status, last step, steps/s, ETA, divergence step and its loss curve so far,
 * log-decimated (LiveCurve: ~K points per decade plus the newest point). About once a second (throttled,
 * leading and trailing edge) it writes the whole state as one JSON file, `<dir>/runs.json`, atomically:
 * the text goes to a temporary file in the same folder, which is then renamed over the snapshot, so a reader
 * sees either the previous or the next snapshot, never half of one. Writes are asynchronous and at most one
 * is in flight; a slow disk makes snapshots rarer, never the runner slower. The DuckDB store is untouched
 * (it stays the runner's single writer's).
 *
 * Size cap: when the serialized snapshot would exceed `maxBytes`, finished runs' curves are thinned to fewer
 * points per decade (then running ones', then finished curves dropped): the file stays a few MB at most.
 *
 * Resume: at `plan` the sink reads the previous snapshot in the folder. Runs of the same experiment that an
 * earlier process finished (the runner skips them) keep their curves and show as finished; runs that were
 * running when it stopped show as `pending` again (attempt + 1), then `running`, then finished. Sweeps of
 * other experiments are kept as one-line summaries (`earlier`).
 *
 * Preview: pages do not reference the snapshot as a FileAttachment. Framework 1.13 puts every referenced
 * file's hash into the page's hash, so a file rewritten every second makes a page opened mid-sweep reload
 * again and again ("reload" instead of "welcome" whenever a write lands between the HTML and the socket's
 * hello; measured: 10 reloads before it settled), and its per-page file watchers leak when two changes
 * overlap. Instead, src/components/live.js polls `/_file/live/runs.json` in preview (cheap conditional GETs,
 * the preview serves any file under src/; the fallback loader src/live/runs.json.js answers until a sweep
 * has written one) and pages reference the stable `live/empty.json` for the static build.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { PlannedRun, RunnerEvent, SkippedRun } from "../run/runner.ts";
import type { RunSpec } from "../config/expand.ts";
import { LiveCurve, decimate } from "./curve.ts";

export const LIVE_FORMAT = "powerlaw-sgd-live/1";
export const LIVE_FILE = "runs.json";

export type LiveRunStatus = "pending" | "running" | "done" | "diverged" | "failed" | "interrupted";
export type LiveState = "none" | "running" | "done" | "interrupted";

/** One run in a snapshot (snake_case, like the SQL columns). */
export interface LiveRun {
  /** config hash: stable across resumes (run ids are not) */
  readonly key: string;
  run_id: number | null;
  readonly experiment: string;
  readonly regime: string;
  readonly tau: number | null;
  readonly lr: number;
  readonly momentum: number | null;
  readonly batch_size: number;
  readonly schedule: string;
  readonly n_steps: number;
  readonly replicate: number;
  readonly seed: number;
  status: LiveRunStatus;
  /** finished by an earlier process of the same sweep (skipped by this one) */
  earlier: boolean;
  /** 1 for the first try, 2+ after the sweep was stopped and resumed */
  attempt: number;
  /** last step computed */
  step: number;
  /** step / n_steps (1 when finished, also for diverged runs) */
  progress: number;
  steps_per_s: number | null;
  eta_s: number | null;
  diverged_at: number | null;
  final_loss: number | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
  /** when the runner last heard of this run (ms since the epoch) */
  updated_at: number | null;
  /** when the newest curve point arrived on the runner's thread (ms since the epoch; ≤ 250 ms after it was computed) */
  curve_at: number | null;
  /** the loss curve so far, log-decimated; null losses are non-finite values */
  curve: { step: number[]; loss: (number | null)[] };
}

export interface LiveSweep {
  readonly experiment: string;
  readonly db: string;
  readonly problem: string;
  readonly N: number;
  readonly dataset: string | null;
  readonly started_at: number;
  finished_at: number | null;
  total: number;
  skipped: number;
  done: number;
  diverged: number;
  failed: number;
  running: number;
  pending: number;
  interrupted: number;
  steps_per_s: number | null;
  eta_s: number | null;
  elapsed_s: number;
}

export interface LiveEarlier {
  readonly experiment: string;
  readonly state: LiveState;
  readonly finished_at: number | null;
  readonly total: number;
  readonly done: number;
  readonly diverged: number;
  readonly failed: number;
}

export interface LiveSnapshot {
  readonly format: typeof LIVE_FORMAT;
  /** increases with every write of this process */
  readonly seq: number;
  readonly written_at: number;
  readonly state: LiveState;
  readonly pid: number | null;
  /** the snapshot's writer: most recent sweep (null: none yet) */
  readonly sweep: LiveSweep | null;
  readonly runs: LiveRun[];
  /** other sweeps seen before, summarised */
  readonly earlier: LiveEarlier[];
  /** runs.length and the total number of curve points (consistency checks) */
  readonly n_runs: number;
  readonly n_points: number;
  /** points per decade the running / finished curves were written with */
  readonly per_decade: { readonly running: number; readonly finished: number };
  /** = seq: the last key, written last */
  readonly end: number;
}

export function emptySnapshot(): LiveSnapshot {
  return {
    format: LIVE_FORMAT,
    seq: 0,
    written_at: 0,
    state: "none",
    pid: null,
    sweep: null,
    runs: [],
    earlier: [],
    n_runs: 0,
    n_points: 0,
    per_decade: { running: 0, finished: 0 },
    end: 0,
  };
}

export interface LiveSinkOptions {
  /** folder of the snapshot (created if missing), e.g. src/live */
  readonly dir: string;
  /** minimum time between two writes (default 1000 ms) */
  readonly intervalMs?: number;
  /** target maximum size of a snapshot in bytes (default 2 MB) */
  readonly maxBytes?: number;
  /** curve points kept per decade of steps (default 40) */
  readonly perDecade?: number;
  /** largest share of the runner's thread spent serializing snapshots (default 0.05: writes are spaced out) */
  readonly maxLoad?: number;
  /** where write errors go (default: one line on stderr, once) */
  readonly onError?: (e: Error) => void;
  /** clock (tests) */
  readonly now?: () => number;
}

interface RunState extends LiveRun {
  curveData: LiveCurve;
  /** step when this process started the run (for steps/s) */
  t0: number | null;
}

const FINISHED = new Set<LiveRunStatus>(["done", "diverged", "failed"]);

function scheduleLabel(spec: RunSpec): string {
  const s = spec.schedule;
  switch (s.kind) {
    case "constant":
      return "constant";
    case "jacobi":
      return `jacobi(a=${s.a}, b=${s.b})`;
    case "power":
      return `power(p=${s.p}, n0=${s.n0})`;
    default:
      return (s as { kind: string }).kind;
  }
}

function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/** Number → JSON text with 5 significant digits (losses), non-finite as null. */
function num5(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "null";
  return x === 0 ? "0" : String(Number(x.toPrecision(5)));
}

export class LiveSink {
  readonly file: string;
  private readonly dir: string;
  private readonly intervalMs: number;
  private readonly maxBytes: number;
  private readonly perDecade: number;
  private readonly maxLoad: number;
  private readonly now: () => number;
  private readonly onError: (e: Error) => void;
  private readonly runs = new Map<string, RunState>();
  private readonly byId = new Map<number, RunState>();
  private sweep: LiveSweep | null = null;
  private earlier: LiveEarlier[] = [];
  private state: LiveState = "none";
  private seq = 0;
  private dirty = false;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private urgentPending = false;
  private writing: Promise<void> | undefined;
  private closed = false;
  private errored = false;
  /** steps of runs finished by this process (sweep steps/s) */
  private finishedSteps = 0;
  /** bytes of the last snapshot written, and how long serializing + writing took */
  lastBytes = 0;
  lastWriteMs = 0;
  /** main-thread time of the last snapshot's serialization */
  lastSerializeMs = 0;
  writes = 0;

  constructor(options: LiveSinkOptions) {
    this.dir = resolve(options.dir);
    this.file = join(this.dir, LIVE_FILE);
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxBytes = options.maxBytes ?? 2 << 20;
    this.perDecade = options.perDecade ?? 40;
    this.maxLoad = options.maxLoad ?? 0.05;
    this.now = options.now ?? Date.now;
    this.onError =
      options.onError ??
      ((e) => process.stderr.write(`live: cannot write ${this.file}: ${e.message} (the sweep goes on)\n`));
  }

  /** The runner's event hook: `runExperiment(e, { onEvent: sink.onEvent })`. */
  readonly onEvent = (ev: RunnerEvent): void => {
    try {
      this.handle(ev);
    } catch (e) {
      this.fail(e as Error);
    }
  };

  private handle(ev: RunnerEvent): void {
    const now = this.now();
    switch (ev.type) {
      case "plan":
        this.plan(ev.experiment, ev.db, ev.problem, ev.runs, ev.skipped, now);
        this.schedule(true);
        return;
      case "start": {
        const r = this.byId.get(ev.run.runId) ?? this.runs.get(ev.run.configHash);
        if (!r) return;
        this.byId.set(ev.run.runId, r);
        r.run_id = ev.run.runId;
        r.status = "running";
        r.step = 0;
        r.progress = 0;
        r.started_at = ev.at;
        r.updated_at = ev.at;
        r.t0 = ev.at;
        r.finished_at = null;
        r.diverged_at = null;
        r.final_loss = null;
        r.error = null;
        r.steps_per_s = null;
        r.eta_s = null;
        r.curveData = new LiveCurve(this.perDecade);
        r.curve_at = null;
        this.schedule();
        return;
      }
      case "curve": {
        const r = this.byId.get(ev.runId);
        if (!r) return;
        r.curveData.pushAll(ev.steps, ev.losses);
        if (ev.steps.length) this.advance(r, ev.steps[ev.steps.length - 1], now);
        r.curve_at = now;
        this.schedule();
        return;
      }
      case "progress": {
        const r = this.byId.get(ev.runId);
        if (!r) return;
        this.advance(r, ev.step, now);
        this.schedule();
        return;
      }
      case "end": {
        const r = this.byId.get(ev.runId);
        if (!r) return;
        r.status = ev.status;
        r.step = ev.steps;
        r.progress = ev.status === "failed" ? r.progress : 1;
        r.diverged_at = ev.divergedAt;
        r.final_loss = finiteOrNull(ev.finalLoss);
        r.error = ev.error;
        r.finished_at = ev.at;
        r.updated_at = ev.at;
        r.steps_per_s = ev.durationMs > 0 ? ev.steps / (ev.durationMs / 1000) : null;
        r.eta_s = 0;
        this.finishedSteps += ev.steps;
        this.schedule();
        return;
      }
      case "finish":
        if (!this.sweep) return;
        for (const r of this.runs.values()) {
          if (r.status === "running") {
            r.status = "interrupted";
            r.eta_s = null;
          }
        }
        this.state = ev.interrupted ? "interrupted" : "done";
        this.sweep.finished_at = ev.at;
        this.schedule(true);
        return;
      default:
        return;
    }
  }

  private advance(r: RunState, step: number, now: number): void {
    if (step > r.step) r.step = step;
    r.updated_at = now;
    r.progress = r.n_steps > 0 ? Math.min(1, r.step / r.n_steps) : 1;
    const dt = r.t0 !== null ? (now - r.t0) / 1000 : 0;
    if (dt > 0 && r.step > 0) {
      r.steps_per_s = r.step / dt;
      r.eta_s = (r.n_steps - r.step) / r.steps_per_s;
    }
  }

  private plan(
    experiment: string,
    db: string,
    problem: { id: string; N: number; dataset: string | null },
    todo: readonly PlannedRun[],
    skipped: readonly SkippedRun[],
    now: number,
  ): void {
    const previous = readSnapshot(this.file);
    const prevRuns = new Map<string, LiveRun>();
    if (previous?.sweep?.experiment === experiment && previous.sweep.db === db)
      for (const r of previous.runs) prevRuns.set(r.key, r);
    this.earlier = [];
    if (previous?.sweep && previous.sweep.experiment !== experiment) {
      const s = previous.sweep;
      this.earlier.push({
        experiment: s.experiment,
        state: previous.state === "running" ? "interrupted" : previous.state,
        finished_at: s.finished_at ?? previous.written_at,
        total: s.total,
        done: s.done,
        diverged: s.diverged,
        failed: s.failed,
      });
    }
    for (const e of previous?.earlier ?? [])
      if (
        e.experiment !== experiment &&
        this.earlier.length < 10 &&
        !this.earlier.some((x) => x.experiment === e.experiment)
      )
        this.earlier.push(e);
    this.runs.clear();
    this.byId.clear();
    const all: { spec: RunSpec; key: string; runId: number | null; status: LiveRunStatus; earlier: boolean }[] = [
      ...skipped.map((s) => ({
        spec: s.spec,
        key: s.configHash,
        runId: s.runId,
        status: s.status as LiveRunStatus,
        earlier: true,
      })),
      ...todo.map((p) => ({
        spec: p.spec,
        key: p.configHash,
        runId: p.runId,
        status: "pending" as LiveRunStatus,
        earlier: false,
      })),
    ].sort((a, b) => a.spec.index - b.spec.index);
    for (const { spec, key, runId, status, earlier } of all) {
      const prev = prevRuns.get(key);
      const finishedBefore = earlier && prev && FINISHED.has(prev.status);
      const r: RunState = {
        key,
        run_id: runId,
        experiment,
        regime: spec.regime,
        tau: spec.tau,
        lr: spec.lr,
        momentum: spec.momentum,
        batch_size: spec.batchSize,
        schedule: scheduleLabel(spec),
        n_steps: spec.nSteps,
        replicate: spec.replicate,
        seed: spec.seed,
        status,
        earlier,
        attempt: prev ? (earlier ? prev.attempt : prev.attempt + (prev.status === "pending" ? 0 : 1)) : 1,
        step: earlier ? (finishedBefore ? prev.step : spec.nSteps) : 0,
        progress: earlier ? 1 : 0,
        steps_per_s: finishedBefore ? prev.steps_per_s : null,
        eta_s: earlier ? 0 : null,
        diverged_at: finishedBefore ? prev.diverged_at : null,
        final_loss: finishedBefore ? prev.final_loss : null,
        error: null,
        started_at: finishedBefore ? prev.started_at : null,
        finished_at: finishedBefore ? prev.finished_at : null,
        updated_at: finishedBefore ? prev.updated_at : null,
        curve_at: finishedBefore ? prev.curve_at : null,
        curve: { step: [], loss: [] },
        curveData: finishedBefore ? LiveCurve.from(prev.curve, this.perDecade) : new LiveCurve(this.perDecade),
        t0: null,
      };
      this.runs.set(key, r);
      if (runId !== null) this.byId.set(runId, r);
    }
    this.sweep = {
      experiment,
      db,
      problem: problem.id,
      N: problem.N,
      dataset: problem.dataset,
      started_at: now,
      finished_at: null,
      total: all.length,
      skipped: skipped.length,
      done: 0,
      diverged: 0,
      failed: 0,
      running: 0,
      pending: 0,
      interrupted: 0,
      steps_per_s: null,
      eta_s: null,
      elapsed_s: 0,
    };
    this.state = "running";
    this.finishedSteps = 0;
  }

  private updateSweep(now: number): void {
    const s = this.sweep;
    if (!s) return;
    s.done = s.diverged = s.failed = s.running = s.pending = s.interrupted = 0;
    let inFlight = 0;
    let remaining = 0;
    for (const r of this.runs.values()) {
      s[
        r.status === "done"
          ? "done"
          : r.status === "diverged"
            ? "diverged"
            : r.status === "failed"
              ? "failed"
              : r.status === "running"
                ? "running"
                : r.status === "interrupted"
                  ? "interrupted"
                  : "pending"
      ]++;
      if (r.status === "running") {
        inFlight += r.step;
        remaining += r.n_steps - r.step;
      } else if (r.status === "pending" || r.status === "interrupted") remaining += r.n_steps;
    }
    const end = s.finished_at ?? now;
    s.elapsed_s = Math.max(0, (end - s.started_at) / 1000);
    const rate = s.elapsed_s > 0 ? (this.finishedSteps + inFlight) / s.elapsed_s : 0;
    s.steps_per_s = rate > 0 ? rate : null;
    s.eta_s = this.state !== "running" ? null : remaining === 0 ? 0 : rate > 0 ? remaining / rate : null;
  }

  /** Marks the state changed and arranges a write: now if `urgent` or ≥ intervalMs since the last one, else then. */
  private schedule(urgent = false): void {
    this.dirty = true;
    if (this.closed && !this.writing) return void this.flush();
    if (this.writing) {
      // the write's end schedules the next one
      this.urgentPending ||= urgent;
      return;
    }
    const now = this.now();
    // the sweep starting or ending goes out within 250 ms; everything else (runs starting, growing, ending) about
    // once per interval: pages re-render on every snapshot, and a busy page must not fall behind
    // (and at most ~5 % of the runner's thread: a snapshot that took 60 ms to write waits ≥ 1.2 s for the next)
    const gap = Math.max(
      urgent ? Math.min(250, this.intervalMs) : this.intervalMs,
      this.lastSerializeMs / this.maxLoad,
    );
    const due = Math.max(now, this.lastWrite + gap);
    if (this.timer) {
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, due - now);
    this.timer.unref?.();
  }

  /** Writes now if anything changed (one write at a time). */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    this.writing = this.write()
      .catch((e: Error) => this.fail(e))
      .finally(() => {
        this.writing = undefined;
        const urgent = this.urgentPending;
        this.urgentPending = false;
        if (this.dirty && !this.closed) this.schedule(urgent);
      });
    return this.writing;
  }

  private fail(e: Error): void {
    if (this.errored) return;
    this.errored = true;
    this.onError(e);
  }

  /** The snapshot as it would be written now. */
  snapshot(): LiveSnapshot {
    return JSON.parse(this.serialize(this.now(), this.seq)) as LiveSnapshot;
  }

  private serialize(now: number, seq: number): string {
    this.updateSweep(now);
    const runs = [...this.runs.values()];
    const pts = runs.map((r) => r.curveData.points());
    let kRunning = this.perDecade;
    let kFinished = this.perDecade;
    let dropFinished = false;
    const thin = () =>
      pts.map((p, i) => {
        const finished = runs[i].status !== "running";
        if (finished && dropFinished) return p.step.length ? { step: p.step.slice(-1), loss: p.loss.slice(-1) } : p;
        const k = finished ? kFinished : kRunning;
        return k >= this.perDecade ? p : decimate(p, k);
      });
    const tighten = () => {
      if (kFinished > 2) kFinished = Math.max(2, Math.floor(kFinished / 2));
      else if (kRunning > 2) kRunning = Math.max(2, Math.floor(kRunning / 2));
      else if (!dropFinished) dropFinished = true;
      else return false;
      return true;
    };
    // choose the thinning on an estimate (a run's fields ~450 bytes, a point ~15), then render once or twice
    const estimate = (cs: { step: number[] }[]) =>
      2000 + 450 * runs.length + 15 * cs.reduce((a, c) => a + c.step.length, 0);
    let curves = pts;
    while (estimate(curves) > this.maxBytes && tighten()) curves = thin();
    for (let attempt = 0; ; attempt++) {
      const text = this.render(runs, curves, now, seq, kRunning, dropFinished ? 0 : kFinished);
      if (text.length <= this.maxBytes || attempt >= 3 || !tighten()) return text;
      curves = thin();
    }
  }

  private render(
    runs: RunState[],
    curves: { step: number[]; loss: number[] }[],
    now: number,
    seq: number,
    kRunning: number,
    kFinished: number,
  ): string {
    let points = 0;
    const parts: string[] = [];
    for (let i = 0; i < runs.length; i++) {
      const { curveData: _c, t0: _t, curve: _old, ...r } = runs[i];
      const c = curves[i];
      points += c.step.length;
      const head = JSON.stringify({
        ...r,
        steps_per_s: r.steps_per_s === null ? null : Math.round(r.steps_per_s),
        eta_s: r.eta_s === null ? null : Math.round(r.eta_s * 10) / 10,
      });
      parts.push(`${head.slice(0, -1)},"curve":{"step":[${c.step.join(",")}],"loss":[${c.loss.map(num5).join(",")}]}}`);
    }
    const meta = {
      format: LIVE_FORMAT,
      seq,
      written_at: now,
      state: this.state,
      pid: process.pid,
      sweep: this.sweep,
      earlier: this.earlier,
      n_runs: runs.length,
      n_points: points,
      per_decade: { running: kRunning, finished: kFinished },
    };
    const m = JSON.stringify(meta);
    return `${m.slice(0, -1)},"runs":[\n${parts.join(",\n")}\n],"end":${seq}}\n`;
  }

  private async write(): Promise<void> {
    const t = performance.now();
    const now = this.now();
    this.lastWrite = now;
    const seq = ++this.seq;
    const text = this.serialize(now, seq);
    this.lastSerializeMs = performance.now() - t;
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${LIVE_FILE}.${process.pid}.${seq}.tmp`);
    try {
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    this.lastBytes = text.length;
    this.lastWriteMs = performance.now() - t;
    this.writes++;
  }

  /** Writes the final state and stops (awaits any write in flight). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sweep && this.state === "running") {
      // the runner did not say how it ended (it threw): what was running is interrupted
      this.handle({ type: "finish", interrupted: true, at: this.now() });
    }
    this.closed = true;
    while (this.writing || this.dirty) {
      if (this.writing) await this.writing;
      else await this.flush();
    }
  }
}

/** Reads and checks a snapshot; undefined if missing, torn or not a snapshot. */
export function readSnapshot(file: string): LiveSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as LiveSnapshot;
    return checkSnapshot(s) === null ? s : undefined;
  } catch {
    return undefined;
  }
}

/** null if the snapshot is self-consistent, else what is wrong. */
export function checkSnapshot(s: LiveSnapshot): string | null {
  if (s.format !== LIVE_FORMAT) return `format ${JSON.stringify(s.format)}`;
  if (s.end !== s.seq) return `end ${s.end} ≠ seq ${s.seq}`;
  if (!Array.isArray(s.runs) || s.runs.length !== s.n_runs) return `runs ${s.runs?.length} ≠ n_runs ${s.n_runs}`;
  let points = 0;
  for (const r of s.runs) {
    if (r.curve.step.length !== r.curve.loss.length)
      return `run ${r.key}: ${r.curve.step.length} steps, ${r.curve.loss.length} losses`;
    for (let i = 1; i < r.curve.step.length; i++)
      if (!(r.curve.step[i] > r.curve.step[i - 1])) return `run ${r.key}: steps not increasing`;
    points += r.curve.step.length;
  }
  if (points !== s.n_points) return `points ${points} ≠ n_points ${s.n_points}`;
  if (s.sweep) {
    const sw = s.sweep;
    const sum = sw.done + sw.diverged + sw.failed + sw.running + sw.pending + sw.interrupted;
    if (sum !== sw.total || sw.total !== s.runs.length)
      return `sweep counts ${sum} / total ${sw.total} / runs ${s.runs.length}`;
  }
  return null;
}

/**
 * Where the CLI writes snapshots: `--live DIR`, `--live off`, or (no flag) POWERLAW_SGD_LIVE, else `auto`:
 * `src/live` when the working directory is this project's root (observablehq.config.* and src/ exist),
 * off otherwise and inside `node --test` (NODE_TEST_CONTEXT), so test sweeps never touch a developer's pages.
 */
export function liveDir(
  flag: string | undefined,
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const value = (flag ?? env.POWERLAW_SGD_LIVE ?? "auto").trim();
  if (value === "off" || value === "none" || value === "false" || value === "0" || value === "") return null;
  if (value !== "auto") return resolve(cwd, value);
  if (env.NODE_TEST_CONTEXT) return null;
  const isProject =
    ["observablehq.config.ts", "observablehq.config.js", "observablehq.config.mjs"].some((f) =>
      existsSync(join(cwd, f)),
    ) && existsSync(join(cwd, "src"));
  return isProject ? join(cwd, "src", "live") : null;
}

/** The sink for a `--live` flag value (see liveDir), or undefined when live snapshots are off. */
export function liveSinkFor(
  flag: string | undefined,
  options: Omit<LiveSinkOptions, "dir"> = {},
): LiveSink | undefined {
  const dir = liveDir(flag);
  return dir === null ? undefined : new LiveSink({ ...options, dir });
}
