/**
 * The SQL page's tables (page 8): the store's runs, curves, problems, spectra and experiments tables as Arrow IPC
 * streams for DuckDB-Wasm. Every column of the store is kept (lib/store/schema.ts); curves are thinned to at most
 * 100 points per decade of steps per run (step 0 and the last step always kept), as the pages ship them.
 *
 * Archive members: sql/runs.arrow, sql/curves.arrow, sql/problems.arrow, sql/spectra.arrow, sql/experiments.arrow,
 * sql/meta.json (row counts, for the page and the tests).
 */
import { TABLES, type Column as SchemaColumn } from "../lib/store/schema.ts";
import { arrowTable, float64, int32, toIPC, utf8, type Column } from "./arrow.ts";
import { sqlList, type SiteContext, type StoreReader } from "./site.ts";

export const SQL_TABLES = ["runs", "problems", "spectra", "experiments"] as const;
export const CURVE_POINTS_PER_DECADE = 100;
/** ~16 bytes a row: keeps the SQL page under ~10 MB with the other tables. */
export const MAX_CURVE_ROWS = 350_000;

/** Every column of a store table (lib/store/schema.ts; TIMESTAMP as epoch milliseconds, JSON as text), filtered. */
async function exportTable(
  store: StoreReader,
  name: string,
  where: string,
): Promise<{ bytes: Uint8Array; rows: number }> {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name} in lib/store/schema.ts`);
  const select = t.columns.map((c) =>
    c.type === "TIMESTAMP"
      ? `epoch_ms("${c.name}")::DOUBLE AS "${c.name}"`
      : c.type === "JSON"
        ? `"${c.name}"::VARCHAR AS "${c.name}"`
        : `"${c.name}"`,
  );
  const cols = await store.columns(`SELECT ${select.join(", ")} FROM ${name} WHERE ${where}`);
  const column = (c: SchemaColumn): Column => {
    const values = cols[c.name] ?? [];
    switch (c.type) {
      case "INTEGER":
        return int32(values as (number | null)[]);
      case "DOUBLE":
      case "TIMESTAMP":
        return float64(values as (number | null)[]);
      case "BOOLEAN":
        return int32(values.map((v) => (v === null ? null : Number(v))));
      default:
        return utf8(values.map((v) => (v === null || v === undefined ? null : String(v))));
    }
  };
  const table = arrowTable(Object.fromEntries(t.columns.map((c) => [c.name, column(c)])));
  return { bytes: toIPC(table), rows: table.numRows };
}

export async function sqlMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const members: Record<string, Uint8Array | string> = {};
  const rows: Record<string, number> = {};
  // only the site's experiments (a store may hold others, e.g. POWERLAW_SGD_DB pointing at the CLI's)
  const names = sqlList(ctx.definitions.map((d) => d.name));
  const runsWhere = `experiment IN ${names}`;
  const problemsWhere = `problem IN (SELECT problem FROM runs WHERE ${runsWhere})`;
  const wheres: Record<(typeof SQL_TABLES)[number], string> = {
    runs: runsWhere,
    problems: problemsWhere,
    spectra: problemsWhere,
    experiments: runsWhere,
  };
  for (const name of SQL_TABLES) {
    const { bytes, rows: n } = await exportTable(ctx.store, name, wheres[name]);
    members[`${name}.arrow`] = bytes;
    rows[name] = n;
  }
  // at most CURVE_POINTS_PER_DECADE points per decade of steps, fewer when that would exceed MAX_CURVE_ROWS
  const thinned = (perDecade: number) => `
    SELECT run_id, step, loss FROM (
      SELECT c.run_id, c.step, c.loss,
        row_number() OVER (
          PARTITION BY c.run_id, CASE WHEN c.step = 0 THEN -1 ELSE floor(log10(c.step) * ${perDecade}) END
          ORDER BY c.step
        ) AS rn,
        max(c.step) OVER (PARTITION BY c.run_id) AS last
      FROM curves c WHERE c.run_id IN (SELECT run_id FROM runs WHERE ${runsWhere})
    ) WHERE rn = 1 OR step = last`;
  let perDecade = CURVE_POINTS_PER_DECADE;
  const [{ n: full }] = await ctx.store.rows<{ n: number }>(
    `SELECT count(*)::INTEGER AS n FROM (${thinned(perDecade)})`,
  );
  if (full > MAX_CURVE_ROWS) perDecade = Math.max(5, Math.floor((perDecade * MAX_CURVE_ROWS) / full));
  const c = await ctx.store.columns(`${thinned(perDecade)} ORDER BY run_id, step`);
  members["curves.arrow"] = toIPC(
    arrowTable({
      run_id: int32(c.run_id as number[]),
      step: int32(c.step as number[]),
      loss: float64(c.loss as number[]),
    }),
  );
  rows.curves = (c.step as number[]).length;
  const [{ stored }] = await ctx.store.rows<{ stored: number }>(
    `SELECT count(*)::INTEGER AS stored FROM curves WHERE run_id IN (SELECT run_id FROM runs WHERE ${runsWhere})`,
  );
  const experiments = await ctx.store.rows<{ experiment: string; runs: number }>(
    `SELECT experiment, count(*)::INTEGER AS runs FROM runs WHERE ${runsWhere} GROUP BY 1 ORDER BY 1`,
  );
  members["meta.json"] = JSON.stringify(
    { profile: ctx.profile, rows, curves_stored: stored, curve_points_per_decade: perDecade, experiments },
    null,
    1,
  );
  return members;
}
