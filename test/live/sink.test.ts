/**
 * The live sink (lib/live/writer.ts) without a browser: decimated curves, snapshots of a real sweep, stop and
 * resume, the size cap, the `--live` default, and a reader racing the writer never seeing a torn snapshot.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { LiveCurve, decimate } from "../../lib/live/curve.ts";
import { LiveSink, checkSnapshot, liveDir, readSnapshot, type LiveSnapshot } from "../../lib/live/writer.ts";
import { runExperiment, type RunnerEvent, type PlannedRun } from "../../lib/run/runner.ts";
import { parseExperiment, type ExperimentInput } from "../../lib/config/schema.ts";
import type { RunSpec } from "../../lib/config/expand.ts";

const dir = mkdtempSync(join(tmpdir(), "live-"));

function parse(input: ExperimentInput) {
  const r = parseExperiment(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

test("LiveCurve keeps ~K points per decade, every early step, and always the newest point", () => {
  const c = new LiveCurve(20);
  for (let t = 0; t <= 1_000_000; t++) c.push(t, 1 / (t + 1));
  const p = c.points();
  assert.ok(p.step.length <= 20 * 6 + 2, `${p.step.length} points`);
  assert.deepEqual(p.step.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(p.step[p.step.length - 1], 1_000_000);
  for (let i = 1; i < p.step.length; i++) assert.ok(p.step[i] > p.step[i - 1]);
  // while it grows the end is always the last step offered
  const g = new LiveCurve(10);
  for (let t = 0; t < 5000; t++) {
    g.push(t, t);
    if (t % 997 === 0) assert.equal(g.points().step.at(-1), t);
  }
  const d = decimate(p, 5);
  assert.ok(d.step.length <= 5 * 6 + 3 && d.step.at(-1) === 1_000_000, `${d.step.length}`);
});

test(
  "snapshots of a real sweep: statuses, divergence step, " + "curves up to the last step, consistent counts",
  async () => {
    const live = join(dir, "a");
    const e = parse({
      experiment: "live-a",
      problem: { kind: "synthetic", N: 200, nu: 1.5, kappa: 1 },
      regimes: [{ regime: "sd", tau: [1] }],
      // b = N: no noise; lr 5 > 2/λ_max diverges
      sweep: { lr: [0.5, 1, 5], batch_size: [200] },
      n_steps: 20_000,
    });
    const sink = new LiveSink({ dir: live, intervalMs: 50 });
    const seen: LiveSnapshot[] = [];
    const s = await runExperiment(e, {
      db: join(dir, "a.duckdb"),
      concurrency: 2,
      progress: false,
      onEvent: (ev) => {
        sink.onEvent(ev);
        if (ev.type === "start" || ev.type === "end") seen.push(sink.snapshot());
      },
    });
    await sink.close();
    assert.deepEqual([s.done, s.diverged], [2, 1]);
    const snap = readSnapshot(sink.file);
    assert.ok(snap, "a snapshot was written");
    assert.equal(checkSnapshot(snap), null);
    assert.equal(snap.state, "done");
    assert.equal(snap.sweep?.experiment, "live-a");
    assert.deepEqual([snap.sweep?.total, snap.sweep?.done, snap.sweep?.diverged, snap.sweep?.running], [3, 2, 1, 0]);
    const byLr = new Map(snap.runs.map((r) => [r.lr, r]));
    const div = byLr.get(5)!;
    assert.equal(div.status, "diverged");
    assert.ok(div.diverged_at! > 0 && div.diverged_at! < 20_000);
    assert.equal(div.curve.step.at(-1), div.diverged_at, "a diverged curve ends at the divergence step");
    for (const lr of [0.5, 1]) {
      const r = byLr.get(lr)!;
      assert.equal(r.status, "done");
      assert.equal(r.curve.step.at(-1), 20_000);
      assert.equal(r.progress, 1);
      assert.ok(r.curve.step.length < 200, `${r.curve.step.length} points`);
      assert.ok(r.steps_per_s! > 0);
    }
    // along the way: every run was pending, then running, then finished
    assert.ok(seen.some((x) => x.runs.some((r) => r.status === "running")));
    assert.ok(seen[0].runs.filter((r) => r.status === "pending").length >= 1);
    for (const x of seen) assert.equal(checkSnapshot(x), null);
  },
);

test(
  "stop and resume: interrupted runs go back to pending, running, done; " + "finished ones keep their curves",
  async () => {
    const live = join(dir, "b");
    const db = join(dir, "b.duckdb");
    const e = parse({
      experiment: "live-b",
      problem: { kind: "synthetic", N: 300, nu: 1.5, kappa: 1 },
      regimes: [{ regime: "sd", tau: [1] }],
      sweep: { lr: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], batch_size: [10] },
      n_steps: 100_000,
    });
    const ctl = new AbortController();
    let ends = 0;
    const first = new LiveSink({ dir: live, intervalMs: 50 });
    const s1 = await runExperiment(e, {
      db,
      concurrency: 2,
      progress: false,
      signal: ctl.signal,
      onEvent: (ev) => {
        first.onEvent(ev);
        // like SIGINT: the abort arrives from outside the event being handled
        if (ev.type === "end" && ++ends === 2) setImmediate(() => ctl.abort());
      },
    });
    await first.close();
    assert.equal(s1.interrupted, true);
    const stopped = readSnapshot(first.file)!;
    assert.equal(stopped.state, "interrupted");
    const finished1 = stopped.runs.filter((r) => r.status === "done");
    assert.ok(finished1.length >= 2 && finished1.length < 6, `${finished1.length} done`);
    assert.ok(
      stopped.runs.some((r) => r.status === "interrupted"),
      "the runs cut short show as interrupted",
    );
    assert.ok(stopped.runs.every((r) => ["done", "interrupted", "pending"].includes(r.status)));

    const second = new LiveSink({ dir: live, intervalMs: 50 });
    const statusesOf = new Map<string, string[]>();
    const note = (snap: LiveSnapshot) => {
      for (const r of snap.runs) {
        const l = statusesOf.get(r.key) ?? [];
        if (l.at(-1) !== r.status) l.push(r.status);
        statusesOf.set(r.key, l);
      }
    };
    const s2 = await runExperiment(e, {
      db,
      concurrency: 2,
      progress: false,
      onEvent: (ev) => {
        second.onEvent(ev);
        if (ev.type === "plan" || ev.type === "start" || ev.type === "end") note(second.snapshot());
      },
    });
    await second.close();
    assert.equal(s2.skipped, finished1.length);
    const resumed = readSnapshot(second.file)!;
    assert.equal(checkSnapshot(resumed), null);
    assert.equal(resumed.state, "done");
    assert.equal(resumed.sweep?.done, 6);
    for (const r of resumed.runs) {
      const before = stopped.runs.find((x) => x.key === r.key)!;
      if (before.status === "done") {
        assert.equal(r.earlier, true);
        assert.deepEqual(r.curve.step, before.curve.step, "a run finished earlier keeps its curve");
        assert.deepEqual(statusesOf.get(r.key), ["done"]);
      } else {
        assert.equal(r.earlier, false);
        assert.deepEqual(statusesOf.get(r.key), ["pending", "running", "done"], `run ${r.key}`);
        if (before.status === "interrupted") assert.equal(r.attempt, 2);
        assert.equal(r.curve.step.at(-1), 100_000);
      }
    }
  },
);

function fakeSpec(index: number, nSteps: number): RunSpec {
  return {
    index,
    regime: "sd",
    tau: 1,
    lr: 0.5 + index,
    momentum: 0,
    batchSize: 10,
    schedule: { kind: "constant", lr: 0.5 + index, momentum: 0 },
    nSteps,
    replicate: 0,
    seed: 0,
    optimizer: null,
    record: { mode: "all" },
    trackEvery: 0,
    divergenceFactor: 1e10,
  } as RunSpec;
}

/** Feeds a sink a synthetic sweep: nRuns runs, each `steps` steps in batches. */
function feed(sink: LiveSink, nRuns: number, steps: number, batch = 5000, finish = true, stride = 1): void {
  const runs: PlannedRun[] = Array.from({ length: nRuns }, (_, i) => ({
    runId: i + 1,
    spec: fakeSpec(i, steps),
    configHash: `h${i}`,
  }));
  const ev = (e: RunnerEvent) => sink.onEvent(e);
  ev({
    type: "plan",
    experiment: "fake",
    db: "x.duckdb",
    problem: { id: "p", N: 1000, dataset: "synthetic" },
    runs,
    skipped: [],
    at: Date.now(),
  });
  for (const r of runs) {
    ev({ type: "start", run: r, at: Date.now() });
    for (let s = 0; s <= steps; s += batch * stride) {
      const n = Math.min(batch, Math.floor((steps - s) / stride) + 1);
      const st = Int32Array.from({ length: n }, (_, i) => s + i * stride);
      ev({
        type: "curve",
        runId: r.runId,
        steps: st,
        losses: Float64Array.from(st, (t) => 1 / (1 + t) + 1e-3 * Math.sin(t)),
      });
    }
    if (finish)
      ev({
        type: "end",
        runId: r.runId,
        status: "done",
        divergedAt: null,
        steps,
        finalLoss: 1e-3,
        backend: "js",
        error: null,
        durationMs: 10,
        at: Date.now(),
      });
  }
}

