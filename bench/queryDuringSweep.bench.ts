// Reading during a sweep (issue 11; lib/store/snapshot.ts), every ratio measured in this run on this machine:
//  1. the writer's slowdown: one SD sweep (240 runs, one worker, in this process) alone; with a loop of
//     `query` CLI processes reading it (each served a snapshot); and with the same loop reading a finished copy
//     of the store (no snapshot: the same reader CPU load). with-snapshots / with-plain-readers is the cost of
//     the snapshots themselves; with-snapshots / alone adds the readers' own CPU (node start-up on 2 cores).
//  2. the options weighed in lib/store/snapshot.ts on a store of 5 000 runs × 1 000 curve rows: a snapshot
//     (copy of file + WAL), COPY FROM DATABASE into an attached file, and committing a batch keeping the file
//     open vs reopening it for the batch (open, appenders, commit, close with checkpoint).
// Shared machine: wall times are noisy; each sweep timing is the best of two.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExperiment, type RunSummary } from "../lib/run/runner.ts";
import { parseExperiment } from "../lib/config/schema.ts";
import { Store } from "../lib/store/store.ts";
import { SnapshotServer, snapshotReader } from "../lib/store/snapshot.ts";

const dir = mkdtempSync(join(tmpdir(), "query-bench-"));
const BIN = new URL("../bin/powerlaw-sgd.js", import.meta.url).pathname;
const COUNT = "SELECT count(*) FILTER (WHERE status IN ('done', 'diverged')) AS n FROM runs";

function experiment() {
  const e = parseExperiment({
    experiment: "peek",
    problem: { kind: "synthetic", N: 1000, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1, -1] }],
    sweep: {
      lr: Array.from({ length: 10 }, (_, i) => Number((0.1 * (i + 1)).toFixed(1))),
      momentum: Array.from({ length: 12 }, (_, i) => Number((-0.5 + 0.1 * i).toFixed(1))),
      batch_size: [10],
    },
    n_steps: 100_000,
    record: { mode: "log", per_decade: 40 },
  });
  if (!e.ok) throw new Error("bad bench config");
  return e.value;
}

