/**
 * The live sink: snapshot files of a running sweep for the Framework preview. It feeds the runner's events
 * (RunnerOptions.onEvent: plan, start, curve, progress, end, finish) to the pure state of lib/live/reducer.ts and,
 * about once a second (throttled, leading and trailing edge), writes the rendered state as one JSON file,
 * `<dir>/runs.json` (format: lib/live/snapshot.ts), atomically: the text goes to a temporary file in the same
 * folder, which is then renamed over the snapshot, so a reader sees either the previous or the next snapshot,
 * never half of one. Writes are asynchronous and at most one is in flight; a slow disk makes snapshots rarer,
 * never the runner slower. The DuckDB store is untouched.
 *
 * Preview: pages do not reference the snapshot as a FileAttachment. Framework 1.13 puts every referenced
 * file's hash into the page's hash, so a file rewritten every second makes a page opened mid-sweep reload
 * again and again ("reload" instead of "welcome" whenever a write lands between the HTML and the socket's
 * hello; measured: 10 reloads before it settled), and its per-page file watchers leak when two changes
 * overlap. Instead, src/components/live.js polls `/_file/live/runs.json` in preview (cheap conditional GETs,
 * the preview serves any file under src/; the fallback loader src/live/runs.json.js answers until a sweep
 * has written one) and pages reference the stable `live/empty.json` for the static build.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { rename, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RunnerEvent } from "../run/runner.ts";
import { LiveSweepState } from "./reducer.ts";
import { checkSnapshot, LIVE_FILE, type LiveSnapshot } from "./snapshot.ts";

export * from "./snapshot.ts";

export interface LiveSinkOptions {
  /** folder of the snapshot (created if missing), e.g. src/live */
  readonly dir: string;
  /** minimum time between two writes (default 1000 ms) */
  readonly intervalMs?: number;
  /** target maximum size of a snapshot in bytes (default 2 MB) */
  readonly maxBytes?: number;
  /** curve points kept per decade of steps (default 40) */
  readonly perDecade?: number;
  /** largest share of the runner's thread spent serializing snapshots (default 0.05: writes are spaced out) */
  readonly maxLoad?: number;
  /** where write errors go (default: one line on stderr, once) */
  readonly onError?: (e: Error) => void;
  /** clock (tests) */
  readonly now?: () => number;
}

export class LiveSink {
  readonly file: string;
  private readonly dir: string;
  private readonly intervalMs: number;
  private readonly maxBytes: number;
  private readonly maxLoad: number;
  private readonly now: () => number;
  private readonly onError: (e: Error) => void;
  private readonly live: LiveSweepState;
  private seq = 0;
  private dirty = false;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private urgentPending = false;
  private writing: Promise<void> | undefined;
  private closed = false;
  private errored = false;
  /** bytes of the last snapshot written, and how long serializing + writing took */
  lastBytes = 0;
  lastWriteMs = 0;
  /** main-thread time of the last snapshot's serialization */
  lastSerializeMs = 0;
  writes = 0;

  constructor(options: LiveSinkOptions) {
    this.dir = resolve(options.dir);
    this.file = join(this.dir, LIVE_FILE);
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxBytes = options.maxBytes ?? 2 << 20;
    this.live = new LiveSweepState(options.perDecade ?? 40, process.pid);
    this.maxLoad = options.maxLoad ?? 0.05;
    this.now = options.now ?? Date.now;
    this.onError =
      options.onError ??
      ((e) => process.stderr.write(`live: cannot write ${this.file}: ${e.message} (the sweep goes on)\n`));
  }

  /** The runner's event hook: `runExperiment(e, { onEvent: sink.onEvent })`. */
  readonly onEvent = (ev: RunnerEvent): void => {
    try {
      const previous = ev.type === "plan" ? readSnapshot(this.file) : undefined;
      const urgent = this.live.apply(ev, this.now(), previous);
      if (urgent !== null) this.schedule(urgent);
    } catch (e) {
      this.fail(e as Error);
    }
  };

