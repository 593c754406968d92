/**
 * Runs the site's experiment definitions through the runner into the profile's DuckDB store, computing only
 * what is missing (the runner skips runs already finished with the same config hash and code version), and
 * keeps each experiment's rows equal to its current definition (runs of an older version of the definition, or
 * of older engine code, are pruned, so pages can select by experiment name).
 *
 * A warm check costs no problem construction: after a complete pass the loader writes, next to the store,
 * <store>.site.json = { experiment: { digest of the patched config, code version, config hashes of its runs } };
 * when the digest and code version still match and the store holds every listed run finished, the experiment is
 * up to date without calling the runner (which would build the dense problem, ~1 s at N = 1000, before it can
 * see that nothing is left to do).
 *
 * Loaders of several pages may run at once (preview): <store>.site-lock serialises them (DuckDB allows one
 * writer process); a lock whose process is gone is taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { runExperiment, type RunnerEvent } from "../lib/run/runner.ts";
import { codeVersion } from "../lib/prepare/codeVersion.ts";
import { hashOf } from "../lib/config/hash.ts";
import { Store, sqlString } from "../lib/store/store.ts";
import { experimentsDir, type Definition } from "./definitions.ts";

export interface EnsureResult {
  readonly experiment: string;
  readonly runs: number;
  readonly computed: number;
  readonly failed: number;
  readonly pruned: number;
  readonly seconds: number;
  readonly cached: boolean;
}

interface StateEntry {
  readonly digest: string;
  readonly codeVersion: string;
  readonly hashes: readonly string[];
}

type State = Record<string, StateEntry>;

const stateFile = (db: string) => `${db}.site.json`;
const lockFile = (db: string) => `${db}.site-lock`;

function readState(db: string): State {
  try {
    return JSON.parse(readFileSync(stateFile(db), "utf8")) as State;
  } catch {
    return {};
  }
}

function writeState(db: string, state: State): void {
  const tmp = `${stateFile(db)}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state) + "\n");
  renameSync(tmp, stateFile(db));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn holding <db>.site-lock (waits for another loader's lock; takes over a dead process's lock). */
export async function withStoreLock<T>(
  db: string,
  fn: () => Promise<T>,
  options: { timeoutMs?: number; log?: (s: string) => void } = {},
): Promise<T> {
  const path = lockFile(db);
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let said = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${path}: held by process ${pid} for too long`);
      if (!said) options.log?.(`site: waiting for ${path} (process ${pid})`);
      said = true;
      await sleep(300);
    }
  }
  const release = () => {
    try {
      if (readFileSync(path, "utf8").trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  process.once("exit", release);
  try {
    return await fn();
  } finally {
    release();
    process.off("exit", release);
  }
}

const inList = (xs: readonly string[]) => (xs.length === 0 ? "(NULL)" : `(${xs.map(sqlString).join(",")})`);

/** How many of the listed runs the store holds finished for this code version. */
async function finishedCount(
  store: Store,
  experiment: string,
  version: string,
  hashes: readonly string[],
): Promise<number> {
  const [{ n }] = await store.rows(`SELECT count(DISTINCT config_hash)::INTEGER AS n FROM runs
    WHERE experiment = ${sqlString(experiment)} AND code_version = ${sqlString(version)}
    AND status IN ('done', 'diverged') AND config_hash IN ${inList(hashes)}`);
  return Number(n);
}

/** Deletes the experiment's runs that are not in `hashes` (for this code version); returns how many. */
async function prune(store: Store, experiment: string, version: string, hashes: readonly string[]): Promise<number> {
  const stale = await store.rows(`SELECT run_id FROM runs WHERE experiment = ${sqlString(experiment)}
    AND (code_version <> ${sqlString(version)} OR config_hash NOT IN ${inList(hashes)})`);
  await store.deleteRuns(stale.map((r) => Number(r.run_id)));
  return stale.length;
}

/**
 * Brings every definition up to date in the store at `db` (in order, one at a time: the runner uses every core
 * for one experiment). Never throws for failed runs (they are reported and retried next time); throws for bad
 * input and store errors.
 */
export async function ensureExperiments(
  defs: readonly Definition[],
  options: {
    db: string;
    log?: (s: string) => void;
    progress?: boolean /** the caller holds withStoreLock already */;
    locked?: boolean;
  },
): Promise<EnsureResult[]> {
  const log = options.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const { db } = options;
  const work = async () => {
    const version = codeVersion();
    const state = readState(db);
    const results: EnsureResult[] = [];
    const todo: Definition[] = [];
    // 1. cheap check of every experiment against the state file and the store
    if (existsSync(db)) {
      const store = await Store.open(db, { readOnly: true });
      try {
        for (const d of defs) {
          const s = state[d.name];
          if (
            s &&
            s.digest === hashOf(d.config) &&
            s.codeVersion === version &&
            (await finishedCount(store, d.name, version, s.hashes)) === s.hashes.length
          ) {
            results.push({
              experiment: d.name,
              runs: s.hashes.length,
              computed: 0,
              failed: 0,
              pruned: 0,
              seconds: 0,
              cached: true,
            });
          } else todo.push(d);
        }
      } finally {
        await store.close({ checkpoint: false });
      }
    } else todo.push(...defs);
    // 2. the runner for the others, then prune what the current definition no longer has
    for (const d of todo) {
      const t0 = performance.now();
      let hashes: string[] = [];
      const summary = await runExperiment(d.config, {
        db,
        baseDir: experimentsDir,
        progress: options.progress ?? true,
        onEvent: (e: RunnerEvent) => {
          if (e.type === "plan") hashes = [...e.runs.map((r) => r.configHash), ...e.skipped.map((r) => r.configHash)];
        },
      });
      const store = await Store.open(db);
      let pruned = 0;
      try {
        pruned = await prune(store, d.name, version, hashes);
      } finally {
        await store.close();
      }
      const computed = summary.done + summary.diverged + summary.failed;
      if (summary.failed === 0 && !summary.interrupted)
        state[d.name] = { digest: hashOf(d.config), codeVersion: version, hashes };
      else delete state[d.name];
      writeState(db, state);
      const seconds = (performance.now() - t0) / 1000;
      log(
        `site: ${d.name}: ${summary.total} runs, ${summary.skipped} cached, ${computed} computed ` +
          `(${summary.done} done, ${summary.diverged} diverged, ${summary.failed} failed)` +
          `${pruned ? `, ${pruned} stale pruned` : ""} in ${seconds.toFixed(1)} s`,
      );
      results.push({
        experiment: d.name,
        runs: summary.total,
        computed,
        failed: summary.failed,
        pruned,
        seconds,
        cached: false,
      });
    }
    return results;
  };
  return options.locked ? work() : withStoreLock(db, work, { log });
}
