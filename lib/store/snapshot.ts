/**
 * Reading a store while a sweep writes it. DuckDB lets one process open a file read-write and then no other
 * process open it at all, so a reader (`query`, `export`) asks the writing sweep for a snapshot:
 *
 *   reader: touch <db>.snapshots/request at time t_r; wait until <db>.snapshots/latest.json says takenAt ≥ t_r;
 *           open that snapshot's copy read-only (DuckDB replays its WAL in memory).
 *   writer: after a commit returns and before the next one starts (the runner's store stage is serial), if the
 *           request exists: delete it, note takenAt, copy <db> and <db>.wal to <db>.snapshots/<id>/, publish
 *           latest.json (write, then rename), delete all but the two newest copies.
 *
 * The copy is what a SIGKILL right after that commit would leave (main file + WAL, nothing written during the
 * copy), which is the state the kill test shows DuckDB reopens exactly: every run committed before t_r is in it.
 * A writer pays one stat() per commit slice while nobody asks, and at most DUTY of its time serving copies
 * (after a copy of s ms the next waits s·(1/DUTY − 1) ms), so continuous queries cost it ≤ 5 %; a reader
 * waits at most that gap, one commit interval and one copy. The main file is copied by a child process (`cp`):
 * DuckDB's lock is a POSIX record lock, dropped as soon as the locking process closes any descriptor of the file.
 *
 * Chosen by measurement (bench/queryDuringSweep.bench.ts, 2 shared cores; a 5 000-run, 44 MB store mid-sweep):
 * committing a 2-run batch with the file kept open takes 9 ms; reopening the file for the batch (open, appenders,
 * commit, close with checkpoint) 180–200 ms, about the whole 200 ms commit interval, so the writer cannot let go of
 * the file between batches; COPY FROM DATABASE into an attached file 410–430 ms; this snapshot (file + WAL)
 * 40–65 ms, without the 0.1–0.5 s a CHECKPOINT first would add. Readers copying the files themselves could race a
 * checkpoint (main file rewritten while the WAL is truncated), and a writer closing the file for a reader would wait
 * on the reader's query: both rejected. A sweep with a reader querying back to back spent 2.7 % of its wall time
 * serving snapshots and ran no slower than with the same readers on an unlocked file (ratio 0.97, noise).
 */
import { execFile } from "node:child_process";
import { copyFile, rename, rm, writeFile } from "node:fs/promises";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The largest share of the writer's time spent copying snapshots. */
export const DUTY = 0.05;
/** How long a reader waits for a snapshot by default (s). */
export const DEFAULT_WAIT_S = 30;

const REQUEST = "request";
const LATEST = "latest.json";
const KEEP = 2;
/** Files DuckDB 1.5 writes beside a database while a checkpoint or a recovery is under way. */
const BUSY_SUFFIXES = [".wal.checkpoint", ".wal.recovery"];

export function snapshotDir(db: string): string {
  return `${db}.snapshots`;
}

interface Latest {
  readonly id: string;
  readonly takenAt: number;
  readonly wal: boolean;
}

/** The writer's side: serves a snapshot when asked, at most DUTY of the time. */
export class SnapshotServer {
  private readonly dir: string;
  private seq = 0;
  private nextAt = 0;
  /** snapshots served and the time spent on them (ms), for the summary and the benchmark */
  served = 0;
  servedMs = 0;

  constructor(
    readonly db: string,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = snapshotDir(db);
    // copies left by a killed writer are stale; a pending request is kept (a reader may be waiting for us)
    if (existsSync(this.dir))
      for (const name of readdirSync(this.dir))
        if (name !== REQUEST) rmSync(join(this.dir, name), { recursive: true, force: true });
  }

  /** A reader is waiting (one stat()). */
  requested(): boolean {
    return existsSync(join(this.dir, REQUEST));
  }

