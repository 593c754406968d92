// SQL while a sweep runs (issue 11): a real `run` child process writes the store while a loop of real `query`
// child processes (and one `export`) reads it. Every query succeeds within its --wait bound (a query that waits
// longer exits non-zero), every query that ran entirely during the sweep read the sweep's snapshot (so the writer
// kept its lock: a query on the live file would have opened it directly), the finished-run counts never decrease,
// and the count after the sweep equals the sweep's total. Times are printed, not asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "query-during-sweep-"));
const WAIT_S = 20;
const COUNT = "SELECT count(*) FILTER (WHERE status IN ('done', 'diverged'))::INTEGER AS n FROM runs";

interface Done {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly start: number;
  readonly end: number;
}

function cli(args: string[]): Promise<Done> {
  const start = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (err += d));
  return new Promise((res) => child.on("exit", (code) => res({ code, out, err, start, end: performance.now() })));
}

test("query and export during a running sweep: snapshots, within the bound, counts never decrease", {
  timeout: 240_000,
}, async () => {
  // 20 α × 12 β × 2 τ = 480 SD runs of 10⁵ steps on one worker: ~20 s here, long enough for several queries
  const lr = Array.from({ length: 20 }, (_, i) => Number((0.05 * (i + 1)).toFixed(2)));
  const momentum = Array.from({ length: 12 }, (_, i) => Number((-0.5 + 0.1 * i).toFixed(1)));
  const config = join(dir, "sweep.json");
  writeFileSync(
    config,
    JSON.stringify({
      experiment: "peek",
      problem: { kind: "synthetic", N: 1000, nu: 1.5, kappa: 1 },
      regimes: [{ regime: "sd", tau: [1, -1] }],
      sweep: { lr, momentum, batch_size: [10] },
      n_steps: 100_000,
      record: { mode: "log", per_decade: 40 },
    }),
  );
  const total = lr.length * momentum.length * 2;
  const db = join(dir, "results.duckdb");
  const sweepStart = performance.now();
  const sweep = spawn(process.execPath, [BIN, "run", config, "--db", db, "--concurrency", "1"], {
    cwd: dir,
    env: { ...process.env, POWERLAW_SGD_PROGRESS_MS: "100", POWERLAW_SGD_LIVE: "off" },
  });
  let sweepErr = "";
  let sweepEnd = Number.POSITIVE_INFINITY;
  const sweepDone = new Promise<number | null>((res) =>
    sweep.on("exit", (code) => {
      sweepEnd = performance.now();
      res(code);
    }),
  );
  // start reading once runs are being committed
  await new Promise<void>((res) => {
    sweep.stderr.on("data", (d: Buffer) => {
      sweepErr += d.toString();
      if (/runs [1-9]\d*\//.test(sweepErr)) res();
    });
    sweep.on("exit", () => res());
  });

  const queries: (Done & { n: number })[] = [];
  let exported: Done | undefined;
  while (sweepEnd === Number.POSITIVE_INFINITY) {
    if (queries.length === 3 && !exported) {
      exported = await cli(["export", "--db", db, "--out", join(dir, "export"), "--tables", "runs", "--wait", "20"]);
      continue;
    }
    const q = await cli(["query", COUNT, "--db", db, "--format", "json", "--wait", String(WAIT_S)]);
    assert.equal(q.code, 0, `query ${queries.length + 1} failed:\n${q.err}`);
    queries.push({ ...q, n: (JSON.parse(q.out) as { n: number }[])[0].n });
  }
  assert.equal(await sweepDone, 0, sweepErr);
  const final = await cli(["query", COUNT, "--db", db, "--format", "json"]);
  assert.equal(final.code, 0, final.err);
  const finalCount = (JSON.parse(final.out) as { n: number }[])[0].n;

  const during = queries.filter((q) => q.end < sweepEnd);
  console.log(
    `# sweep ${((sweepEnd - sweepStart) / 1000).toFixed(1)} s; ${queries.length} queries, ${during.length} entirely ` +
      `during it, each ${queries.map((q) => ((q.end - q.start) / 1000).toFixed(2)).join(", ")} s ` +
      `(process start included); counts ${queries.map((q) => q.n).join(" ")} → ${finalCount}`,
  );
  assert.ok(during.length >= 3, `only ${during.length} queries ran during the sweep`);
  for (const q of during) assert.match(q.err, /note: a sweep is writing .*; reading its snapshot taken/);
  for (let i = 1; i < queries.length; i++)
    assert.ok(queries[i].n >= queries[i - 1].n, `count fell: ${queries[i - 1].n} → ${queries[i].n}`);
  assert.ok(during[0].n < total, "the first query saw an unfinished sweep");
  assert.equal(finalCount, total);
  assert.ok(queries.every((q) => q.n <= total));
  assert.match(final.err, /^$/, "after the sweep the file itself is read");

  assert.ok(exported, "export ran during the sweep");
  assert.equal(exported.code, 0, exported.err);
  assert.match(exported.out, /^runs: (\d+) rows -> /);
  const exportedRuns = Number(/^runs: (\d+) rows/.exec(exported.out)![1]);
  assert.ok(exportedRuns >= queries[2].n && exportedRuns <= total, `exported ${exportedRuns} runs`);
});
