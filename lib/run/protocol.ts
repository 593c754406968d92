/** Messages between the runner (main thread) and its workers. */
import type { RunSpec } from "../config/expand.ts";
import type { WorkerProblem } from "../prepare/problem.ts";

export type ToWorker =
  | { readonly type: "problem"; readonly problem: WorkerProblem }
  | { readonly type: "run"; readonly runId: number; readonly spec: RunSpec };

export type FromWorker =
  | { readonly type: "curve"; readonly runId: number; readonly steps: Int32Array; readonly losses: Float64Array }
  | { readonly type: "modes"; readonly runId: number; readonly step: number; readonly c: Float64Array }
  | { readonly type: "progress"; readonly runId: number; readonly step: number }
  | {
      readonly type: "end";
      readonly runId: number;
      readonly status: "done" | "diverged" | "failed";
      readonly divergedAt: number | null;
      readonly steps: number;
      readonly finalLoss: number | null;
      readonly backend: string | null;
      readonly error: string | null;
      readonly durationMs: number;
    };
