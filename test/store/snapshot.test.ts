// Snapshots for readers during a sweep (lib/store/snapshot.ts, lib/store/read.ts): a snapshot holds exactly what
// was committed when it was taken (main file + WAL), the writer keeps DuckDB's lock on its file while serving,
// serves nothing unasked, at most 5 % of its time and keeps two copies; a reader facing a holder that serves
// no snapshot gives up after its wait with an error naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Store, StoreError } from "../../lib/store/store.ts";
import { DUTY, SnapshotServer, snapshotDir, snapshotReader } from "../../lib/store/snapshot.ts";
import { openForReading } from "../../lib/store/read.ts";

const dir = mkdtempSync(join(tmpdir(), "snapshot-"));
const projectRoot = resolve(import.meta.dirname, "..", "..");

function finished(runId: number) {
  return {
    runId,
    status: "done" as const,
    divergedAt: null,
    steps: 2,
    finalLoss: 0.25,
    error: null,
    backend: "js",
    finishedAt: Date.now(),
    durationMs: 1,
  };
}

async function addRun(s: Store, runId: number, n = 3): Promise<void> {
  s.addRun({ run_id: runId, experiment: "e", status: "running", regime: "sd" });
  s.addCurve(
    runId,
    Int32Array.from({ length: n }, (_, i) => i),
    Float64Array.from({ length: n }, (_, i) => runId + 1 / (i + 1)),
  );
}

/** What a read-only open of `file` sees: run ids with their status, and every curve row. */
async function contents(file: string) {
  const r = await Store.open(file, { readOnly: true });
  try {
    return {
      runs: await r.rows("SELECT run_id, status FROM runs ORDER BY run_id"),
      curves: await r.rows("SELECT run_id, step, loss FROM curves ORDER BY run_id, step"),
    };
  } finally {
    await r.close();
  }
}

/** Opens `db` from another process: "locked" while a writer holds it, "open" otherwise. */
function probeFromOtherProcess(db: string): string {
  const script = `import { DuckDBInstance } from "@duckdb/node-api";
try { (await DuckDBInstance.create(process.argv[1], { access_mode: "READ_ONLY" })).closeSync(); console.log("open"); }
catch (e) { console.log(/lock/i.test(e.message) ? "locked" : "error: " + e.message); }`;
  const p = spawnSync(process.execPath, ["--input-type=module", "-e", script, db], {
    cwd: projectRoot,
    encoding: "utf8",
  });
  return p.stdout.trim() || p.stderr;
}

test(
  "no request: nothing is copied; " + "a request: the snapshot holds exactly the committed runs, WAL included",
  async () => {
    const db = join(dir, "a.duckdb");
    const s = await Store.open(db);
    await s.startStreaming();
    await addRun(s, 1);
    await addRun(s, 2);
    await s.commit([finished(1), finished(2)]);
    assert.equal(s.snapshotRequested(), false);
    assert.equal(await s.serveSnapshot(), false);
    assert.equal(existsSync(join(snapshotDir(db), "latest.json")), false);

    const asked = snapshotReader.request(db);
    assert.equal(snapshotReader.ready(db, asked), null);
    assert.equal(s.snapshotRequested(), true);
    assert.equal(await s.serveSnapshot(), true);
    assert.equal(s.snapshotRequested(), false, "the request is consumed");
    // after the snapshot: one more run committed, one started (uncommitted rows are never in a snapshot)
    await addRun(s, 3);
    await s.commit([finished(3)]);
    await addRun(s, 4);

    const snap = snapshotReader.ready(db, asked);
    assert.ok(snap, "published");
    assert.ok(snap.takenAt >= asked);
    // nothing was checkpointed since the store opened: the runs live in the WAL, which the copy must carry
    assert.ok(snap.wal && existsSync(`${snap.file}.wal`), "the WAL was copied");
    assert.equal(snapshotReader.ready(db, snap.takenAt + 1), null, "too old for a later request");
    const seen = await contents(snap.file);
    assert.deepEqual(seen.runs, [
      { run_id: 1, status: "done" },
      { run_id: 2, status: "done" },
    ]);
    const expected = [1, 2].flatMap((id) => [0, 1, 2].map((i) => ({ run_id: id, step: i, loss: id + 1 / (i + 1) })));
    assert.deepEqual(seen.curves, expected);
    // the writer still holds its file (DuckDB's lock would drop if this process closed a descriptor of it)
    assert.equal(probeFromOtherProcess(db), "locked");
    assert.equal(s.snapshotStats.served, 1);
    await s.commit([]);
    await s.close();
    assert.equal(existsSync(snapshotDir(db)), false, "the writer removes its copies when it closes");
    assert.equal(probeFromOtherProcess(db), "open");
  },
);

