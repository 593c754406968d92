// docs/cli.md documents every flag of the commands that stand for the reference's scripts (and of theory and
// spectrum, which share their problem flags): each `--name` appears in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { COMMANDS } from "../../lib/cli/commands.ts";

test("docs/cli.md names every flag of sd, full, linearized, nn, compare, spectrum and theory", () => {
  const doc = readFileSync(new URL("../../docs/cli.md", import.meta.url), "utf8");
  const missing: string[] = [];
  for (const command of ["sd", "full", "linearized", "nn", "compare", "spectrum", "theory"]) {
    for (const flag of COMMANDS[command].flags) {
      if (!new RegExp(`--${flag.name}\\b`).test(doc)) missing.push(`${command} --${flag.name}`);
    }
  }
  assert.deepEqual(missing, [], `flags missing from docs/cli.md: ${missing.join(", ")}`);
});
