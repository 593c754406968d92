/**
 * The live snapshot format (`<dir>/runs.json`, written by lib/live/writer.ts from the state kept by
 * lib/live/reducer.ts): one sweep's runs with status, progress, steps/s, ETA and log-decimated curves, plus
 * one-line summaries of earlier sweeps. Read by the Runs page and the live overlays (src/components/live.js).
 */
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
