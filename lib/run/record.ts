/**
 * Which steps of a loss curve are stored (pure), applied in the worker before anything reaches the store:
 *  - all:            every step 0..T;
 *  - every k:        steps 0, k, 2k, …;
 *  - log K/decade:   steps 0 and round(10^(j/K)) for j = 0, 1, … (distinct integers; all of 1..~K/ln10 kept);
 * and always the first (0) and the last step taken (T, or the divergence step).
 */
import type { RecordConfig } from "../config/schema.ts";

/** 'all' | 'every:K' | 'log:K', as stored in runs.record. */
export function recordLabel(spec: { readonly record: RecordConfig }): string {
  const r = spec.record;
  return r.mode === "all" ? "all" : r.mode === "every" ? `every:${r.k}` : `log:${r.per_decade}`;
}

export interface StepFilter {
  /** whether this step is stored; steps must be offered in increasing order */
  keep(step: number): boolean;
}

export function stepFilter(record: RecordConfig, nSteps: number): StepFilter {
  switch (record.mode) {
    case "all":
      return { keep: () => true };
    case "every": {
      const k = record.k;
      return { keep: (s) => s % k === 0 || s === nSteps };
    }
    case "log": {
      const steps = logSteps(record.per_decade, nSteps);
      let i = 0;
      return {
        keep(s) {
          if (s === 0 || s === nSteps) return true;
          while (i < steps.length && steps[i] < s) i++;
          return i < steps.length && steps[i] === s;
        },
      };
    }
  }
}

/** Distinct rounded log-spaced steps in 1..nSteps, K per decade, increasing. */
export function logSteps(perDecade: number, nSteps: number): Int32Array {
  const out: number[] = [];
  let last = 0;
  for (let j = 0; ; j++) {
    const s = Math.round(Math.pow(10, j / perDecade));
    if (s > nSteps) break;
    if (s > last) {
      out.push(s);
      last = s;
    }
  }
  return Int32Array.from(out);
}

/** Stored steps of a run that took all nSteps steps (for tests and row-count estimates). */
export function recordedSteps(record: RecordConfig, nSteps: number): number[] {
  const f = stepFilter(record, nSteps);
  const out: number[] = [];
  for (let s = 0; s <= nSteps; s++) if (f.keep(s)) out.push(s);
  return out;
}

/**
 * Collects the kept (step, loss) pairs of one run into fixed-size batches and hands each full batch on;
 * finish() adds the last step taken if the filter skipped it (a diverged run's last step) and flushes.
 */
export class CurveBatcher {
  private steps: Int32Array;
  private losses: Float64Array;
  private n = 0;
  private lastStep = -1;
  private lastLoss = NaN;
  private lastKept = -1;

  constructor(
    private readonly filter: StepFilter,
    private readonly batchSize: number,
    private readonly emit: (steps: Int32Array, losses: Float64Array) => void,
  ) {
    this.steps = new Int32Array(batchSize);
    this.losses = new Float64Array(batchSize);
  }

  push(step: number, loss: number): void {
    this.lastStep = step;
    this.lastLoss = loss;
    if (!this.filter.keep(step)) return;
    this.add(step, loss);
  }

  private add(step: number, loss: number): void {
    this.steps[this.n] = step;
    this.losses[this.n] = loss;
    this.lastKept = step;
    if (++this.n === this.batchSize) this.flush();
  }

  /** Sends what is buffered (a batch may be shorter than batchSize). */
  flush(): void {
    if (this.n === 0) return;
    const steps = this.steps.slice(0, this.n);
    const losses = this.losses.slice(0, this.n);
    this.n = 0;
    this.emit(steps, losses);
  }

  finish(): void {
    if (this.lastStep >= 0 && this.lastKept !== this.lastStep) this.add(this.lastStep, this.lastLoss);
    this.flush();
  }
}
