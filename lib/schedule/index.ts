/**
 * Schedules from a plain (JSON-able) description:
 *   {kind: 'constant', lr, momentum?}                       α_n = lr, β_n = momentum (default 0)
 *   {kind: 'jacobi', lr, a, b, indexing?: 'exact'|'reference'}   docs/theory.md §8 (see jacobi.ts)
 *   {kind: 'power', lr, p, n0, momentum?}                  α_n = lr·(1 + n/n₀)^(−p) (see power.ts)
 * Momentum convention (all regimes): v_{n+1} = β_n v_n − α_n g_n, d_{n+1} = d_n + v_{n+1}, which is
 * PyTorch's heavy ball when α is constant; see convention.ts for varying α.
 */
import type { Schedule } from "../types.ts";
import { constantSchedule } from "./constant.ts";
import { jacobiSchedule, type JacobiIndexing } from "./jacobi.ts";
import { powerSchedule } from "./power.ts";

export { constantSchedule } from "./constant.ts";
export { jacobiSchedule, jacobiLr, jacobiMomentum, type JacobiIndexing, type JacobiParams } from "./jacobi.ts";
export { powerSchedule, type PowerParams } from "./power.ts";
export { fromPytorchMomentum, toPytorchMomentum } from "./convention.ts";

export type ScheduleSpec =
  | { readonly kind: "constant"; readonly lr: number; readonly momentum?: number }
  | {
      readonly kind: "jacobi";
      readonly lr: number;
      readonly a: number;
      readonly b: number;
      readonly indexing?: JacobiIndexing;
    }
  | {
      readonly kind: "power";
      readonly lr: number;
      readonly p: number;
      readonly n0: number;
      readonly momentum?: number;
    };

export function makeSchedule(spec: ScheduleSpec): Schedule {
  if (spec === null || typeof spec !== "object")
    throw new RangeError(`schedule: expected an object, got ${String(spec)}`);
  switch (spec.kind) {
    case "constant":
      return constantSchedule(spec.lr, spec.momentum ?? 0);
    case "jacobi":
      return jacobiSchedule(spec);
    case "power":
      return powerSchedule(spec);
    default:
      throw new RangeError(
        `schedule: unknown kind ${JSON.stringify((spec as { kind?: unknown }).kind)} ` +
          "(expected 'constant', 'jacobi' or 'power')",
      );
  }
}
