/**
 * Merges stores — the shards of a sweep (lib/store/shards.ts), or any stores — into one, crash-safely:
 *
 *   OUT.merge-<pid>.tmp ← OUT (when it exists) + each input in order, through DuckDB ATTACH … (READ_ONLY)
 *   CHECKPOINT, close, rename over OUT
 *
 * so OUT is at every moment either what it was or the whole merge. A run is identified by (experiment,
 * config_hash, code_version): the first finished copy (done/diverged) is kept; a later identical copy (status,
 * diverged_at, steps, final_loss and every curve row bit for bit) is skipped, a different one is a conflict,
 * reported and not merged; a finished copy replaces a failed one; runs left 'running' by a killed process are not
 * merged. Run ids are renumbered (curves and modes follow); problems and their spectra are merged on the problem
 * id. Merging again with the same inputs changes nothing (idempotent), and OUT's own runs are never dropped.
 *
 * Shards: each input's `shard:<experiment>` record says which shards it holds and how many runs each planned; an
 * input holds its shards complete when it has that many finished runs. The merged store records the shards it
 * holds complete, so that merging a rerun shard later completes it; a shard no input holds is reported missing,
 * one held only incomplete as unfinished, each with its index. The caller holds a lock on OUT (lib/cli/merge.ts)
 * against other merges; OUT is also held open read-only throughout, so that no sweep writes into it meanwhile.
 */
import { existsSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { Store, StoreError, sqlString } from "./store.ts";
import { table } from "./schema.ts";
import { parseShardMeta, writeShardMeta, type ShardMeta } from "./shards.ts";
import { canonicalJson } from "../config/hash.ts";

export interface InputSummary {
  readonly path: string;
  /** why the input could not be read (e.g. a shard still running holds it) */
  readonly error?: string;
  /** finished runs it holds */
  readonly finished: number;
  /** runs it added to OUT (new, or replacing a failed copy) */
  readonly added: number;
  /** finished runs OUT already held identically */
  readonly identical: number;
  /** rows left 'running' by a killed process: not merged */
  readonly running: number;
}

export interface Conflict {
  readonly experiment: string;
  readonly configHash: string;
  readonly codeVersion: string;
  /** the store whose copy was kept, and the one whose copy differs */
  readonly kept: string;
  readonly other: string;
  readonly differences: readonly string[];
}

export interface ShardStatus {
  readonly experiment: string;
  readonly count: number;
  /** indices held complete by some input */
  readonly complete: readonly number[];
  /** indices held only incomplete: where, and how far they got */
  readonly unfinished: readonly { index: number; path: string; finished: number; planned: number }[];
  /** indices no input holds */
  readonly missing: readonly number[];
}

export interface MergeReport {
  readonly out: string;
  readonly inputs: readonly InputSummary[];
  /** runs in OUT after the merge, and curve rows */
  readonly runs: number;
  readonly curveRows: number;
  readonly problems: number;
  /** runs OUT holds now that it did not hold before */
  readonly added: number;
  readonly conflicts: readonly Conflict[];
  /** experiments whose config differs between inputs (the latest invocation's is kept) */
  readonly configConflicts: readonly string[];
  readonly shards: readonly ShardStatus[];
}

/** Inputs that cannot be merged at all (not a store, shard counts that disagree): nothing is written. */
export class MergeInputError extends Error {
  override readonly name = "MergeInputError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

interface ExperimentRow {
  readonly path: string;
  readonly experiment: string;
  readonly description: string | null;
  readonly config: string;
  readonly codeVersion: string;
  readonly nRuns: number;
  readonly created: number;
  readonly updated: number;
  /** finished runs of the experiment at its code version, in that input */
  readonly finished: number;
  readonly shard?: ShardMeta;
}

const FINISHED = "status IN ('done', 'diverged')";
const tmpPrefix = (out: string) => `${basename(out)}.merge-`;

/** The columns `alias.name` has (older stores may lack columns added since). */
async function columnsOf(store: Store, alias: string, name: string): Promise<Set<string>> {
  const rows = await store.rows(
    `SELECT column_name FROM duckdb_columns() WHERE database_name = ${sqlString(alias)} AND schema_name = 'main' ` +
      `AND table_name = ${sqlString(name)}`,
  );
  return new Set(rows.map((r) => String(r.column_name)));
}

/** `INSERT INTO name (cols) SELECT … FROM src.name s [join]`: columns the source lacks become NULL. */
async function copySql(store: Store, name: string, from: string, override: Record<string, string> = {}) {
  const have = await columnsOf(store, "src", name);
  const cols = table(name).columns;
  const list = cols.map((c) => `"${c.name}"`).join(", ");
  const select = cols
    .map((c) => override[c.name] ?? (have.has(c.name) ? `s."${c.name}"` : `NULL::${c.type}`))
    .join(", ");
  return `INSERT INTO main.${name} (${list}) SELECT ${select} FROM ${from}`;
}

async function count(store: Store, sql: string): Promise<number> {
  const [r] = await store.rows(sql);
  return Number(Object.values(r)[0]);
}

/** Merges one attached input (alias src) into the target; returns its summary and conflicts. */
async function mergeOne(store: Store, path: string, conflicts: Conflict[], keptFrom: Map<number, string>) {
  // one candidate per run identity: a finished copy before a failed one
  await store.run(`CREATE OR REPLACE TEMP TABLE cand AS
    SELECT run_id AS old_id, experiment, config_hash, code_version, ${FINISHED} AS fin FROM src.runs
    WHERE status <> 'running'
    QUALIFY row_number() OVER (PARTITION BY experiment, config_hash, code_version
                               ORDER BY ${FINISHED} DESC, run_id) = 1`);
  await store.run(`CREATE OR REPLACE TEMP TABLE pair AS
    SELECT c.old_id, c.fin AS c_fin, t.run_id AS t_id, t.${FINISHED} AS t_fin,
      c.experiment, c.config_hash, c.code_version
    FROM cand c JOIN main.runs t
      ON t.experiment = c.experiment AND t.config_hash = c.config_hash AND t.code_version = c.code_version`);
  const digestOf = (db: string, ids: string) =>
    `(SELECT run_id, count(*) AS n, bit_xor(hash(step, loss)) AS h FROM ${db}.curves WHERE run_id IN (${ids}) ` +
    "GROUP BY run_id)";
  const differing = await store.rows(`
    SELECT p.old_id, p.t_id, p.experiment, p.config_hash, p.code_version,
      s.status AS s_status, t.status AS t_status, s.diverged_at AS s_div, t.diverged_at AS t_div,
      s.steps AS s_steps, t.steps AS t_steps, s.final_loss AS s_loss, t.final_loss AS t_loss,
      coalesce(sc.n, 0) AS s_n, coalesce(tc.n, 0) AS t_n, (sc.h IS DISTINCT FROM tc.h) AS curve_differs
    FROM pair p JOIN src.runs s ON s.run_id = p.old_id JOIN main.runs t ON t.run_id = p.t_id
      LEFT JOIN ${digestOf("src", "SELECT old_id FROM pair WHERE c_fin AND t_fin")} sc ON sc.run_id = p.old_id
      LEFT JOIN ${digestOf("main", "SELECT t_id FROM pair WHERE c_fin AND t_fin")} tc ON tc.run_id = p.t_id
    WHERE p.c_fin AND p.t_fin AND (s.status IS DISTINCT FROM t.status OR s.diverged_at IS DISTINCT FROM t.diverged_at
      OR s.steps IS DISTINCT FROM t.steps OR s.final_loss IS DISTINCT FROM t.final_loss
      OR sc.n IS DISTINCT FROM tc.n OR sc.h IS DISTINCT FROM tc.h)
    ORDER BY p.old_id`);
  for (const d of differing) {
    const differences: string[] = [];
    const field = (name: string, a: unknown, b: unknown) => {
      if (String(a) !== String(b)) differences.push(`${name} ${String(b)} ≠ ${String(a)}`);
    };
    field("status", d.s_status, d.t_status);
    field("diverged_at", d.s_div, d.t_div);
    field("steps", d.s_steps, d.t_steps);
    field("final_loss", d.s_loss, d.t_loss);
    if (Number(d.s_n) !== Number(d.t_n)) differences.push(`curve rows ${d.t_n} ≠ ${d.s_n}`);
    else if (d.curve_differs) differences.push("curve values differ");
    conflicts.push({
      experiment: String(d.experiment),
      configHash: String(d.config_hash),
      codeVersion: String(d.code_version),
      kept: keptFrom.get(Number(d.t_id)) ?? "?",
      other: path,
      differences,
    });
  }
  const identical = (await count(store, "SELECT count(*) FROM pair WHERE c_fin AND t_fin")) - differing.length;

  // a finished copy replaces a failed one
  const replaced = "SELECT t_id FROM pair WHERE c_fin AND NOT t_fin";
  for (const t of ["curves", "modes", "runs"]) await store.run(`DELETE FROM main.${t} WHERE run_id IN (${replaced})`);
  await store.run(`CREATE OR REPLACE TEMP TABLE idmap AS
    SELECT old_id,
      ((SELECT coalesce(max(run_id), 0) FROM main.runs) + row_number() OVER (ORDER BY old_id))::INTEGER AS new_id
    FROM (SELECT old_id FROM cand WHERE old_id NOT IN (SELECT old_id FROM pair)
          UNION ALL SELECT old_id FROM pair WHERE c_fin AND NOT t_fin)`);
  const newId = { run_id: "m.new_id" };
  await store.run(
    `${await copySql(store, "runs", "src.runs s JOIN idmap m ON s.run_id = m.old_id", newId)} ORDER BY m.new_id`,
  );
  for (const t of ["curves", "modes"])
    await store.run(
      `${await copySql(store, t, `src.${t} s JOIN idmap m ON s.run_id = m.old_id`, newId)} ORDER BY m.new_id, s.step`,
    );
  for (const r of await store.rows("SELECT new_id FROM idmap")) keptFrom.set(Number(r.new_id), path);

  // problems and their spectra, once per problem id
  await store.run(`CREATE OR REPLACE TEMP TABLE newp AS
    SELECT DISTINCT problem FROM src.problems WHERE problem NOT IN (SELECT problem FROM main.problems)`);
  await store.run(
    `${await copySql(store, "problems", "src.problems s WHERE s.problem IN (SELECT problem FROM newp)")} ` +
      "QUALIFY row_number() OVER (PARTITION BY s.problem ORDER BY s.created_at) = 1",
  );
  await store.run(
    `${await copySql(store, "spectra", "src.spectra s WHERE s.problem IN (SELECT problem FROM newp)")} ` +
      "ORDER BY s.problem, s.k",
  );
  return {
    finished: await count(store, `SELECT count(*) FROM src.runs WHERE ${FINISHED}`),
    added: await count(store, "SELECT count(*) FROM idmap"),
    identical,
    running: await count(store, "SELECT count(*) FROM src.runs WHERE status = 'running'"),
  };
}

/** The input's experiments, with their finished-run counts and shard records. */
async function experimentsOf(store: Store, path: string): Promise<ExperimentRow[]> {
  const meta = new Map(
    (await store.rows("SELECT key, value FROM src.meta WHERE key LIKE 'shard:%'")).map((r) => [
      String(r.key).slice("shard:".length),
      parseShardMeta(String(r.value)),
    ]),
  );
  const rows = await store.rows(`SELECT e.experiment, e.description, e.config::VARCHAR AS config, e.code_version,
      e.n_runs, epoch_ms(e.created_at) AS created, epoch_ms(e.updated_at) AS updated,
      (SELECT count(DISTINCT r.config_hash) FROM src.runs r WHERE r.experiment = e.experiment
        AND r.code_version = e.code_version AND r.${FINISHED}) AS finished
    FROM src.experiments e ORDER BY e.experiment`);
  return rows.map((r) => ({
    path,
    experiment: String(r.experiment),
    description: r.description === null ? null : String(r.description),
    config: String(r.config),
    codeVersion: String(r.code_version),
    nRuns: Number(r.n_runs),
    created: Number(r.created),
    updated: Number(r.updated),
    finished: Number(r.finished),
    shard: meta.get(String(r.experiment)),
  }));
}

const sameConfig = (a: string, b: string) => {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return a === b;
  }
};

/** One experiments row from the inputs' rows, the shard status, and the merged shard record. */
function combineExperiment(rows: ExperimentRow[], configConflicts: string[]) {
  const latest = rows.reduce((a, b) => (b.updated > a.updated ? b : a));
  const differ = rows.filter((r) => !sameConfig(r.config, latest.config));
  if (differ.length)
    configConflicts.push(
      `experiment ${latest.experiment}: the config in ${differ.map((r) => r.path).join(", ")} differs from the ` +
        `one in ${latest.path} (the latest invocation's, which is kept)`,
    );
  const sharded = rows.filter((r) => r.shard);
  let status: ShardStatus | undefined;
  let meta: ShardMeta | null = null;
  let nRuns = Math.max(...rows.map((r) => r.nRuns));
  if (sharded.length) {
    const counts = [...new Set(sharded.map((r) => r.shard!.count))];
    if (counts.length > 1)
      throw new MergeInputError([
        `experiment ${latest.experiment}: the inputs are shards of different splits (${sharded
          .map((r) => `${r.path}: ${Object.keys(r.shard!.runs).join(",")}/${r.shard!.count}`)
          .join("; ")}): merge each split's shards separately`,
      ]);
    const n = counts[0];
    const planned = new Map<number, number>();
    const complete = new Set<number>();
    const partial = new Map<number, { index: number; path: string; finished: number; planned: number }>();
    for (const r of sharded) {
      const entries = Object.entries(r.shard!.runs).map(([i, p]) => [Number(i), p] as const);
      const want = entries.reduce((a, [, p]) => a + p, 0);
      for (const [i, p] of entries) if (!planned.has(i)) planned.set(i, p);
      if (r.finished >= want) for (const [i] of entries) complete.add(i);
      else
        for (const [i, p] of entries)
          if (!partial.has(i)) partial.set(i, { index: i, path: r.path, finished: r.finished, planned: p });
    }
    const all = Array.from({ length: n }, (_, k) => k + 1);
    status = {
      experiment: latest.experiment,
      count: n,
      complete: all.filter((i) => complete.has(i)),
      unfinished: all.filter((i) => !complete.has(i) && partial.has(i)).map((i) => partial.get(i)!),
      missing: all.filter((i) => !complete.has(i) && !partial.has(i)),
    };
    meta = { count: n, runs: Object.fromEntries(status.complete.map((i) => [i, planned.get(i)!])) };
    nRuns = [...planned.values()].reduce((a, b) => a + b, 0);
  }
  const row = {
    experiment: latest.experiment,
    description: latest.description,
    config: latest.config,
    code_version: latest.codeVersion,
    n_runs: nRuns,
    created_at: Math.min(...rows.map((r) => r.created)),
    updated_at: latest.updated,
  };
  return { row, status, meta };
}

/** Removes what killed merges into `out` left (the caller holds the lock on `out`, so none is running). */
function removeLeftovers(out: string): void {
  const dir = dirname(out);
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir))
    if (name.startsWith(tmpPrefix(out)) && /\.tmp(\.wal)?$/.test(name)) rmSync(join(dir, name), { force: true });
}