test("duty cap: after a copy of s ms the next waits s·(1/DUTY − 1) ms; two copies are kept", async () => {
  const db = join(dir, "b.duckdb");
  const s = await Store.open(db);
  await s.startStreaming();
  await addRun(s, 1, 5000);
  await s.commit([finished(1)]);
  let clock = 1_000_000;
  const server = new SnapshotServer(db, () => clock);
  snapshotReader.request(db);
  assert.equal(await server.serve(), true);
  const ms = server.servedMs;
  assert.ok(ms > 0);
  snapshotReader.request(db);
  clock += ms * (1 / DUTY - 1) * 0.99;
  assert.equal(await server.serve(), false, "inside the gap");
  assert.equal(server.requested(), true, "the request waits");
  clock += ms * (1 / DUTY - 1) * 0.02;
  assert.equal(await server.serve(), true, "after the gap");
  for (let i = 0; i < 3; i++) {
    clock += 1e9;
    snapshotReader.request(db);
    assert.equal(await server.serve(), true);
  }
  assert.equal(server.served, 5);
  const copies = readdirSync(snapshotDir(db)).filter((n) => /^\d+-\d+$/.test(n));
  assert.equal(copies.length, 2, copies.join(", "));
  const latest = snapshotReader.ready(db, 0);
  assert.ok(latest && copies.some((c) => latest.file.includes(c)));
  await s.close();
});

test("a new writer drops stale copies but keeps a pending request", async () => {
  const db = join(dir, "c.duckdb");
  mkdirSync(join(snapshotDir(db), "999-1"), { recursive: true });
  writeFileSync(join(snapshotDir(db), "999-1", "results.duckdb"), "stale");
  writeFileSync(join(snapshotDir(db), "latest.json"), JSON.stringify({ id: "999-1", takenAt: Date.now(), wal: false }));
  snapshotReader.request(db);
  const s = await Store.open(db);
  assert.deepEqual(readdirSync(snapshotDir(db)), ["request"]);
  assert.equal(s.snapshotRequested(), true);
  await s.close();
});

test(
  "reader: the file itself when free (stale snapshot files cleared); " +
    "a holder that serves nothing → error after the wait",
  async () => {
    const db = join(dir, "d.duckdb");
    const s = await Store.open(db);
    await s.close();
    snapshotReader.request(db);
    const free = await openForReading(db, { waitS: 5 });
    assert.equal(free.snapshotAt, null);
    await free.store.close();
    assert.equal(existsSync(snapshotDir(db)), false, "a request nobody would serve is withdrawn");

    // another program holds the file read-write and serves no snapshot
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { DuckDBInstance } from "@duckdb/node-api";
const db = await DuckDBInstance.create(process.argv[1]); console.log("holding");
process.stdin.on("end", () => { db.closeSync(); process.exit(0); }); process.stdin.resume();`,
        db,
      ],
      { cwd: projectRoot, stdio: ["pipe", "pipe", "inherit"] },
    );
    await new Promise<void>((res) => holder.stdout!.once("data", () => res()));
    const t0 = performance.now();
    await assert.rejects(
      openForReading(db, { waitS: 0.6 }),
      (e: unknown) =>
        e instanceof StoreError &&
        e.kind === "locked" &&
        e.message.includes(db) &&
        /no snapshot of it came within 0\.6 s/.test(e.message),
    );
    assert.ok(performance.now() - t0 >= 600, "waited the whole bound");
    // a writer (a sweep starting) gives up at once without a wait, and waits for the holder with one
    await assert.rejects(Store.open(db, { lockWaitMs: 0 }), (e: unknown) => (e as StoreError).kind === "locked");
    const writer = Store.open(db, { lockWaitMs: 20_000 });
    holder.stdin!.end();
    await new Promise((res) => holder.once("exit", res));
    await (await writer).close();
    const after = await openForReading(db, { waitS: 5 });
    assert.equal(after.snapshotAt, null);
    await after.store.close();
  },
);
