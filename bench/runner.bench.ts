// Runner and store benchmarks (issue 3), every ratio measured in this run on this machine:
//  1. store throughput: curve rows/s through the chunk appender (2048-row chunks, a commit per 100 runs),
//     against the row appender (one appendInteger/appendDouble call per value) — target ≥ 1e6 rows/s;
//     and the rows/s of the store stage while an SD sweep (record all) runs through the runner.
//  2. runner overhead: 100 SD runs (N = 1000, T = 1000, 10 lr × 10 β, b = 10) called directly in one
//     thread, against the same sweep through runExperiment (worker threads, DuckDB) and through the CLI
//     (a new process: node + tsx + imports + DuckDB file + workers) — target overhead ≤ 20%.
// The machine is shared (other processes compete for the cores), so wall times are noisy; each timing is
// the best of a few repetitions.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, availableParallelism } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Store } from "../lib/store/store.ts";
import { runExperiment } from "../lib/run/runner.ts";
import { parseExperiment } from "../lib/config/schema.ts";
import { spectralDiagonal } from "../lib/regimes/spectralDiagonal.ts";
import { syntheticSpectrum } from "../lib/problem/synthetic.ts";
import { constantSchedule } from "../lib/schedule/constant.ts";

const dir = mkdtempSync(join(tmpdir(), "runner-bench-"));
const BIN = new URL("../bin/powerlaw-sgd.js", import.meta.url).pathname;
const fmt = (x: number) => x.toExponential(2);

async function best<T>(reps: number, f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  let ms = Infinity;
  let value!: T;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    value = await f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, value };
}

async function storeThroughput(): Promise<void> {
  const T = 1001;
  const runs = 1000;
  const steps = Int32Array.from({ length: T }, (_, i) => i);
  const losses = Float64Array.from({ length: T }, (_, i) => 1 / (i + 1));
  const chunk = await best(3, async () => {
    const path = join(dir, `chunk-${Math.random()}.duckdb`);
    const s = await Store.open(path);
    await s.startStreaming();
    const t = performance.now();
    for (let r = 1; r <= runs; r++) {
      s.addRun({ run_id: r, experiment: "b", status: "running" });
      s.addCurve(r, steps, losses);
      if (r % 100 === 0)
        await s.commit(
          Array.from({ length: 100 }, (_, i) => ({
            runId: r - i,
            status: "done" as const,
            divergedAt: null,
            steps: T - 1,
            finalLoss: 0,
            error: null,
            backend: "js",
            finishedAt: Date.now(),
            durationMs: 0,
          })),
        );
    }
    const ms = performance.now() - t;
    await s.close();
    return ms;
  });
  const naive = await best(2, async () => {
    const inst = await DuckDBInstance.create(join(dir, `rows-${Math.random()}.duckdb`));
    const con = await inst.connect();
    await con.run("CREATE TABLE curves (run_id INTEGER, step INTEGER, loss DOUBLE)");
    const app = await con.createAppender("curves");
    const t = performance.now();
    for (let r = 1; r <= runs / 4; r++) {
      for (let i = 0; i < T; i++) {
        app.appendInteger(r);
        app.appendInteger(steps[i]);
        app.appendDouble(losses[i]);
        app.endRow();
      }
      if (r % 25 === 0) app.flushSync();
    }
    app.flushSync();
    const ms = performance.now() - t;
    app.closeSync();
    con.closeSync();
    inst.closeSync();
    return ms;
  });
  const chunkRate = (runs * T) / (chunk.value / 1000);
  const naiveRate = ((runs / 4) * T) / (naive.value / 1000);
  console.log(
    `store, chunk appender:   ${fmt(chunkRate)} curve rows/s ` +
      `(${runs * T} rows incl. run rows and 10 status commits; target ≥ 1e6)`,
  );
  console.log(
    `store, row appender:     ${fmt(naiveRate)} rows/s (same table, one call per value)  ` +
      `→ chunk/row = ${(chunkRate / naiveRate).toFixed(1)}×`,
  );
}

const LR = Array.from({ length: 10 }, (_, i) => Number((0.1 + 0.1 * i).toFixed(2)));
const MOM = Array.from({ length: 10 }, (_, j) => Number((-0.45 + 0.1 * j).toFixed(2)));

function direct(): number {
  const sp = syntheticSpectrum({ N: 1000, nu: 1.5, kappa: 1 });
  let sink = 0;
  for (const lr of LR)
    for (const m of MOM) {
      for (const r of spectralDiagonal(sp, { schedule: constantSchedule(lr, m), batchSize: 10, nSteps: 1000, tau: 1 }))
        sink += r.loss;
    }
  return sink;
}

async function overhead(): Promise<void> {
  const e = parseExperiment({
    experiment: "bench",
    problem: { kind: "synthetic", N: 1000, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd" }],
    sweep: { lr: LR, momentum: MOM, batch_size: [10] },
    n_steps: 1000,
  });
  if (!e.ok) throw new Error("bad bench config");
  direct(); // warm up the JIT of this thread
  const d = await best(3, () => direct());
  const cores = availableParallelism();
  const inproc = async (concurrency: number) =>
    best(3, async () => {
      const db = join(dir, `inproc-${Math.random()}.duckdb`);
      return runExperiment(e.value, { db, concurrency, progress: false });
    });
  const r1 = await inproc(1);
  const rN = await inproc(cores);
  const cli = (concurrency: number) =>
    best(2, () => {
      const db = join(dir, `cli-${Math.random()}.duckdb`);
      const p = spawnSync(
        process.execPath,
        [
          BIN,
          "sd",
          "--N",
          "1000",
          "--nu",
          "1.5",
          "--kappa",
          "1",
          "--lr",
          ...LR.map(String),
          "--momentum",
          ...MOM.map(String),
          "--batch_size",
          "10",
          "--n_steps",
          "1000",
          "--db",
          db,
          "--quiet",
          "--concurrency",
          String(concurrency),
        ],
        { encoding: "utf8" },
      );
      if (p.status !== 0) throw new Error(p.stderr);
      return p.stdout;
    });
  const c1 = await cli(1);
  const cN = await cli(cores);
  const help = await best(3, () => spawnSync(process.execPath, [BIN, "--help"]).status);
  const line = (name: string, ms: number) =>
    console.log(`${name.padEnd(46)} ${(ms / 1000).toFixed(2)} s   ratio to direct ${(ms / d.ms).toFixed(2)}`);
  console.log(`100 SD runs, N = 1000, T = 1000 (1e8 mode-steps, 100 100 curve rows):`);
  line("direct calls, one thread", d.ms);
  line("runExperiment, 1 worker (+DuckDB)", r1.ms);
  line(`runExperiment, ${cores} workers`, rN.ms);
  line("CLI `sd`, --concurrency 1 (new process)", c1.ms);
  line(`CLI \`sd\`, --concurrency ${cores} (new process)`, cN.ms);
  console.log(
    `  of which fixed costs: process start to --help ${(help.ms / 1000).toFixed(2)} s; ` +
      `store stage ${r1.value.storeSeconds.toFixed(3)} s for ${r1.value.curveRows} rows ` +
      `(${fmt(r1.value.curveRows / r1.value.storeSeconds)} rows/s while the sweep runs)`,
  );
  console.log(
    `  runner overhead over direct (1 worker, in process): ${(((r1.ms - d.ms) / d.ms) * 100).toFixed(0)}% ` +
      "(target ≤ 20%)",
  );
}

export async function run(): Promise<void> {
  await storeThroughput();
  await overhead();
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