  /** Marks the state changed and arranges a write: now if `urgent` or ≥ intervalMs since the last one, else then. */
  private schedule(urgent = false): void {
    this.dirty = true;
    if (this.closed && !this.writing) return void this.flush();
    if (this.writing) {
      // the write's end schedules the next one
      this.urgentPending ||= urgent;
      return;
    }
    const now = this.now();
    // the sweep starting or ending goes out within 250 ms; everything else (runs starting, growing, ending) about
    // once per interval: pages re-render on every snapshot, and a busy page must not fall behind
    // (and at most ~5 % of the runner's thread: a snapshot that took 60 ms to write waits ≥ 1.2 s for the next)
    const gap = Math.max(
      urgent ? Math.min(250, this.intervalMs) : this.intervalMs,
      this.lastSerializeMs / this.maxLoad,
    );
    const due = Math.max(now, this.lastWrite + gap);
    if (this.timer) {
      if (due >= this.timerDue) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, due - now);
    this.timer.unref?.();
  }

  /** Writes now if anything changed (one write at a time). */
  flush(): Promise<void> {
    if (this.writing) return this.writing;
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    this.writing = this.write()
      .catch((e: Error) => this.fail(e))
      .finally(() => {
        this.writing = undefined;
        const urgent = this.urgentPending;
        this.urgentPending = false;
        if (this.dirty && !this.closed) this.schedule(urgent);
      });
    return this.writing;
  }

  private fail(e: Error): void {
    if (this.errored) return;
    this.errored = true;
    this.onError(e);
  }

  /** The snapshot as it would be written now. */
  snapshot(): LiveSnapshot {
    return JSON.parse(this.live.serialize(this.now(), this.seq, this.maxBytes)) as LiveSnapshot;
  }

  private async write(): Promise<void> {
    const t = performance.now();
    const now = this.now();
    this.lastWrite = now;
    const seq = ++this.seq;
    const text = this.live.serialize(now, seq, this.maxBytes);
    this.lastSerializeMs = performance.now() - t;
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${LIVE_FILE}.${process.pid}.${seq}.tmp`);
    try {
      await writeFile(tmp, text);
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    this.lastBytes = text.length;
    this.lastWriteMs = performance.now() - t;
    this.writes++;
  }

  /** Writes the final state and stops (awaits any write in flight). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.live.state === "running") {
      // the runner did not say how it ended (it threw): what was running is interrupted
      this.live.apply({ type: "finish", interrupted: true, at: this.now() }, this.now());
      this.dirty = true;
    }
    this.closed = true;
    while (this.writing || this.dirty) {
      if (this.writing) await this.writing;
      else await this.flush();
    }
  }
}

/** Reads and checks a snapshot; undefined if missing, torn or not a snapshot. */
export function readSnapshot(file: string): LiveSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const s = JSON.parse(text) as LiveSnapshot;
    return checkSnapshot(s) === null ? s : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the CLI writes snapshots: `--live DIR`, `--live off`, or (no flag) POWERLAW_SGD_LIVE, else `auto`:
 * `src/live` when the working directory is this project's root (observablehq.config.* and src/ exist),
 * off otherwise and inside `node --test` (NODE_TEST_CONTEXT), so test sweeps never touch a developer's pages.
 */
export function liveDir(
  flag: string | undefined,
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const value = (flag ?? env.POWERLAW_SGD_LIVE ?? "auto").trim();
  if (value === "off" || value === "none" || value === "false" || value === "0" || value === "") return null;
  if (value !== "auto") return resolve(cwd, value);
  if (env.NODE_TEST_CONTEXT) return null;
  const isProject =
    ["observablehq.config.ts", "observablehq.config.js", "observablehq.config.mjs"].some((f) =>
      existsSync(join(cwd, f)),
    ) && existsSync(join(cwd, "src"));
  return isProject ? join(cwd, "src", "live") : null;
}

/** The sink for a `--live` flag value (see liveDir), or undefined when live snapshots are off. */
export function liveSinkFor(
  flag: string | undefined,
  options: Omit<LiveSinkOptions, "dir"> = {},
): LiveSink | undefined {
  const dir = liveDir(flag);
  return dir === null ? undefined : new LiveSink({ ...options, dir });
}
