/**
 * The frame of every page loader: pick the profile's definitions, bring the experiments a page needs up to date
 * in the profile's store (loaders/ensure.ts), then read the store (read-only) while still holding the store
 * lock, so a loader never reads half of another loader's sweep.
 */
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { existsSync } from "node:fs";
import { loadDefinitions, selectDefinitions, type Definition } from "./definitions.ts";
import { ensureExperiments, withStoreLock, type EnsureResult } from "./ensure.ts";
import { currentProfile, storePath, type Profile } from "./profile.ts";

/** Read access to the store: columns or rows of a query, as plain JS values (BIGINT → number). */
export class StoreReader {
  constructor(private readonly connection: DuckDBConnection) {}

  /** The query's columns by name (INTEGER/DOUBLE → number, VARCHAR → string, NULL → null). */
  async columns(sql: string): Promise<Record<string, unknown[]>> {
    const reader = await this.connection.runAndReadAll(sql);
    const cols = reader.getColumnsObjectJS() as Record<string, unknown[]>;
    for (const values of Object.values(cols)) {
      for (let i = 0; i < values.length; i++) if (typeof values[i] === "bigint") values[i] = Number(values[i]);
    }
    return cols;
  }

  /** The query's rows as objects (same value conversions as columns). */
  async rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((r) => {
      for (const k of Object.keys(r)) if (typeof r[k] === "bigint") r[k] = Number(r[k]);
      return r as T;
    });
  }

  get raw(): DuckDBConnection {
    return this.connection;
  }
}

export interface SiteContext {
  readonly profile: Profile;
  readonly db: string;
  /** every definition of the profile */
  readonly definitions: readonly Definition[];
  /** the ones this loader asked for */
  readonly selected: readonly Definition[];
  readonly ensured: readonly EnsureResult[];
  readonly store: StoreReader;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

/**
 * Ensures the experiments matching `patterns` ('*' = all, 'momentum-*' = a prefix, or exact names), then calls
 * read(context) with the store open read-only.
 */
export async function withSite<T>(patterns: readonly string[], read: (ctx: SiteContext) => Promise<T>): Promise<T> {
  const profile = currentProfile();
  const db = storePath(profile);
  const definitions = loadDefinitions(profile);
  const selected = selectDefinitions(definitions, patterns);
  return withStoreLock(
    db,
    async () => {
      const ensured = await ensureExperiments(selected, { db, log, locked: true });
      if (!existsSync(db)) throw new Error(`no store at ${db} after running the experiments`);
      const instance = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
      const connection = await instance.connect();
      try {
        return await read({ profile, db, definitions, selected, ensured, store: new StoreReader(connection) });
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    },
    { log },
  );
}

/** SQL list literal of strings. */
export function sqlList(values: readonly string[]): string {
  return values.length === 0 ? "(NULL)" : `(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")})`;
}
