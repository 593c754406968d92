import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { schemaMarkdown } from "../../lib/store/schema.ts";

test("docs/sql.md lists exactly the tables and columns of lib/store/schema.ts", () => {
  const doc = readFileSync(new URL("../../docs/sql.md", import.meta.url), "utf8");
  const generated = schemaMarkdown();
  assert.ok(
    doc.endsWith(generated),
    "docs/sql.md is stale: regenerate its body with `npx powerlaw-sgd schema --format sql`",
  );
});
