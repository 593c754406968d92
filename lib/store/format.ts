/**
 * Query results for people and programs: JSON (one array of row objects; integers, including BIGINT and
 * HUGEINT within ±2^53, as JSON numbers; timestamps as ISO strings; NaN/±Infinity as null), CSV (RFC 4180)
 * and an aligned text table.
 */
import type { DuckDBConnection } from "@duckdb/node-api";

export type Cell = null | boolean | number | string | Cell[] | { [k: string]: Cell };

export function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint")
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (Array.isArray(v)) return v.map(toCell);
  if (typeof v === "object")
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toCell(x)]));
  return String(v);
}

export interface QueryResult {
  readonly columns: string[];
  readonly rows: Cell[][];
}

export async function runQuery(connection: DuckDBConnection, sql: string): Promise<QueryResult> {
  const reader = await connection.runAndReadAll(sql);
  const columns = reader.columnNames();
  const rows = reader.getRowsJS().map((r) => r.map(toCell));
  return { columns, rows };
}

function jsonSafe(c: Cell): Cell {
  if (typeof c === "number" && !Number.isFinite(c)) return null;
  if (Array.isArray(c)) return c.map(jsonSafe);
  if (c !== null && typeof c === "object")
    return Object.fromEntries(Object.entries(c).map(([k, x]) => [k, jsonSafe(x)]));
  return c;
}

export function toJson(r: QueryResult): string {
  const objs = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c, jsonSafe(row[i])])));
  return JSON.stringify(objs);
}

function text(c: Cell): string {
  if (c === null) return "";
  if (typeof c === "object") return JSON.stringify(c);
  return String(c);
}

export function toCsv(r: QueryResult): string {
  const esc = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return (
    [r.columns.map(esc).join(","), ...r.rows.map((row) => row.map((c) => esc(text(c))).join(","))].join("\n") + "\n"
  );
}

export function toTable(r: QueryResult): string {
  const shown = r.rows.map((row) => row.map((c) => (c === null ? "NULL" : text(c))));
  const widths = r.columns.map((c, i) => Math.min(60, Math.max(c.length, ...shown.map((row) => row[i].length))));
  const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, w - 1)}…` : s);
  const numeric = r.columns.map((_, i) => r.rows.every((row) => row[i] === null || typeof row[i] === "number"));
  const fmt = (cells: string[]) =>
    cells
      .map((s, i) => (numeric[i] ? cut(s, widths[i]).padStart(widths[i]) : cut(s, widths[i]).padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const lines = [fmt(r.columns), widths.map((w) => "-".repeat(w)).join("  "), ...shown.map(fmt)];
  lines.push(`(${r.rows.length} row${r.rows.length === 1 ? "" : "s"})`);
  return lines.join("\n") + "\n";
}
