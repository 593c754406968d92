/**
 * Config → run list (pure). The settings are the reference scripts' aggregation of the swept lists,
 * in their order (batch_size, lr, momentum, then the schedule's a, b or p, n0):
 *  - 'prod': the Cartesian product, the last list varying fastest (itertools.product);
 *  - 'zip': element-wise; every list has the common length n or length 1 (then repeated n times).
 * Each regime entry then multiplies the settings: SD by its τ list (τ outermost), linearized and nn by their
 * replicates (innermost), full once. Regimes come in the order the config lists them.
 */
import type { ScheduleSpec } from "../schedule/index.ts";
import { momentumFormOf } from "../vocabulary/conventions.ts";
import { conventionsOf, type Experiment, type RecordConfig } from "./schema.ts";

export type RegimeName = "sd" | "full" | "linearized" | "nn";
export type NnEngine = "gram" | "tfjs";
export type { TfBackendChoice } from "../vocabulary/tfBackends.ts";
import type { TfBackendChoice } from "../vocabulary/tfBackends.ts";

/** One run: everything a worker needs besides the problem. */
export interface RunSpec {
  /** position in the expansion (0-based) */
  readonly index: number;
  readonly regime: RegimeName;
  readonly tau: number | null;
  readonly lr: number;
  /** constant momentum; null for the Jacobi schedule (β_n from a, b) */
  readonly momentum: number | null;
  readonly batchSize: number;
  readonly schedule: ScheduleSpec;
  readonly nSteps: number;
  readonly replicate: number;
  /** base RNG seed (the experiment seed); a linearized replicate r draws its batches from seed·2²¹ + r */
  readonly seed: number;
  readonly optimizer: "sgd" | "adam" | null;
  readonly record: RecordConfig;
  /** per-mode errors every trackEvery steps (0 = off) */
  readonly trackEvery: number;
  readonly divergenceFactor: number;
  /**
   * nn runs only (absent otherwise, so that the identities of the other regimes' runs do not change):
   * whether α is multiplied by lr_scale = N/λ_max(K_emp), the engine, and the TensorFlow.js backend asked for.
   */
  readonly applyLrScale?: boolean;
  readonly engine?: NnEngine;
  readonly tfBackend?: TfBackendChoice;
  /** nn runs with a given lr_scale (train_nn.py's --lr_scale): α is multiplied by this number instead */
  readonly lrScale?: number;
  /**
   * The reference's conventions, present only where they differ from the project's (so that existing runs keep
   * their identity): 'pytorch' when the run reads its schedule's momentum in PyTorch's form (p ← g + βp,
   * d ← d − αp); Adam's non-default parameters and bias correction (linearized adam runs).
   */
  readonly momentumConvention?: "pytorch";
  readonly adam?: {
    readonly beta1?: number;
    readonly beta2?: number;
    readonly eps?: number;
    readonly biasCorrection?: "reference";
  };
}

/** One point of the hyper-parameter sweep (before regimes multiply it). */
export interface Setting {
  readonly batchSize: number;
  readonly lr: number;
  readonly momentum: number | null;
  readonly schedule: ScheduleSpec;
}

/** Aggregates named lists like the reference: product (last fastest) or zip (broadcasting length 1). */
export function aggregate(lists: readonly (readonly number[])[], mode: "prod" | "zip"): number[][] {
  if (lists.some((l) => l.length === 0)) return [];
  if (mode === "zip") {
    const n = Math.max(...lists.map((l) => l.length));
    for (const l of lists)
      if (l.length !== 1 && l.length !== n)
        throw new RangeError(
          `zip: lists must have equal lengths or length 1, got ${lists.map((x) => x.length).join(", ")}`,
        );
    return Array.from({ length: n }, (_, i) => lists.map((l) => (l.length === 1 ? l[0] : l[i])));
  }
  let out: number[][] = [[]];
  for (const l of lists) {
    const next: number[][] = [];
    for (const prefix of out) for (const v of l) next.push([...prefix, v]);
    out = next;
  }
  return out;
}

