import { checkBatchSizes, type ConfigIssue, type Experiment } from "./schema.ts";

/** Bad input found after the schema (files, batch sizes against the files' N): exit 2, nothing written. */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
}

/** Batch sizes above the problem's N (known only once its files are read): an InputError. */
export function checkBatchSizesAgainst(e: Experiment, N: number): void {
  const issues = checkBatchSizes(e.sweep.batch_size, N);
  if (issues.length) throw new InputError(issues);
}
