/**
 * The commands over stored results and schemas: `query` (read-only SQL), `export` (Parquet / Arrow IPC per
 * table) and `schema` (the config's JSON Schema or the SQL tables as Markdown). query and export also work
 * while a sweep writes the file: they read a snapshot it makes on request (lib/store/read.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { COMMANDS, EXPORT_TABLES, helpText, parseOrUsage } from "./commands.ts";
import { EXIT, UsageError, type Io } from "./io.ts";
import { experimentJsonSchema } from "../config/schema.ts";
import { schemaMarkdown } from "../store/schema.ts";
import { toTable } from "../store/format.ts";

/** The file read-only, or the writing sweep's snapshot of it (said on stderr: stdout stays the result). */
async function openStore(io: Io, db: string, waitS: number) {
  if (!(waitS >= 0 && waitS <= 86_400))
    throw new UsageError([`--wait: expected seconds between 0 and 86400, got ${JSON.stringify(waitS)}`]);
  const { openForReading } = await import("../store/read.ts");
  const { store, snapshotAt } = await openForReading(db, { waitS });
  if (snapshotAt !== null) {
    const age = ((Date.now() - snapshotAt) / 1000).toFixed(1);
    io.err(`note: a sweep is writing ${db}; reading its snapshot taken ${age} s ago\n`);
  }
  return store;
}

export async function queryCommand(io: Io, argv: readonly string[]): Promise<number> {
  const spec = COMMANDS.query;
  const a = parseOrUsage(argv, spec.flags, 1, "SQL");
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const { runQuery, toCsv, toJson } = await import("../store/format.ts");
  const store = await openStore(io, a.values.db as string, a.values.wait as number);
  try {
    let result: Awaited<ReturnType<typeof runQuery>>;
    try {
      result = await runQuery(store.connection, a.positionals[0]);
    } catch (e) {
      io.err(`error: ${(e as Error).message}\n`);
      return EXIT.input;
    }
    const f = a.values.format;
    io.out(f === "json" ? toJson(result) + "\n" : f === "csv" ? toCsv(result) : toTable(result));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function exportCommand(io: Io, argv: readonly string[]): Promise<number> {
  const spec = COMMANDS.export;
  const a = parseOrUsage(argv, spec.flags, 0);
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const tables = a.values.tables as string[];
  const unknown = tables.filter((t) => !EXPORT_TABLES.includes(t));
  if (unknown.length) {
    throw new UsageError(
      unknown.map((t) => `--tables: unknown table ${JSON.stringify(t)} (allowed: ${EXPORT_TABLES.join(", ")})`),
    );
  }
  const { exportArrow, exportParquet } = await import("../store/export.ts");
  const store = await openStore(io, a.values.db as string, a.values.wait as number);
  try {
    const out = a.values.out as string;
    const write = a.values.format === "arrow" ? exportArrow : exportParquet;
    for (const r of await write(store, out, tables)) io.out(`${r.table}: ${r.rows} rows -> ${r.file}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export function schemaCommand(io: Io, argv: readonly string[]): number {
  const spec = COMMANDS.schema;
  const a = parseOrUsage(argv, spec.flags, 0);
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const text = a.values.format === "sql" ? schemaMarkdown() : JSON.stringify(experimentJsonSchema(), null, 2) + "\n";
  const out = a.values.out as string | undefined;
  if (out) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(out, text);
  } else io.out(text);
  return EXIT.ok;
}
