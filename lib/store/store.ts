/**
 * The results store: one embedded DuckDB file (default data/results.duckdb), one connection, owned by the
 * main thread. Curves and modes go in through the chunk appender (typed arrays → 2048-row data chunks);
 * run rows through the row appender. Kill safety: a run's row is appended with status 'running' when it
 * starts; its curve rows are appended as they arrive; when it ends, commit() flushes the appenders (runs
 * first, so no curve row is ever committed without its run row) and then flips the statuses of the finished
 * runs in one transaction. A SIGKILL therefore loses only unfinished runs, which recover() deletes.
 * Other processes read the file while a sweep writes it through snapshots the writer copies between two
 * commits when asked (lib/store/snapshot.ts, lib/store/read.ts).
 */
import { mkdirSync, existsSync } from "node:fs";
import { dirname } from "node:path";
import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBAppender,
  DuckDBDataChunk,
  INTEGER,
  DOUBLE,
  VARCHAR,
  timestampValue,
  type DuckDBType,
} from "@duckdb/node-api";
import { TABLES, SCHEMA_VERSION, createTableSql, table, type Column, type RunStatus } from "./schema.ts";
import { SnapshotServer } from "./snapshot.ts";

export const DEFAULT_DB = "data/results.duckdb";

type Cell = number | string | boolean | null | undefined;
export type Row = Record<string, Cell>;

/** What ended a run, as the runner reports it to commit(). */
export interface FinishedRun {
  readonly runId: number;
  readonly status: Exclude<RunStatus, "running">;
  readonly divergedAt: number | null;
  readonly steps: number;
  readonly finalLoss: number | null;
  readonly error: string | null;
  readonly backend: string | null;
  readonly finishedAt: number;
  readonly durationMs: number;
}

function appendCell(app: DuckDBAppender, col: Column, v: Cell): void {
  if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v) && col.type !== "DOUBLE")) {
    app.appendNull();
    return;
  }
  switch (col.type) {
    case "INTEGER":
      app.appendInteger(v as number);
      break;
    case "DOUBLE":
      app.appendDouble(v as number);
      break;
    case "TIMESTAMP":
      app.appendTimestamp(timestampValue(BigInt(Math.round(v as number)) * 1000n));
      break;
    case "BOOLEAN":
      app.appendBoolean(Boolean(v));
      break;
    default:
      app.appendVarchar(String(v));
  }
}

/** Columnar rows → 2048-row data chunks → appender. Column arrays are Int32Array or Float64Array. */
export class ChunkWriter {
  static readonly CAPACITY = 2048;
  readonly cols: (Int32Array | Float64Array)[];
  n = 0;
  rows = 0;
  private chunk: DuckDBDataChunk;

  constructor(
    private readonly appender: DuckDBAppender,
    readonly types: readonly DuckDBType[],
  ) {
    this.cols = types.map((t) =>
      t === DOUBLE ? new Float64Array(ChunkWriter.CAPACITY) : new Int32Array(ChunkWriter.CAPACITY),
    );
    this.chunk = DuckDBDataChunk.create(types as DuckDBType[]);
  }

  /** Sends the buffered rows as one data chunk (no commit). */
  sendChunk(): void {
    if (this.n === 0) return;
    const chunk = this.chunk;
    chunk.reset();
    chunk.rowCount = this.n;
    for (let i = 0; i < this.cols.length; i++) {
      const vec = chunk.getColumnVector(i) as unknown as {
        items?: Int32Array | Float64Array;
        setItem(j: number, v: number): void;
        flush(): void;
      };
      const src = this.cols[i].subarray(0, this.n);
      if (vec.items && vec.items.length >= this.n && vec.items.constructor === src.constructor)
        (vec.items as Float64Array).set(src as Float64Array);
      else for (let j = 0; j < this.n; j++) vec.setItem(j, src[j]);
      vec.flush();
    }
    this.appender.appendDataChunk(chunk);
    this.rows += this.n;
    this.n = 0;
  }

  /** Sends and commits everything buffered. */
  flush(): void {
    this.sendChunk();
    this.appender.flushSync();
  }

  close(): void {
    this.flush();
    this.appender.closeSync();
  }
}

export class Store {
  private runsAppender?: DuckDBAppender;
  private curves?: ChunkWriter;
  private modes?: ChunkWriter;
  private finishedAppender?: DuckDBAppender;
  private closed = false;
  /** the writer's side of reading during a sweep (files only) */
  private readonly snapshots?: SnapshotServer;

