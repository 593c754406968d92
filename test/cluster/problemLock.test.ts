// Problems built once (lib/prepare/lock.ts, lib/prepare/dataset.ts): processes that ask for the same dataset
// problem at the same moment build it once and the others read what it cached; a builder killed mid-build leaves
// no cache entry, and the next process takes its lock over and builds it; the lock's staleness rules and its
// heartbeat (which must run while the holder's thread is blocked in a synchronous computation).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock, isStale, LockTimeoutError, withFileLock } from "../../lib/prepare/lock.ts";
import { loadDatasetProblem } from "../../lib/prepare/dataset.ts";
import { digest } from "../../lib/config/hash.ts";
import type { DatasetProblemConfig } from "../../lib/config/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "problem-lock-"));
const DATASET = new URL("../../lib/prepare/dataset.ts", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const problem = (N: number): DatasetProblemConfig =>
  ({ kind: "dataset", dataset: "gaussian", N, ntk: "analytic", data_seed: 3 }) as DatasetProblemConfig;

const lambdaDigest = (lambda: Float64Array) =>
  digest(new Uint8Array(lambda.buffer, lambda.byteOffset, lambda.byteLength));

/**
 * A process that loads `problem(N)` with the given cache, once `go` exists (a barrier, so that all start
 * together: it writes `go`.ready-<pid> when it has loaded the engine and waits), and prints {cached, lambda digest}.
 */
function child(N: number, cache: string, go: string | null) {
  const code = `
    import { existsSync, writeFileSync } from "node:fs";
    import { createHash } from "node:crypto";
    const { loadDatasetProblem } = await import(${JSON.stringify(DATASET)});
    const go = ${JSON.stringify(go)};
    if (go !== null) writeFileSync(go + ".ready-" + process.pid, "");
    while (go !== null && !existsSync(go)) await new Promise((r) => setTimeout(r, 5));
    const p = await loadDatasetProblem(
      { kind: "dataset", dataset: "gaussian", N: ${N}, ntk: "analytic", data_seed: 3 },
      { seed: 0, cacheDir: ${JSON.stringify(cache)}, dense: false, network: false },
    );
    const l = p.spectrum.lambda;
    const d = createHash("sha256").update(new Uint8Array(l.buffer, l.byteOffset, l.byteLength)).digest("hex");
    console.log(JSON.stringify({ cached: p.cached, lambda: d.slice(0, 16) }));`;
  const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((res) =>
    proc.on("exit", (code, signal) => res({ code, signal, out, err })),
  );
  return { proc, done };
}

test("staleness: a dead holder on this host at once; another host's once it stops touching the file", () => {
  const now = Date.now();
  const dead = { pid: 2 ** 22 + 12345, host: hostname(), token: "a", since: now };
  assert.equal(isStale(dead, now, 60_000, now), true, "pid gone on this host");
  const me = { pid: process.pid, host: hostname(), token: "b", since: now };
  assert.equal(isStale(me, now, 60_000, now), false, "a live holder");
  const remote = { pid: 1, host: "some-other-node", token: "c", since: now };
  assert.equal(isStale(remote, now - 59_000, 60_000, now), false, "touched 59 s ago, limit 60 s");
  assert.equal(isStale(remote, now - 61_000, 60_000, now), true, "touched 61 s ago");
  assert.equal(isStale(null, now - 61_000, 60_000, now), true, "unreadable and old");
  assert.equal(isStale(null, now, 60_000, now), false, "unreadable but fresh (being written)");
});

test("another host's lock: waited for while fresh (timeout), taken over once stale", async () => {
  const path = join(dir, "remote.lock");
  writeFileSync(path, JSON.stringify({ pid: 1, host: "some-other-node", token: "remote", since: Date.now() }));
  let waited = 0;
  await assert.rejects(
    acquireLock(path, { staleMs: 5_000, pollMs: 20, timeoutMs: 300, onWait: () => waited++ }),
    LockTimeoutError,
  );
  assert.equal(waited, 1, "onWait is called once");
  const old = new Date(Date.now() - 10_000);
  utimesSync(path, old, old);
  const lock = await acquireLock(path, { staleMs: 5_000, pollMs: 20, timeoutMs: 2_000 });
  assert.equal(lock.holder.pid, process.pid);
  await lock.release();
  assert.equal(existsSync(path), false, "released");
});

test("the heartbeat touches the lock while the holder's thread is blocked", async () => {
  const path = join(dir, "heartbeat.lock");
  const lock = await acquireLock(path, { heartbeatMs: 40 });
  await sleep(100); // the heartbeat thread has started
  const before = statSync(path).mtimeMs;
  const until = Date.now() + 600;
  while (Date.now() < until); // a synchronous computation: no timer of this thread can run
  const after = statSync(path).mtimeMs;
  await lock.release();
  assert.ok(after - before >= 300, `mtime advanced by ${after - before} ms during a 600 ms blocked stretch`);
});

test("in one process: holders never overlap", async () => {
  const path = join(dir, "inprocess.lock");
  let inside = 0;
  let most = 0;
  let entered = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      withFileLock(
        path,
        async () => {
          inside++;
          entered++;
          most = Math.max(most, inside);
          await sleep(15);
          inside--;
        },
        { pollMs: 5 },
      ),
    ),
  );
  assert.deepEqual([entered, most], [6, 1]);
});

