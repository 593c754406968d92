/**
 * An exclusive lock file for work that must happen once although several processes, on one machine or on the
 * nodes of a cluster sharing a file system, may ask for it at the same moment: building a cached problem
 * (lib/prepare/dataset.ts), merging shard stores into one (lib/cli/merge.ts).
 *
 *   acquire:  open(path, O_CREAT | O_EXCL) and write {pid, host, token}   (atomic on local file systems and NFSv3+)
 *   hold:     a worker thread touches the file's mtime every heartbeatMs  (the holder's own thread may be busy for
 *             minutes inside a synchronous eigendecomposition, and its timers would not fire)
 *   stale:    the holder is on this host and its pid is gone, or the file's mtime is older than staleMs
 *   take over a stale lock: rename it away (one process wins the rename), check it was the one judged stale
 *
 * A crash never leaves a lock that blocks for longer than staleMs (at once on the same host); what the crashed
 * holder was building must itself be written atomically (temporary name, then rename), as the caches here are.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";

/** Who holds a lock (the file's content). */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** when acquired (ms since the epoch) */
  readonly since: number;
}

export interface LockOptions {
  /** a lock whose file has not been touched for this long is taken over (default 60 s) */
  readonly staleMs?: number;
  /** the holder touches the file this often (default 5 s; keep it well below staleMs) */
  readonly heartbeatMs?: number;
  /** waiters look again this often (default 250 ms) */
  readonly pollMs?: number;
  /** give up waiting after this long (default: never) */
  readonly timeoutMs?: number;
  /** called once when the lock is found held by someone else (e.g. to say what is being waited for) */
  readonly onWait?: (holder: LockHolder | null) => void;
}

export class LockTimeoutError extends Error {
  override readonly name = "LockTimeoutError";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The holder written in a lock file, or null when it cannot be read (gone, or being written). */
export function readHolder(path: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, "utf8")) as LockHolder;
    return typeof h.pid === "number" && typeof h.host === "string" && typeof h.token === "string" ? h : null;
  } catch {
    return null;
  }
}

/** Whether a held lock is stale: its holder died on this host, or it has not been touched for staleMs. */
export function isStale(holder: LockHolder | null, mtimeMs: number, staleMs: number, now = Date.now()): boolean {
  if (holder && holder.host === hostname() && !alive(holder.pid)) return true;
  return now - mtimeMs > staleMs;
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a lock judged stale, unless it changed hands meanwhile: the rename moves whichever file is there now;
 * if that is not the one judged stale (another waiter took over first), it is put back.
 */
function breakStale(path: string, judged: LockHolder | null): void {
  const aside = `${path}.stale-${randomBytes(4).toString("hex")}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // gone already: someone else broke or released it
  }
  const moved = readHolder(aside);
  if (moved && judged && moved.token !== judged.token) {
    try {
      linkSync(aside, path); // put the live lock back (fails only if yet another process created one)
    } catch {
      // a third process holds it now; the moved holder keeps working unprotected (a duplicate build, not a wrong one)
    }
  }
  rmSync(aside, { force: true });
}

/** Touches the lock file from a worker thread while the holder works (its own event loop may be blocked). */
function startHeartbeat(path: string, token: string, everyMs: number): Worker {
  const code = `
    const { workerData } = require("node:worker_threads");
    const fs = require("node:fs");
    setInterval(() => {
      try {
        if (JSON.parse(fs.readFileSync(workerData.path, "utf8")).token !== workerData.token) return;
        const now = new Date();
        fs.utimesSync(workerData.path, now, now);
      } catch {}
    }, workerData.everyMs);`;
  const w = new Worker(code, { eval: true, workerData: { path, token, everyMs }, execArgv: [] });
  w.unref();
  return w;
}

/** A held lock: release() removes the file if it is still ours. */
export interface HeldLock {
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/** Waits for the lock at `path` (taking over a stale one) and holds it until release(). */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 60_000;
  const pollMs = options.pollMs ?? 250;
  const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    token: randomBytes(8).toString("hex"),
    since: Date.now(),
  };
  let told = false;
  for (;;) {
    if (tryCreate(path, holder)) break;
    const other = readHolder(path);
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      continue; // released between our attempt and the stat
    }
    if (isStale(other, mtimeMs, staleMs)) {
      breakStale(path, other);
      continue;
    }
    if (Date.now() > deadline) {
      const who = other ? `process ${other.pid} on ${other.host}` : "another process";
      throw new LockTimeoutError(`${path}: held by ${who}; gave up after ${options.timeoutMs} ms`);
    }
    if (!told) options.onWait?.(other);
    told = true;
    await sleep(pollMs);
  }
  const heartbeat = startHeartbeat(path, holder.token, options.heartbeatMs ?? 5_000);
  let released = false;
  const removeIfOurs = () => {
    if (readHolder(path)?.token === holder.token) rmSync(path, { force: true });
  };
  process.once("exit", removeIfOurs);
  return {
    holder,
    async release() {
      if (released) return;
      released = true;
      process.off("exit", removeIfOurs);
      await heartbeat.terminate();
      removeIfOurs();
    },
  };
}

/** Runs fn holding the lock at `path`; the lock is released however fn ends. */
export async function withFileLock<T>(path: string, fn: () => T | Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