/**
 * Merges `inputs` (store files, in order) into `out` (kept and merged first when it exists). Throws
 * MergeInputError, writing nothing, when an input is not a store or the shards disagree on their split.
 */
export async function mergeStores(inputs: readonly string[], out: string): Promise<MergeReport> {
  const target = resolve(out);
  removeLeftovers(target);
  if (existsSync(`${target}.wal`)) await (await Store.open(target, { lockWaitMs: 0 })).close(); // fold its log in
  // OUT held open read-only until it is replaced: a sweep writing into it meanwhile would lose its runs
  let guard: Store | null = null;
  if (existsSync(target)) {
    try {
      guard = await Store.open(target, { readOnly: true });
    } catch (e) {
      if ((e as StoreError).kind !== "locked") throw e;
      throw new StoreError(`${target} is in use by another process: merge into it once that has finished`, "locked");
    }
  }
  const tmp = join(dirname(target), `${tmpPrefix(target)}${process.pid}.tmp`);
  let store: Store;
  try {
    store = await Store.open(tmp);
  } catch (e) {
    await guard?.close();
    throw e;
  }
  const sources = [...(existsSync(target) ? [target] : []), ...inputs.map((p) => resolve(p))].filter(
    (p, i, all) => all.indexOf(p) === i,
  );
  const summaries: InputSummary[] = [];
  const conflicts: Conflict[] = [];
  const keptFrom = new Map<number, string>();
  const experiments = new Map<string, ExperimentRow[]>();
  let committed = false;
  let before = 0;
  try {
    for (const path of sources) {
      try {
        await store.run(`ATTACH ${sqlString(path)} AS src (READ_ONLY)`);
      } catch (e) {
        const msg = (e as Error).message;
        if (!/lock/i.test(msg)) throw new MergeInputError([`${path}: not a readable DuckDB store (${msg})`]);
        summaries.push({ path, error: "in use by another process (a shard still running?)", ...zero });
        continue;
      }
      try {
        const have = await count(
          store,
          "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'src' AND table_name IN ('runs', 'curves', " +
            "'experiments', 'problems', 'meta')",
        );
        if (have < 5) throw new MergeInputError([`${path}: not a powerlaw-sgd store (no runs/curves/… tables)`]);
        await store.run("BEGIN TRANSACTION");
        const summary = await mergeOne(store, path, conflicts, keptFrom);
        await store.run("COMMIT");
        summaries.push({ path, ...summary });
        if (path === target) before = await count(store, "SELECT count(*) FROM runs");
        for (const row of await experimentsOf(store, path)) {
          const list = experiments.get(row.experiment) ?? [];
          list.push(row);
          experiments.set(row.experiment, list);
        }
      } finally {
        await store.run("DETACH src");
      }
    }
    const configConflicts: string[] = [];
    const shards: ShardStatus[] = [];
    const rows = [];
    for (const list of experiments.values()) {
      const { row, status, meta } = combineExperiment(list, configConflicts);
      rows.push(row);
      if (status) shards.push(status);
      await writeShardMeta(store, row.experiment, meta);
    }
    await store.run("DELETE FROM experiments");
    await store.appendRows("experiments", rows);
    const runs = await count(store, "SELECT count(*) FROM runs");
    const report: MergeReport = {
      out: target,
      inputs: summaries.filter((s) => s.path !== target || s.error),
      runs,
      curveRows: await count(store, "SELECT count(*) FROM curves"),
      problems: await count(store, "SELECT count(*) FROM problems"),
      added: runs - before,
      conflicts,
      configConflicts,
      shards,
    };
    await store.close();
    renameSync(tmp, target);
    committed = true;
    return report;
  } finally {
    await guard?.close();
    if (!committed) {
      await store.close({ checkpoint: false }).catch(() => {});
      rmSync(tmp, { force: true });
      rmSync(`${tmp}.wal`, { force: true });
    }
  }
}

const zero = { finished: 0, added: 0, identical: 0, running: 0 } as const;