  private constructor(
    readonly path: string,
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    readonly readOnly: boolean,
  ) {
    if (!readOnly && path !== ":memory:") this.snapshots = new SnapshotServer(path);
  }

  /**
   * Opens (creating the file and its folder unless readOnly) and brings the schema up to date. A writer
   * finding the file locked retries for lockWaitMs (default 10 s: a `query` holds it for its query's length).
   */
  static async open(path: string, options: { readOnly?: boolean; lockWaitMs?: number } = {}): Promise<Store> {
    const readOnly = options.readOnly ?? false;
    if (path !== ":memory:") {
      if (readOnly && !existsSync(path)) throw new StoreError(`no database at ${path}`, "missing");
      if (!readOnly) mkdirSync(dirname(path), { recursive: true });
    }
    const giveUpAt = Date.now() + (options.lockWaitMs ?? (readOnly ? 0 : 10_000));
    let instance: DuckDBInstance;
    for (;;) {
      try {
        instance = await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : {});
        break;
      } catch (e) {
        const msg = (e as Error).message;
        const locked = /lock/i.test(msg);
        if (locked && Date.now() < giveUpAt) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw new StoreError(
          locked
            ? `${path} is in use by another process ` +
                `(DuckDB lets one process write a file, and then no other open it): ${msg}`
            : `cannot open ${path}: ${msg}`,
          locked ? "locked" : "other",
        );
      }
    }
    const connection = await instance.connect();
    const store = new Store(path, instance, connection, readOnly);
    if (!readOnly) await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    // one statement creates the missing tables and one query lists every column (a per-table round trip each
    // cost ~25 ms on every open)
    await this.connection.run(TABLES.map((t) => `${createTableSql(t)};`).join("\n"));
    const have = new Set(
      (
        await this.rows("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'")
      ).map((r) => `${String(r.table_name)}.${String(r.column_name)}`),
    );
    for (const t of TABLES) {
      for (const col of t.columns)
        if (!have.has(`${t.name}.${col.name}`))
          await this.connection.run(`ALTER TABLE ${t.name} ADD COLUMN "${col.name}" ${col.type}`);
    }
    await this.connection.run("DELETE FROM meta WHERE key = 'schema_version'");
    await this.connection.run(`INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION}')`);
    await this.connection.run(
      "CREATE TEMP TABLE IF NOT EXISTS finished_tmp (run_id INTEGER, status VARCHAR, diverged_at INTEGER, " +
        "steps INTEGER, final_loss DOUBLE, error VARCHAR, backend VARCHAR, finished_at TIMESTAMP, duration_ms DOUBLE)",
    );
  }

  /** Runs a statement and returns its rows as JSON-compatible objects. */
  async rows(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  /**
   * Deletes what a killed process left: runs still 'running' with their curves and modes, and rows whose run
   * row was never committed. Returns the number of runs deleted.
   */
  async recover(): Promise<number> {
    const [{ n }] = await this.rows("SELECT count(*)::INTEGER AS n FROM runs WHERE status = 'running'");
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const maxId = "(SELECT coalesce(max(run_id), 0) FROM runs)";
      const dead = "(SELECT run_id FROM runs WHERE status = 'running')";
      for (const t of ["curves", "modes"]) {
        await this.connection.run(`DELETE FROM ${t} WHERE run_id IN ${dead} OR run_id > ${maxId}`);
      }
      await this.connection.run("DELETE FROM runs WHERE status = 'running'");
      await this.connection.run("COMMIT");
    } catch (e) {
      await this.connection.run("ROLLBACK");
      throw e;
    }
    return Number(n);
  }

  /** Deletes runs (and their rows) by id, e.g. failed runs about to be redone. */
  async deleteRuns(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const list = ids.map((x) => Math.trunc(x)).join(",");
    await this.connection.run("BEGIN TRANSACTION");
    for (const t of ["curves", "modes", "runs"])
      await this.connection.run(`DELETE FROM ${t} WHERE run_id IN (${list})`);
    await this.connection.run("COMMIT");
  }

  async maxRunId(): Promise<number> {
    const [{ m }] = await this.rows("SELECT coalesce(max(run_id), 0)::INTEGER AS m FROM runs");
    return Number(m);
  }

  /** Finished runs of an experiment by config hash, for this code version. */
  async existingRuns(
    experiment: string,
    codeVersion: string,
  ): Promise<Map<string, { runId: number; status: RunStatus }>> {
    const rows = await this.rows(
      `SELECT run_id, config_hash, status FROM runs WHERE experiment = ${sqlString(experiment)} ` +
        `AND code_version = ${sqlString(codeVersion)}`,
    );
    const out = new Map<string, { runId: number; status: RunStatus }>();
    for (const r of rows) out.set(String(r.config_hash), { runId: Number(r.run_id), status: r.status as RunStatus });
    return out;
  }

  async upsertExperiment(row: {
    experiment: string;
    description: string | null;
    config: unknown;
    codeVersion: string;
    nRuns: number;
  }): Promise<void> {
    const now = Date.now();
    const [prev] = await this.rows(
      `SELECT epoch_ms(created_at) AS c FROM experiments WHERE experiment = ${sqlString(row.experiment)}`,
    );
    const created = prev ? Number(prev.c) : now;
    await this.connection.run("BEGIN TRANSACTION");
    await this.connection.run(`DELETE FROM experiments WHERE experiment = ${sqlString(row.experiment)}`);
    await this.appendRows("experiments", [
      {
        experiment: row.experiment,
        description: row.description,
        config: JSON.stringify(row.config),
        code_version: row.codeVersion,
        n_runs: row.nRuns,
        created_at: created,
        updated_at: now,
      },
    ]);
    await this.connection.run("COMMIT");
  }

  async hasProblem(id: string): Promise<boolean> {
    return (await this.rows(`SELECT 1 FROM problems WHERE problem = ${sqlString(id)} LIMIT 1`)).length > 0;
  }

  /** Stores a problem and its spectrum once (no-op if the id is already there). */
  async putProblem(row: Row, lambda: Float64Array, c0: Float64Array): Promise<void> {
    const id = String(row.problem);
    if (await this.hasProblem(id)) return;
    await this.connection.run("BEGIN TRANSACTION");
    await this.appendRows("problems", [{ ...row, created_at: Date.now() }]);
    const app = await this.connection.createAppender("spectra");
    for (let k = 0; k < lambda.length; k++) {
      app.appendVarchar(id);
      app.appendInteger(k + 1);
      app.appendDouble(lambda[k]);
      app.appendDouble(c0[k]);
      app.endRow();
    }
    app.closeSync();
    await this.connection.run("COMMIT");
  }

  /** Appends whole rows through a row appender (small tables). */
  async appendRows(tableName: string, rows: readonly Row[]): Promise<void> {
    const t = table(tableName);
    const app = await this.connection.createAppender(tableName);
    for (const r of rows) {
      for (const col of t.columns) appendCell(app, col, r[col.name]);
      app.endRow();
    }
    app.closeSync();
  }

  /** Prepares the streaming appenders (runs, curves, modes). */
  async startStreaming(): Promise<void> {
    this.runsAppender = await this.connection.createAppender("runs");
    this.curves = new ChunkWriter(await this.connection.createAppender("curves"), [INTEGER, INTEGER, DOUBLE]);
    this.modes = new ChunkWriter(await this.connection.createAppender("modes"), [INTEGER, INTEGER, INTEGER, DOUBLE]);
    this.finishedAppender = await this.connection.createAppender("finished_tmp");
  }

  /** Appends a run row (normally with status 'running'); committed by the next commit(). */
  addRun(row: Row): void {
    const app = this.runsAppender!;
    for (const col of table("runs").columns) appendCell(app, col, row[col.name]);
    app.endRow();
  }

  /** Appends recorded (step, loss) pairs of a run. */
  addCurve(runId: number, steps: Int32Array, losses: Float64Array): void {
    const w = this.curves!;
    const [ids, st, ls] = w.cols as [Int32Array, Int32Array, Float64Array];
    const cap = ChunkWriter.CAPACITY;
    let i = 0;
    const n = steps.length;
    while (i < n) {
      const m = Math.min(n - i, cap - w.n);
      ids.fill(runId, w.n, w.n + m);
      st.set(steps.subarray(i, i + m), w.n);
      ls.set(losses.subarray(i, i + m), w.n);
      w.n += m;
      i += m;
      if (w.n === cap) w.sendChunk();
    }
  }

  /** Appends C_k(step) for k = 1..N. */
  addModes(runId: number, step: number, c: Float64Array): void {
    const w = this.modes!;
    const [ids, st, ks, cs] = w.cols as [Int32Array, Int32Array, Int32Array, Float64Array];
    const cap = ChunkWriter.CAPACITY;
    let i = 0;
    const n = c.length;
    while (i < n) {
      const m = Math.min(n - i, cap - w.n);
      ids.fill(runId, w.n, w.n + m);
      st.fill(step, w.n, w.n + m);
      for (let j = 0; j < m; j++) ks[w.n + j] = i + j + 1;
      cs.set(c.subarray(i, i + m), w.n);
      w.n += m;
      i += m;
      if (w.n === cap) w.sendChunk();
    }
  }

  /** Curve rows appended so far through addCurve. */
  get curveRows(): number {
    return (this.curves?.rows ?? 0) + (this.curves?.n ?? 0);
  }

  /**
   * Commits everything appended so far, then flips the finished runs' statuses in one transaction.
   * Order: runs appender, curves, modes, then the status update; a kill between two of these leaves the
   * affected runs 'running', which recover() removes.
   */
  async commit(finished: readonly FinishedRun[]): Promise<void> {
    this.runsAppender?.flushSync();
    this.curves?.flush();
    this.modes?.flush();
    if (finished.length === 0) return;
    const app = this.finishedAppender!;
    const cols: Column[] = [
      { name: "run_id", type: "INTEGER", doc: "" },
      { name: "status", type: "VARCHAR", doc: "" },
      { name: "diverged_at", type: "INTEGER", doc: "" },
      { name: "steps", type: "INTEGER", doc: "" },
      { name: "final_loss", type: "DOUBLE", doc: "" },
      { name: "error", type: "VARCHAR", doc: "" },
      { name: "backend", type: "VARCHAR", doc: "" },
      { name: "finished_at", type: "TIMESTAMP", doc: "" },
      { name: "duration_ms", type: "DOUBLE", doc: "" },
    ];
    for (const f of finished) {
      const vals: Cell[] = [
        f.runId,
        f.status,
        f.divergedAt,
        f.steps,
        f.finalLoss,
        f.error,
        f.backend,
        f.finishedAt,
        f.durationMs,
      ];
      for (let i = 0; i < cols.length; i++) appendCell(app, cols[i], vals[i]);
      app.endRow();
    }
    app.flushSync();
    await this.connection.run("BEGIN TRANSACTION");
    try {
      await this.connection.run(`UPDATE runs SET status = f.status, diverged_at = f.diverged_at, steps = f.steps,
        final_loss = f.final_loss, error = f.error, backend = coalesce(f.backend, runs.backend),
        finished_at = f.finished_at, duration_ms = f.duration_ms
        FROM finished_tmp f WHERE runs.run_id = f.run_id`);
      await this.connection.run("DELETE FROM finished_tmp");
      await this.connection.run("COMMIT");
    } catch (e) {
      await this.connection.run("ROLLBACK");
      throw e;
    }
  }

  /** A reader waits for a snapshot (one stat()): worth a commit slice even with nothing to commit. */
  snapshotRequested(): boolean {
    return this.snapshots?.requested() ?? false;
  }

  /**
   * Between two commits (nothing uncommitted in the appenders): copies the file for a waiting reader, at
   * most 5 % of the time. Returns whether a snapshot was published.
   */
  async serveSnapshot(): Promise<boolean> {
    return (await this.snapshots?.serve()) ?? false;
  }

  /** Snapshots served to readers so far and the time they took (ms). */
  get snapshotStats(): { served: number; ms: number } {
    return { served: this.snapshots?.served ?? 0, ms: this.snapshots?.servedMs ?? 0 };
  }

  /** Flushes, closes the appenders, checkpoints (folds the WAL into the file) and closes. */
  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.snapshots?.close();
    try {
      this.runsAppender?.closeSync();
      this.curves?.close();
      this.modes?.close();
      this.finishedAppender?.closeSync();
      if (!this.readOnly && options.checkpoint !== false) await this.connection.run("CHECKPOINT");
    } finally {
      this.connection.closeSync();
      this.instance.closeSync();
    }
  }
}

export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    message: string,
    readonly kind: "missing" | "locked" | "other" = "other",
  ) {
    super(message);
  }
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export { VARCHAR };