test("the snapshot stays under the size cap: finished curves are thinned first", async () => {
  const sink = new LiveSink({ dir: join(dir, "c"), maxBytes: 600_000, perDecade: 40 });
  feed(sink, 400, 100_000, 5000, true, 10);
  const big = new LiveSink({ dir: join(dir, "c2"), perDecade: 40 });
  feed(big, 400, 100_000, 5000, true, 10);
  await sink.close();
  await big.close();
  const capped = readFileSync(sink.file, "utf8");
  const full = readFileSync(big.file, "utf8");
  assert.ok(full.length > 600_000, `uncapped ${full.length} bytes`);
  assert.ok(capped.length <= 600_000, `capped ${capped.length} bytes`);
  const s = JSON.parse(capped) as LiveSnapshot;
  assert.equal(checkSnapshot(s), null);
  assert.ok(s.per_decade.finished < 40);
  assert.ok(
    s.runs.every((r) => r.curve.step.at(-1) === 100_000),
    "curves still end at the last step",
  );
});

test(
  "--live default: src/live from the project root, off elsewhere and under node --test; " +
    "POWERLAW_SGD_LIVE and the flag win",
  () => {
    const project = join(dir, "project");
    mkdirSync(join(project, "src"), { recursive: true });
    writeFileSync(join(project, "observablehq.config.ts"), "export default {};\n");
    assert.equal(liveDir(undefined, project, {}), join(project, "src", "live"));
    assert.equal(liveDir(undefined, project, { NODE_TEST_CONTEXT: "child-v8" }), null);
    assert.equal(liveDir(undefined, dir, {}), null);
    assert.equal(liveDir("off", project, {}), null);
    assert.equal(liveDir(undefined, project, { POWERLAW_SGD_LIVE: "off" }), null);
    assert.equal(liveDir("snap", dir, { NODE_TEST_CONTEXT: "child-v8" }), join(dir, "snap"));
    assert.equal(liveDir(undefined, dir, { POWERLAW_SGD_LIVE: "/x/y" }), "/x/y");
  },
);

