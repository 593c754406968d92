// Live sink (issue 6): what it costs the runner's main thread.
//  1. curve points/s through LiveSink.onEvent (log decimation, O(1) a point) — the runner hands it every
//     recorded step (record all: ~2e5 steps/s per SD worker);
//  2. one snapshot (serialize + temp file + rename) for sweeps of 100 / 1000 / 5000 runs with long curves,
//     its size against the cap (2 MB) and the main-thread time it takes; written about once a second;
//  3. an SD sweep (N = 1000, 40 runs × 2e5 steps, record all) through runExperiment with and without the sink.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LiveSink } from "../lib/live/writer.ts";
import { runExperiment, type PlannedRun } from "../lib/run/runner.ts";
import { parseExperiment } from "../lib/config/schema.ts";
import type { RunSpec } from "../lib/config/expand.ts";

const dir = mkdtempSync(join(tmpdir(), "live-bench-"));

function spec(index: number, nSteps: number): RunSpec {
  return {
    index,
    regime: "sd",
    tau: 1,
    lr: 0.5,
    momentum: 0,
    batchSize: 10,
    schedule: { kind: "constant", lr: 0.5, momentum: 0 },
    nSteps,
    replicate: index,
    seed: 0,
    optimizer: null,
    record: { mode: "all" },
    trackEvery: 0,
    divergenceFactor: 1e10,
  } as RunSpec;
}

function planned(n: number, nSteps: number): PlannedRun[] {
  return Array.from({ length: n }, (_, i) => ({ runId: i + 1, spec: spec(i, nSteps), configHash: `k${i}` }));
}

async function ingest(): Promise<void> {
  const sink = new LiveSink({ dir: join(dir, "ingest"), intervalMs: 1e9 });
  const runs = planned(4, 1e7);
  sink.onEvent({
    type: "plan",
    experiment: "bench",
    db: "x",
    problem: { id: "p", N: 1000, dataset: "synthetic" },
    runs,
    skipped: [],
    at: Date.now(),
  });
  for (const r of runs) sink.onEvent({ type: "start", run: r, at: Date.now() });
  const batch = 4096;
  const steps = new Int32Array(batch);
  const losses = new Float64Array(batch).fill(0.5);
  let total = 0;
  const t = performance.now();
  for (let s = 0; s < 2_000_000; s += batch) {
    for (let i = 0; i < batch; i++) steps[i] = s + i;
    for (const r of runs) {
      sink.onEvent({ type: "curve", runId: r.runId, steps, losses });
      total += batch;
    }
  }
  const ms = performance.now() - t;
  console.log(
    `ingest: ${(total / (ms / 1000)).toExponential(2)} curve points/s through onEvent ` +
      `(${total} points in ${ms.toFixed(0)} ms)`,
  );
  await sink.close();
}

export async function snapshotCost(nRuns: number): Promise<void> {
  const sink = new LiveSink({ dir: join(dir, `snap-${nRuns}`), intervalMs: 1e9 });
  const runs = planned(nRuns, 1e6);
  sink.onEvent({
    type: "plan",
    experiment: "bench",
    db: "x",
    problem: { id: "p", N: 1000, dataset: "synthetic" },
    runs,
    skipped: [],
    at: Date.now(),
  });
  // every run 1e6 steps long (≈ 40 points/decade · 6 decades), half of them finished
  for (const r of runs) {
    sink.onEvent({ type: "start", run: r, at: Date.now() });
    const st = Int32Array.from({ length: 2000 }, (_, i) => Math.round(10 ** ((6 * i) / 1999)));
    const uniq = Int32Array.from(new Set(st));
    sink.onEvent({
      type: "curve",
      runId: r.runId,
      steps: uniq,
      losses: Float64Array.from(uniq, (t) => 1 / (1 + t) ** 0.7),
    });
    if (r.runId % 2 === 0)
      sink.onEvent({
        type: "end",
        runId: r.runId,
        status: "done",
        divergedAt: null,
        steps: 1e6,
        finalLoss: 1e-4,
        backend: "js",
        error: null,
        durationMs: 1000,
        at: Date.now(),
      });
  }
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    sink.onEvent({ type: "progress", runId: 1, step: 10 + i });
    await sink.flush();
    best = Math.min(best, sink.lastWriteMs);
  }
  const snap = sink.snapshot();
  console.log(
    `snapshot of ${nRuns} runs: ${(sink.lastBytes / 1e6).toFixed(2)} MB, ${snap.n_points} points ` +
      `(per decade: running ${snap.per_decade.running}, finished ${snap.per_decade.finished}), ` +
      `${best.toFixed(1)} ms to serialize and write`,
  );
  await sink.close();
}

async function sweep(withSink: boolean): Promise<number> {
  const parsed = parseExperiment({
    experiment: `bench-${withSink}`,
    problem: { kind: "synthetic", N: 1000, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], momentum: [0, 0.2, 0.4, 0.6], batch_size: [10] },
    n_steps: 200_000,
  });
  if (!parsed.ok) throw new Error("bad config");
  const sink = withSink ? new LiveSink({ dir: join(dir, "sweep") }) : undefined;
  const t = performance.now();
  await runExperiment(parsed.value, {
    db: join(dir, `sweep-${withSink}-${Date.now()}.duckdb`),
    progress: false,
    onEvent: sink?.onEvent,
  });
  await sink?.close();
  const s = (performance.now() - t) / 1000;
  if (sink)
    console.log(
      `  (sink: ${sink.writes} snapshots, ` +
        `last ${(sink.lastBytes / 1e3).toFixed(0)} kB in ${sink.lastWriteMs.toFixed(1)} ms)`,
    );
  return s;
}

export async function run(): Promise<void> {
  await ingest();
  for (const n of [100, 1000, 5000]) await snapshotCost(n);
  // interleaved, best of 3 each: the machine is shared and noisy
  let plain = Infinity;
  let live = Infinity;
  for (let i = 0; i < 3; i++) {
    plain = Math.min(plain, await sweep(false));
    live = Math.min(live, await sweep(true));
  }
  console.log(
    `SD sweep 40 runs × 2e5 steps (record all): ${plain.toFixed(2)} s without the sink, ` +
      `${live.toFixed(2)} s with it (${(((live - plain) / plain) * 100).toFixed(1)} %)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
