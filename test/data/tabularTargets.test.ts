// A tabular target made of several columns (their row mean, as the reference's sgemm_product: the mean of its four
// run times), against the mean computed here; the target columns are not features.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTabular } from "../../lib/data/tabular.ts";
import { meanStd } from "../../lib/data/dataset.ts";

test("target [t1, t2]: the row mean, standardised; neither column is a feature", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tabular-targets-"));
  try {
    const path = join(dir, "runs.csv");
    const t1 = [1, 4, 2.5, 8, 3];
    const t2 = [2, 5, 1.5, 9, 0];
    const lines = ['x,"Run1 (ms)","Run2 (ms)"'];
    for (let i = 0; i < 5; i++) lines.push(`${i * 1.5},${t1[i]},${t2[i]}`);
    writeFileSync(path, `${lines.join("\n")}\n`);
    const ds = await loadTabular({ path, target: ["Run1 (ms)", "Run2 (ms)"] });
    assert.deepEqual(ds.features, ["x"]);
    const mean = t1.map((a, i) => (a + t2[i]) / 2);
    assert.deepEqual(Array.from(ds.rawTargets), mean);
    const { mean: m, std } = meanStd(mean);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(ds.y[i] - (mean[i] - m) / std) <= 1e-15);
    await assert.rejects(loadTabular({ path, target: ["Run1 (ms)", "Run9 (ms)"] }), /no target column "Run9 \(ms\)"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