test("processes asking for one problem at once: one builds it, the others wait and read its cache", async () => {
  const cache = join(dir, "concurrent");
  const go = join(dir, "go");
  const kids = [0, 1, 2].map(() => child(1000, cache, go));
  // all three have loaded the engine and wait at the barrier (seconds on a loaded machine)
  const ready = () => readdirSync(dir).filter((n) => n.startsWith("go.ready-")).length;
  for (const t0 = Date.now(); ready() < 3 && Date.now() - t0 < 120_000; ) await sleep(20);
  assert.equal(ready(), 3, "the three processes reached the barrier");
  writeFileSync(go, "");
  const results = await Promise.all(kids.map((k) => k.done));
  for (const r of results) assert.equal(r.code, 0, r.err);
  const parsed = results.map((r) => JSON.parse(r.out.trim()) as { cached: boolean; lambda: string });
  assert.equal(parsed.filter((p) => !p.cached).length, 1, `exactly one built it: ${JSON.stringify(parsed)}`);
  const reference = await loadDatasetProblem(problem(1000), {
    seed: 0,
    cacheDir: null,
    dense: false,
    network: false,
  });
  for (const p of parsed) assert.equal(p.lambda, lambdaDigest(reference.spectrum.lambda), "bit-identical spectra");
  assert.ok(
    results.some((r) => /waiting for process \d+ on /.test(r.err)),
    `a late process said whom it waits for:\n${results.map((r) => r.err).join("\n")}`,
  );
  assert.deepEqual(
    readdirSync(cache).filter((n) => n.startsWith(".")),
    [],
    "no lock or temporary folder is left",
  );
});

test("a builder killed mid-build leaves no cache entry; the next process takes the lock over, builds it", async () => {
  const cache = join(dir, "killed");
  const a = child(2000, cache, null); // ~2 s to build
  const lockFile = () => existsSync(cache) && readdirSync(cache).find((n) => n.endsWith(".lock"));
  const t0 = Date.now();
  while (!lockFile() && Date.now() - t0 < 30_000) await sleep(10);
  const lock = lockFile();
  assert.ok(lock, "the builder took the lock");
  await sleep(300);
  a.proc.kill("SIGKILL");
  const ra = await a.done;
  assert.equal(ra.signal, "SIGKILL", `killed while building (it finished first: ${ra.out})`);
  const id = lock.slice(1, -".lock".length);
  assert.ok(existsSync(join(cache, lock)), "its lock is left behind");
  assert.equal(existsSync(join(cache, id, "problem.json")), false, "no cache entry");

  const b = child(2000, cache, null);
  const rb = await b.done;
  assert.equal(rb.code, 0, rb.err);
  const got = JSON.parse(rb.out.trim()) as { cached: boolean; lambda: string };
  assert.equal(got.cached, false, "built, not read from a half-written cache");
  const reference = await loadDatasetProblem(problem(2000), { seed: 0, cacheDir: null, dense: false, network: false });
  assert.equal(got.lambda, lambdaDigest(reference.spectrum.lambda));
  assert.deepEqual(readdirSync(cache).sort(), [id], "the entry, and no lock or temporary folder");
  const again = await loadDatasetProblem(problem(2000), { seed: 0, cacheDir: cache, dense: false, network: false });
  assert.equal(again.cached, true);
});