/** Runs `query` processes one after another against `db` until stop() is called; counts snapshot reads. */
function readerLoop(db: string) {
  let stopped = false;
  let queries = 0;
  let snapshots = 0;
  const done = (async () => {
    while (!stopped) {
      const err = await new Promise<string>((res) => {
        const c = spawn(process.execPath, [BIN, "query", COUNT, "--db", db, "--format", "csv"]);
        let e = "";
        c.stderr.on("data", (d) => (e += d));
        c.on("exit", (code) => res(code === 0 ? e : `failed: ${e}`));
      });
      if (err.startsWith("failed")) throw new Error(err);
      queries++;
      if (err.includes("reading its snapshot")) snapshots++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return { queries, snapshots };
    },
  };
}

type Sweep = { s: RunSummary; q: number; snaps: number; servingMs: number };

async function sweep(readFrom: "none" | "same" | string): Promise<Sweep> {
  servingMs = 0;
  const db = join(dir, `sweep-${Math.random()}.duckdb`);
  let loop: ReturnType<typeof readerLoop> | undefined;
  const s = await runExperiment(experiment(), {
    db,
    concurrency: 1,
    progress: false,
    onEvent: (ev) => {
      // readers start once the sweep is committing
      if (ev.type === "start" && !loop && readFrom !== "none") loop = readerLoop(readFrom === "same" ? db : readFrom);
    },
  });
  const r = loop ? await loop.stop() : { queries: 0, snapshots: 0 };
  return { s, q: r.queries, snaps: r.snapshots, servingMs };
}

/** Time the writer spends serving snapshots (its store stage is paused meanwhile), summed over calls. */
let servingMs = 0;
const serve = Store.prototype.serveSnapshot;
Store.prototype.serveSnapshot = async function (this: Store) {
  const t = performance.now();
  try {
    return await serve.call(this);
  } finally {
    servingMs += performance.now() - t;
  }
};

async function writerSlowdown(): Promise<void> {
  const plain = join(dir, "finished.duckdb");
  await runExperiment(experiment(), { db: plain, concurrency: 1, progress: false });
  const best: Record<string, Sweep> = {};
  for (let rep = 0; rep < 2; rep++)
    for (const [name, from] of [
      ["alone", "none"],
      ["snapshots", "same"],
      ["plain", plain],
    ] as const) {
      const r = await sweep(from);
      if (!best[name] || r.s.seconds < best[name].s.seconds) best[name] = r;
    }
  const line = (label: string, r: Sweep) =>
    console.log(
      `${label.padEnd(44)} ${r.s.seconds.toFixed(2)} s  store stage ${r.s.storeSeconds.toFixed(3)} s  ` +
        `${r.q} queries, ${r.snaps} on snapshots`,
    );
  console.log(`240 SD runs (N = 1000, T = 10⁵, 1 worker) written by this process, best of 2:`);
  line("alone", best.alone);
  line("with `query` readers served snapshots", best.snapshots);
  line("with `query` readers of a finished copy", best.plain);
  const { alone, snapshots, plain: p } = best;
  console.log(
    `  snapshots / plain readers = ${(snapshots.s.seconds / p.s.seconds).toFixed(3)} (the snapshots' own cost); ` +
      `snapshots / alone = ${(snapshots.s.seconds / alone.s.seconds).toFixed(3)} (incl. the readers' CPU); ` +
      `serving the snapshots: ${snapshots.servingMs.toFixed(0)} ms = ` +
      `${((snapshots.servingMs / 1000 / snapshots.s.seconds) * 100).toFixed(2)} % of the sweep (cap 5 %)`,
  );
}

async function options(): Promise<void> {
  const db = join(dir, "big.duckdb");
  const T = 1000;
  const steps = Int32Array.from({ length: T }, (_, i) => i);
  const fin = (runId: number) => ({
    runId,
    status: "done" as const,
    divergedAt: null,
    steps: T,
    finalLoss: 0,
    error: null,
    backend: "js",
    finishedAt: Date.now(),
    durationMs: 0,
  });
  let id = 0;
  const batch = async (s: Store, runs: number) => {
    const f = [];
    for (let r = 0; r < runs; r++) {
      id++;
      s.addRun({ run_id: id, experiment: "b", status: "running" });
      s.addCurve(
        id,
        steps,
        Float64Array.from({ length: T }, (_, i) => (i + 1) ** -1.3 * (1 + 0.01 * Math.sin(i * id))),
      );
      f.push(fin(id));
    }
    await s.commit(f);
  };
  const s = await Store.open(db);
  await s.startStreaming();
  for (let i = 0; i < 50; i++) await batch(s, 100);
  await s.run("CHECKPOINT");
  for (let i = 0; i < 10; i++) await batch(s, 2); // some rows in the WAL, as mid-sweep
  const mb = (statSync(db).size / 1e6).toFixed(0);
  let t = performance.now();
  for (let i = 0; i < 5; i++) await batch(s, 2);
  const keep = (performance.now() - t) / 5;
  const server = new SnapshotServer(db);
  snapshotReader.request(db);
  t = performance.now();
  await server.serve();
  const snap = performance.now() - t;
  const dbName = (await s.rows("SELECT current_database() AS d"))[0].d as string;
  t = performance.now();
  await s.run(`ATTACH '${join(dir, "attached.duckdb")}' AS copy; COPY FROM DATABASE "${dbName}" TO copy; DETACH copy;`);
  const copyDb = performance.now() - t;
  await s.close();
  t = performance.now();
  for (let i = 0; i < 3; i++) {
    const s2 = await Store.open(db);
    await s2.startStreaming();
    await batch(s2, 2);
    await s2.close();
  }
  const reopen = (performance.now() - t) / 3;
  console.log(`store of 5 000 runs × ${T} curve rows (${mb} MB):`);
  console.log(`  commit a 2-run batch, file kept open:       ${keep.toFixed(1)} ms (reference)`);
  console.log(
    `  same batch reopening the file for it:       ${reopen.toFixed(1)} ms  ratio ${(reopen / keep).toFixed(1)}`,
  );
  console.log(`  snapshot (copy of file + WAL):              ${snap.toFixed(1)} ms  ratio ${(snap / keep).toFixed(1)}`);
  console.log(
    `  COPY FROM DATABASE to an attached file:     ${copyDb.toFixed(1)} ms  ` +
      `ratio to snapshot ${(copyDb / snap).toFixed(1)}`,
  );
}

export async function run(): Promise<void> {
  await writerSlowdown();
  await options();
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
