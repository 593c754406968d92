/**
 * The live state of a sweep (pure): runner events in, snapshot text out. It keeps, per run, its parameters,
 * status, last step, steps/s, ETA, divergence step and its loss curve so far, log-decimated (LiveCurve: ~K points
 * per decade plus the newest point). lib/live/writer.ts feeds it the runner's events and writes what it renders.
 *
 * Size cap: when the rendered snapshot would exceed `maxBytes`, finished runs' curves are thinned to fewer
 * points per decade (then running ones', then finished curves dropped): the file stays a few MB at most.
 *
 * Resume: at `plan` the state takes the previous snapshot of the folder. Runs of the same experiment that an
 * earlier process finished (the runner skips them) keep their curves and show as finished; runs that were
 * running when it stopped show as `pending` again (attempt + 1), then `running`, then finished. Sweeps of
 * other experiments are kept as one-line summaries (`earlier`).
 */
import type { RunSpec } from "../config/expand.ts";
import type { PlannedRun, RunnerEvent, SkippedRun } from "../run/runner.ts";
import { decimate, LiveCurve } from "./curve.ts";
import {
  LIVE_FORMAT,
  type LiveEarlier,
  type LiveRun,
  type LiveRunStatus,
  type LiveSnapshot,
  type LiveState,
  type LiveSweep,
} from "./snapshot.ts";

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

export class LiveSweepState {
  private readonly runs = new Map<string, RunState>();
  private readonly byId = new Map<number, RunState>();
  private sweep: LiveSweep | null = null;
  private earlier: LiveEarlier[] = [];
  /** "running" between plan and finish */
  state: LiveState = "none";
  /** steps of runs finished by this process (sweep steps/s) */
  private finishedSteps = 0;

  /** `perDecade`: curve points kept per decade of steps; `pid`: the writer's process id, shown in snapshots. */
  constructor(
    private readonly perDecade: number,
    private readonly pid: number | null = null,
  ) {}

  /**
   * Applies one runner event at time `now`; returns null when it changed nothing, else whether it is urgent
   * (the sweep starting or ending). `previous` is the snapshot already in the folder, needed at `plan` only.
   */
  apply(ev: RunnerEvent, now: number, previous?: LiveSnapshot): boolean | null {
    switch (ev.type) {
      case "plan":
        this.plan(ev.experiment, ev.db, ev.problem, ev.runs, ev.skipped, now, previous);
        return true;
      case "start": {
        const r = this.byId.get(ev.run.runId) ?? this.runs.get(ev.run.configHash);
        if (!r) return null;
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
        return false;
      }
      case "curve": {
        const r = this.byId.get(ev.runId);
        if (!r) return null;
        r.curveData.pushAll(ev.steps, ev.losses);
        if (ev.steps.length) this.advance(r, ev.steps[ev.steps.length - 1], now);
        r.curve_at = now;
        return false;
      }
      case "progress": {
        const r = this.byId.get(ev.runId);
        if (!r) return null;
        this.advance(r, ev.step, now);
        return false;
      }
      case "end": {
        const r = this.byId.get(ev.runId);
        if (!r) return null;
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
        return false;
      }
      case "finish":
        if (!this.sweep) return null;
        for (const r of this.runs.values()) {
          if (r.status === "running") {
            r.status = "interrupted";
            r.eta_s = null;
          }
        }
        this.state = ev.interrupted ? "interrupted" : "done";
        this.sweep.finished_at = ev.at;
        return true;
      default:
        return null;
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
    previous: LiveSnapshot | undefined,
  ): void {
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

  /** The snapshot text at time `now` with sequence number `seq`, thinned to at most about `maxBytes`. */
  serialize(now: number, seq: number, maxBytes: number): string {
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
    while (estimate(curves) > maxBytes && tighten()) curves = thin();
    for (let attempt = 0; ; attempt++) {
      const text = this.render(runs, curves, now, seq, kRunning, dropFinished ? 0 : kFinished);
      if (text.length <= maxBytes || attempt >= 3 || !tighten()) return text;
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
      pid: this.pid,
      sweep: this.sweep,
      earlier: this.earlier,
      n_runs: runs.length,
      n_points: points,
      per_decade: { running: kRunning, finished: kFinished },
    };
    const m = JSON.stringify(meta);
    return `${m.slice(0, -1)},"runs":[\n${parts.join(",\n")}\n],"end":${seq}}\n`;
  }
}
