/**
 * Export of the store's tables, one file per table: Parquet through DuckDB's COPY, or Arrow IPC (file
 * format, `.arrow`) written with apache-arrow from DuckDB's result chunks (record batches of ≤ 64K rows).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  Table,
  Int32,
  Float64,
  Utf8,
  Bool,
  TimestampMillisecond,
  vectorFromArray,
  tableToIPC,
  type DataType,
  type RecordBatch,
} from "apache-arrow";
import type { Store } from "./store.ts";
import { TABLES, table as tableDef, type Column } from "./schema.ts";

export const EXPORT_TABLES = TABLES.filter((t) => t.name !== "meta").map((t) => t.name);

export interface ExportResult {
  readonly table: string;
  readonly file: string;
  readonly rows: number;
}

export async function exportParquet(
  store: Store,
  outDir: string,
  tables: readonly string[] = EXPORT_TABLES,
): Promise<ExportResult[]> {
  mkdirSync(outDir, { recursive: true });
  const out: ExportResult[] = [];
  for (const name of tables) {
    tableDef(name);
    const file = resolve(join(outDir, `${name}.parquet`));
    await store.run(`COPY (SELECT * FROM ${name}) TO '${file.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
    const [{ n }] = await store.rows(`SELECT count(*)::INTEGER AS n FROM ${name}`);
    out.push({ table: name, file, rows: Number(n) });
  }
  return out;
}

function arrowType(col: Column): DataType {
  switch (col.type) {
    case "INTEGER":
      return new Int32();
    case "DOUBLE":
      return new Float64();
    case "TIMESTAMP":
      return new TimestampMillisecond();
    case "BOOLEAN":
      return new Bool();
    default:
      return new Utf8();
  }
}

function jsValue(col: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (col.type === "TIMESTAMP") return Number((v as { micros: bigint }).micros / 1000n);
  if (col.type === "VARCHAR" || col.type === "JSON") return String(v);
  if (typeof v === "bigint") return Number(v);
  return v;
}

const BATCH_ROWS = 65536;

export async function tableToArrow(store: Store, name: string): Promise<{ bytes: Uint8Array; rows: number }> {
  const t = tableDef(name);
  const result = await store.connection.stream(`SELECT ${t.columns.map((c) => `"${c.name}"`).join(", ")} FROM ${name}`);
  const batches: RecordBatch[] = [];
  let cols: unknown[][] = t.columns.map(() => []);
  let n = 0;
  let rows = 0;
  const flush = () => {
    if (n === 0 && batches.length > 0) return;
    const vectors = Object.fromEntries(t.columns.map((c, i) => [c.name, vectorFromArray(cols[i], arrowType(c))]));
    batches.push(...new Table(vectors).batches);
    cols = t.columns.map(() => []);
    n = 0;
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const data = chunk.getColumns();
    t.columns.forEach((c, i) => {
      const dst = cols[i];
      for (const v of data[i]) dst.push(jsValue(c, v));
    });
    n += chunk.rowCount;
    rows += chunk.rowCount;
    if (n >= BATCH_ROWS) flush();
  }
  flush();
  return { bytes: tableToIPC(new Table(batches), "file"), rows };
}

export async function exportArrow(
  store: Store,
  outDir: string,
  tables: readonly string[] = EXPORT_TABLES,
): Promise<ExportResult[]> {
  mkdirSync(outDir, { recursive: true });
  const out: ExportResult[] = [];
  for (const name of tables) {
    const { bytes, rows } = await tableToArrow(store, name);
    const file = resolve(join(outDir, `${name}.arrow`));
    writeFileSync(file, bytes);
    out.push({ table: name, file, rows });
  }
  return out;
}