  /**
   * Copies the store if a reader asked and the duty cap allows. Call only between commits, with nothing
   * uncommitted in the appenders. Returns whether a snapshot was published.
   */
  async serve(): Promise<boolean> {
    if (!this.requested() || this.now() < this.nextAt) return false;
    const wal = `${this.db}.wal`;
    // a checkpoint in progress (cannot happen between our awaited commits, but the copy must never see one)
    if (BUSY_SUFFIXES.some((s) => existsSync(this.db + s))) return false;
    const t0 = performance.now();
    rmSync(join(this.dir, REQUEST), { force: true });
    const takenAt = this.now();
    const id = `${process.pid}-${++this.seq}`;
    const target = join(this.dir, id);
    mkdirSync(target, { recursive: true });
    const before = sizes(this.db, wal);
    const file = join(target, "results.duckdb");
    await copyOutOfProcess(this.db, file);
    if (before.wal >= 0) await copyFile(wal, `${file}.wal`);
    const after = sizes(this.db, wal);
    if (before.db !== after.db || before.wal !== after.wal) {
      // something wrote meanwhile: drop this copy, the request is re-armed for the next slice
      await rm(target, { recursive: true, force: true });
      await writeFile(join(this.dir, REQUEST), "");
      return false;
    }
    const latest: Latest = { id, takenAt, wal: before.wal >= 0 };
    await writeFile(join(this.dir, `${LATEST}.${id}`), JSON.stringify(latest));
    await rename(join(this.dir, `${LATEST}.${id}`), join(this.dir, LATEST));
    const copies = readdirSync(this.dir)
      .filter((n) => n.startsWith(`${process.pid}-`) && n !== id)
      .sort((a, b) => Number(b.split("-")[1]) - Number(a.split("-")[1]));
    for (const old of copies.slice(KEEP - 1)) await rm(join(this.dir, old), { recursive: true, force: true });
    const ms = performance.now() - t0;
    this.served++;
    this.servedMs += ms;
    this.nextAt = this.now() + ms * (1 / DUTY - 1);
    return true;
  }

  /** The writer is done: its copies go (a reader that has one open keeps reading it). */
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Copies the database file in a child process: DuckDB's lock on it is a POSIX record lock, which the kernel drops
 * as soon as this process closes any descriptor of the file, so opening it here (fs.copyFile) would unlock it.
 */
function copyOutOfProcess(from: string, to: string): Promise<void> {
  const [cmd, args] =
    process.platform === "win32"
      ? [process.execPath, ["-e", "require('node:fs').copyFileSync(process.argv[1], process.argv[2])", from, to]]
      : ["cp", [from, to]];
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, _out, stderr) =>
      err ? reject(new Error(`copying ${from}: ${stderr || err}`)) : resolve(),
    ),
  );
}

function sizes(db: string, wal: string): { db: number; wal: number } {
  return { db: statSync(db).size, wal: existsSync(wal) ? statSync(wal).size : -1 };
}

/** The reader's side: asking for a snapshot and finding it. */
export const snapshotReader = {
  /** Asks the writer for a snapshot; returns the time of asking. */
  request(db: string): number {
    const at = Date.now();
    try {
      mkdirSync(snapshotDir(db), { recursive: true });
      // an empty file whose existence is the message: several readers asking at once share one snapshot
      writeFileSync(join(snapshotDir(db), REQUEST), "");
    } catch {
      // the writer removed the folder as it closed: the database itself is about to be free
    }
    return at;
  },

  /** The newest snapshot's database file if it was taken at or after `since` and is complete on disk. */
  ready(db: string, since: number): { file: string; takenAt: number; wal: boolean } | null {
    let latest: Latest;
    try {
      latest = JSON.parse(readFileSync(join(snapshotDir(db), LATEST), "utf8")) as Latest;
    } catch {
      return null;
    }
    if (latest.takenAt < since) return null;
    const file = join(snapshotDir(db), latest.id, "results.duckdb");
    return snapshotReader.intact(file, latest.wal) ? { file, takenAt: latest.takenAt, wal: latest.wal } : null;
  },

  /** Both files of a snapshot exist (checked again after opening: a copy deleted mid-open is not trusted). */
  intact(file: string, wal: boolean): boolean {
    return existsSync(file) && wal === existsSync(`${file}.wal`);
  },

  /**
   * Call while holding the database open read-only, i.e. with no writer: whatever is in the folder (a request
   * nobody will serve, copies left by a killed writer) is stale. A reader opening one of those copies right now
   * finds it gone when it checks (intact) and opens the database instead.
   */
  clearStale(db: string): void {
    if (existsSync(snapshotDir(db))) rmSync(snapshotDir(db), { recursive: true, force: true });
  },
};