export function expandSettings(e: Experiment): Setting[] {
  const s = e.sweep;
  const sched = s.schedule;
  const momentum = s.momentum ?? [0];
  switch (sched.kind) {
    case "constant":
      return aggregate([s.batch_size, s.lr, momentum], s.aggr_type).map(([batchSize, lr, m]) => ({
        batchSize,
        lr,
        momentum: m,
        schedule: { kind: "constant", lr, momentum: m },
      }));
    case "jacobi":
      return aggregate([s.batch_size, s.lr, sched.a, sched.b], s.aggr_type).map(([batchSize, lr, a, b]) => ({
        batchSize,
        lr,
        momentum: null,
        schedule: { kind: "jacobi", lr, a, b, indexing: sched.indexing },
      }));
    case "power":
      return aggregate([s.batch_size, s.lr, momentum, sched.p, sched.n0], s.aggr_type).map(
        ([batchSize, lr, m, p, n0]) => ({
          batchSize,
          lr,
          momentum: m,
          schedule: { kind: "power", lr, p, n0, momentum: m },
        }),
      );
  }
}

/** The whole run list of an experiment, in a deterministic order. */
export function expandRuns(e: Experiment): RunSpec[] {
  const settings = expandSettings(e);
  const runs: RunSpec[] = [];
  const common = {
    nSteps: e.n_steps,
    record: e.record,
    trackEvery: e.track?.every ?? 0,
    divergenceFactor: e.divergence_factor,
  };
  const conventions = conventionsOf(e);
  // a regime's momentum form, as a RunSpec field only when it is not the classic one
  const momentum = (regime: RegimeName) =>
    momentumFormOf(conventions.momentum, regime) === "pytorch" ? { momentumConvention: "pytorch" as const } : {};
  for (const r of e.regimes) {
    if (r.regime === "sd") {
      for (const tau of r.tau) {
        for (const st of settings)
          runs.push({
            index: runs.length,
            regime: "sd",
            tau,
            ...st,
            replicate: 0,
            seed: e.seed,
            optimizer: null,
            ...common,
            ...momentum("sd"),
          });
      }
    } else if (r.regime === "full") {
      for (const st of settings)
        runs.push({
          index: runs.length,
          regime: "full",
          tau: null,
          ...st,
          replicate: 0,
          seed: e.seed,
          optimizer: null,
          ...common,
          ...momentum("full"),
        });
    } else if (r.regime === "linearized") {
      const extra = { ...momentum("linearized"), ...(r.optimizer === "adam" ? adamSpec(r.adam, conventions) : {}) };
      for (const st of settings) {
        for (let rep = 0; rep < r.replicates; rep++) {
          runs.push({
            index: runs.length,
            regime: "linearized",
            tau: null,
            ...st,
            replicate: rep,
            seed: e.seed,
            optimizer: r.optimizer,
            ...common,
            ...extra,
          });
        }
      }
    } else {
      const nn = {
        applyLrScale: r.lr_scale !== false,
        ...(typeof r.lr_scale === "number" ? { lrScale: r.lr_scale } : {}),
        engine: r.engine,
        ...(r.engine === "tfjs" ? { tfBackend: r.backend } : {}),
        ...momentum("nn"),
      };
      for (const st of settings) {
        for (let rep = 0; rep < r.replicates; rep++) {
          runs.push({
            index: runs.length,
            regime: "nn",
            tau: null,
            ...st,
            replicate: rep,
            seed: e.seed,
            optimizer: null,
            ...common,
            ...nn,
          });
        }
      }
    }
  }
  return runs;
}

/** Adam's non-default parameters as a RunSpec field (absent when every one is the default). */
function adamSpec(
  adam: { beta1: number; beta2: number; eps: number } | undefined,
  conventions: ReturnType<typeof conventionsOf>,
): { adam?: RunSpec["adam"] } {
  const out: { -readonly [K in keyof NonNullable<RunSpec["adam"]>]: NonNullable<RunSpec["adam"]>[K] } = {};
  if (adam && adam.beta1 !== 0.9) out.beta1 = adam.beta1;
  if (adam && adam.beta2 !== 0.999) out.beta2 = adam.beta2;
  if (adam && adam.eps !== 1e-8) out.eps = adam.eps;
  if (conventions.adam_bias_correction === "reference") out.biasCorrection = "reference";
  return Object.keys(out).length > 0 ? { adam: out } : {};
}

/** Keeps the runs of shard i of n (1-based i): those whose index ≡ i − 1 (mod n). */
export function shardRuns(runs: readonly RunSpec[], shard: { index: number; count: number } | undefined): RunSpec[] {
  if (!shard) return [...runs];
  return runs.filter((r) => r.index % shard.count === shard.index - 1);
}
