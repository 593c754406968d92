import type { ConfigIssue } from "./schema.ts";

/** Bad input found after the schema (files, batch sizes against the files' N): exit 2, nothing written. */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  }
}
