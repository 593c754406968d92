/**
 * Spectral-diagonal loss curves on the synthetic power-law problem for several τ (THEORY §2.4), run
 * directly with the engine (lib/) and thinned log-spaced. Columns: regime ('sd'), tau, step, loss; the
 * problem and hyper-parameters travel in the Arrow schema metadata.
 * (Later loaders go through the runner and the DuckDB store; this one is the site's first real data.)
 */
import { syntheticSpectrum } from "../lib/problem/synthetic.ts";
import { spectralDiagonal } from "../lib/regimes/spectralDiagonal.ts";
import { constantSchedule } from "../lib/schedule/constant.ts";
import type { RunOutcome, StepRecord } from "../lib/types.ts";
import { arrowTable, float64, int32, utf8 } from "./arrow.ts";
import { keepLogSpaced } from "./logSpaced.ts";
import { bySize, currentProfile, type Profile } from "./profile.ts";
import type { Table } from "apache-arrow";

export interface SdCurvesParams {
  readonly N: number;
  readonly nu: number;
  readonly kappa: number;
  readonly lr: number;
  readonly momentum: number;
  readonly batchSize: number;
  readonly nSteps: number;
  readonly taus: readonly number[];
  readonly perDecade: number;
}

export function sdCurvesParams(profile: Profile = currentProfile()): SdCurvesParams {
  return {
    N: bySize({ ci: 200, default: 1000, paper: 10_000 }, profile),
    nu: 1.5,
    kappa: 1,
    lr: 1,
    momentum: 0.5,
    batchSize: 10,
    nSteps: bySize({ ci: 1000, default: 10_000, paper: 100_000 }, profile),
    taus: [-2, -1, 0, 1, 2],
    perDecade: bySize({ ci: 40, default: 100, paper: 100 }, profile),
  };
}

export interface SdCurveRow {
  readonly regime: "sd";
  readonly tau: number;
  readonly step: number;
  readonly loss: number;
}

export function sdCurveRows(p: SdCurvesParams): { rows: SdCurveRow[]; outcomes: Map<number, RunOutcome> } {
  const problem = syntheticSpectrum({ N: p.N, nu: p.nu, kappa: p.kappa });
  const schedule = constantSchedule(p.lr, p.momentum);
  const rows: SdCurveRow[] = [];
  const outcomes = new Map<number, RunOutcome>();
  for (const tau of p.taus) {
    const run = spectralDiagonal(problem, { schedule, batchSize: p.batchSize, nSteps: p.nSteps, tau });
    const records: StepRecord[] = [];
    let next = run.next();
    while (!next.done) {
      records.push(next.value);
      next = run.next();
    }
    outcomes.set(tau, next.value);
    for (const { step, loss } of keepLogSpaced(records, p.nSteps, p.perDecade)) rows.push({ regime: "sd", tau, step, loss });
  }
  return { rows, outcomes };
}

export function sdCurves(profile: Profile = currentProfile()): Table {
  const params = sdCurvesParams(profile);
  const { rows, outcomes } = sdCurveRows(params);
  return arrowTable(
    {
      regime: utf8(rows.map((r) => r.regime)),
      tau: float64(rows.map((r) => r.tau)),
      step: int32(rows.map((r) => r.step)),
      loss: float64(rows.map((r) => r.loss)),
    },
    {
      profile,
      problem: { kind: "synthetic", N: params.N, nu: params.nu, kappa: params.kappa },
      lr: params.lr,
      momentum: params.momentum,
      batch_size: params.batchSize,
      n_steps: params.nSteps,
      status: Object.fromEntries([...outcomes].map(([tau, o]) => [String(tau), o.status])),
    },
  );
}
