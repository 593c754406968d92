import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { workerEntry } from "../../lib/run/workerBundle.ts";

const BIN = fileURLToPath(new URL("../../bin/powerlaw-sgd.js", import.meta.url));
const MANIFEST = fileURLToPath(new URL("../../build/worker/worker.json", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "bundle-"));

test("the bundled worker entry is reused while fresh and rebuilt when a source hash no longer matches", async () => {
  const a = await workerEntry();
  assert.match(a.pathname, /\/build\/worker\/[^/]+\/worker\.js$/, `bundle entry, got ${a.href}`);
  assert.equal((await workerEntry()).href, a.href, "a fresh bundle is reused");
  const m = JSON.parse(readFileSync(MANIFEST, "utf8")) as { dir: string; inputs: Record<string, string> };
  const first = Object.keys(m.inputs)[0];
  writeFileSync(MANIFEST, JSON.stringify({ ...m, inputs: { ...m.inputs, [first]: "0".repeat(64) } }));
  const b = await workerEntry();
  assert.notEqual(b.href, a.href, "a stale bundle is rebuilt");
  assert.match(b.pathname, /\/build\/worker\/[^/]+\/worker\.js$/, `rebuilt entry, got ${b.href}`);
});

test("bundled and tsx workers give identical rows (sd + linearized + full sweep through the CLI)", () => {
  const rows = (env: Record<string, string>, name: string): string => {
    const db = join(dir, `${name}.duckdb`);
    const flags = [
      "--N",
      "40",
      "--nu",
      "1.5",
      "--kappa",
      "1",
      "--lr",
      "0.5",
      "3",
      "--batch_size",
      "4",
      "--n_steps",
      "60",
      "--db",
      db,
      "--quiet",
      "--live",
      "off",
    ];
    for (const cmd of [["sd", "--tau", "1", "-1"], ["linearized", "--runs", "2"], ["full"]]) {
      const r = spawnSync(process.execPath, [BIN, ...cmd, ...flags], {
        encoding: "utf8",
        env: { ...process.env, ...env },
      });
      assert.equal(r.status, 0, `${name} ${cmd[0]}: ${r.stderr}`);
    }
    const q = spawnSync(
      process.execPath,
      [
        BIN,
        "query",
        "SELECT r.regime, r.tau, r.lr, r.replicate, r.status, c.step, c.loss " +
          "FROM runs r JOIN curves c USING (run_id) ORDER BY ALL",
        "--db",
        db,
        "--format",
        "csv",
      ],
      { encoding: "utf8" },
    );
    assert.equal(q.status, 0, q.stderr);
    return q.stdout;
  };
  const bundled = rows({}, "bundled");
  const viaTsx = rows({ POWERLAW_SGD_WORKER_TSX: "1" }, "tsx");
  assert.ok(bundled.split("\n").length > 300, `expected many curve rows, got ${bundled.split("\n").length}`);
  assert.equal(bundled, viaTsx, "the bundle must run exactly the same code as the sources");
});