test("the fallback loader and the static build's snapshot are empty, valid snapshots", () => {
  for (const name of ["runs.json.js", "empty.json.js"]) {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, "..", "..", "src", "live", name)], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as LiveSnapshot;
    assert.equal(checkSnapshot(s), null, name);
    assert.deepEqual([s.state, s.sweep, s.runs.length], ["none", null, 0]);
  }
});

test("a reader racing the writer never reads a torn snapshot", async () => {
  const live = join(dir, "race");
  const sink = new LiveSink({ dir: live, intervalMs: 0, perDecade: 200, maxLoad: 1 });
  // a first snapshot, so the reader always finds a file
  feed(sink, 50, 1000, 100, false);
  await sink.flush();
  const reader = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     const { readFileSync } = require("node:fs");
     let reads = 0, bad = 0, firstBad = null; const seqs = new Set(); let stop = false; let bytes = 0;
     parentPort.on("message", () => { stop = true; });
     (async function loop() {
       const t0 = Date.now();
       while (!stop && Date.now() - t0 < 20000) {
         for (let i = 0; i < 20; i++) {
           const text = readFileSync(workerData.file, "utf8");
           bytes += text.length;
           reads++;
           try {
             const s = JSON.parse(text);
             let pts = 0;
             for (const r of s.runs) {
               if (r.curve.step.length !== r.curve.loss.length) throw new Error("curve lengths");
               pts += r.curve.step.length;
             }
             if (s.end !== s.seq || s.runs.length !== s.n_runs || pts !== s.n_points) throw new Error("inconsistent");
             seqs.add(s.seq);
           } catch (e) { bad++; if (!firstBad) firstBad = String(e.message).slice(0, 200); }
         }
         await new Promise((r) => setImmediate(r));
       }
       parentPort.postMessage({ reads, bad, firstBad, distinct: seqs.size, bytes });
     })();`,
    { eval: true, workerData: { file: sink.file } },
  );
  const result = new Promise<{ reads: number; bad: number; firstBad: string | null; distinct: number; bytes: number }>(
    (res, rej) => {
      reader.once("message", res);
      reader.once("error", rej);
    },
  );
  // the writer: a sweep of 50 runs whose curves keep growing, snapshots as fast as they can go
  const runs: PlannedRun[] = Array.from({ length: 50 }, (_, i) => ({
    runId: 100 + i,
    spec: fakeSpec(i, 1e6),
    configHash: `r${i}`,
  }));
  sink.onEvent({
    type: "plan",
    experiment: "race",
    db: "x",
    problem: { id: "p", N: 1000, dataset: "synthetic" },
    runs,
    skipped: [],
    at: Date.now(),
  });
  for (const r of runs) sink.onEvent({ type: "start", run: r, at: Date.now() });
  const t0 = performance.now();
  let step = 0;
  while (performance.now() - t0 < 3000) {
    for (const r of runs) {
      const st = Int32Array.from({ length: 200 }, (_, i) => step + i);
      sink.onEvent({ type: "curve", runId: r.runId, steps: st, losses: Float64Array.from(st, (t) => 1 / (1 + t)) });
    }
    step += 200;
    await sink.flush();
  }
  reader.postMessage("stop");
  const r = await result;
  await reader.terminate();
  await sink.close();
  console.log(
    `# race: ${sink.writes} snapshots written ` +
      `(last ${(sink.lastBytes / 1e3).toFixed(0)} kB, ${sink.lastWriteMs.toFixed(1)} ms), ` +
      `${r.reads} reads (${(r.bytes / 1e6).toFixed(0)} MB), ${r.distinct} distinct snapshots seen, ${r.bad} torn`,
  );
  assert.ok(sink.writes >= 20, `writes ${sink.writes}`);
  assert.ok(r.reads >= 100, `reads ${r.reads}`);
  assert.ok(r.distinct >= 10, `the reader saw the snapshots change (${r.distinct})`);
  assert.equal(r.bad, 0, `torn or inconsistent reads: ${r.bad} (first: ${r.firstBad})`);
});
