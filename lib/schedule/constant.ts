import type { Schedule } from "../types.ts";

/** Constant learning rate α and momentum β at every step. */
export function constantSchedule(lr: number, momentum: number): Schedule {
  if (!Number.isFinite(lr)) throw new RangeError(`lr must be finite, got ${lr}`);
  if (!Number.isFinite(momentum)) throw new RangeError(`momentum must be finite, got ${momentum}`);
  return { name: "constant", lr: () => lr, momentum: () => momentum };
}
