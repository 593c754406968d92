/**
 * Tabular regression data from a CSV or Parquet file, read through DuckDB (@duckdb/node-api):
 *  - `target` names the (numeric) target column, or several whose row mean is the target (the reference's
 *    sgemm_product: the mean of its four run times); every other column is a feature unless listed in `drop`;
 *  - numeric and BOOLEAN (0/1) columns are used as they are; text (VARCHAR/ENUM) columns are categorical:
 *    one-hot encoded (`categorical: "onehot"`, the default; one 0/1 feature per value present in the
 *    subset, named "column=value", values sorted) or rejected (`categorical: "error"`); a text column with
 *    more than `maxCategories` distinct values, or mixing numbers and text, is taken for a broken numeric
 *    column and rejected;
 *  - missing values (NULL/NaN) and other types (dates, lists, …) are errors naming the file and column;
 *  - a uniformly random subset of N rows (seed 42 by default; all rows in file order when N is omitted),
 *    then per-feature standardisation and target standardisation on that subset (unbiased std, as the
 *    reference's get_uci_data). A feature constant on the subset is dropped (its std is 0) and listed in
 *    info.dropped.
 * The built-in example is the diamonds table of @observablehq/sample-datasets (53 940 rows, target price).
 */
import type { CategoricalPolicy } from "../vocabulary/datasets.ts";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve as resolvePath } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DEFAULT_DATA_SEED, DataError, checkSubsetSize, meanStd, randomSubset, type Dataset } from "./dataset.ts";

export interface TabularOptions {
  readonly path: string;
  /** the target column, or columns whose row mean is the target */
  readonly target: string | readonly string[];
  readonly N?: number;
  readonly seed?: number;
  readonly categorical?: CategoricalPolicy;
  readonly maxCategories?: number;
  /** columns to leave out (besides the target) */
  readonly drop?: readonly string[];
  /** the data set's name in the records (default "tabular") */
  readonly name?: string;
}

const NUMERIC_TYPES = "TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT";
const NUMERIC = new RegExp(`^(${NUMERIC_TYPES}|FLOAT|REAL|DOUBLE|DECIMAL(\\(\\d+,\\s*\\d+\\))?)$`);
const TEXT = /^(VARCHAR|ENUM\(.*\))$/s;

type Kind = "numeric" | "boolean" | "categorical";

const quoteId = (s: string) => `"${s.replaceAll('"', '""')}"`;
const quoteStr = (s: string) => `'${s.replaceAll("'", "''")}'`;

function reader(path: string): string {
  const lower = path.toLowerCase();
  if (lower.endsWith(".parquet") || lower.endsWith(".pq")) return `read_parquet(${quoteStr(path)})`;
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(lower)) return `read_csv(${quoteStr(path)}, header = true)`;
  throw new DataError(`tabular: ${path}: unknown file type (expected .csv, .tsv, .csv.gz or .parquet)`);
}

export async function loadTabular(options: TabularOptions): Promise<Dataset> {
  const path = resolvePath(options.path);
  const where = `tabular: ${path}`;
  if (!existsSync(path)) throw new DataError(`${where}: file not found`);
  if (!statSync(path).isFile()) throw new DataError(`${where}: not a file`);
  const source = reader(path);
  const categorical = options.categorical ?? "onehot";
  if (categorical !== "onehot" && categorical !== "error")
    throw new DataError(`${where}: categorical must be "onehot" or "error", got ${String(categorical)}`);
  const maxCategories = options.maxCategories ?? 100;
  const seed = options.seed ?? DEFAULT_DATA_SEED;
  const drop = new Set(options.drop ?? []);

  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  try {
    let described: Record<string, unknown>[];
    try {
      described = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS();
    } catch (e) {
      throw new DataError(`${where}: cannot read the file: ${(e as Error).message.split("\n")[0]}`);
    }
    const columns = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const names = columns.map((c) => c.name);
    const targets = typeof options.target === "string" ? [options.target] : [...options.target];
    for (const t of targets)
      if (!names.includes(t)) throw new DataError(`${where}: no target column "${t}" (columns: ${names.join(", ")})`);
    for (const d of drop)
      if (!names.includes(d))
        throw new DataError(`${where}: cannot drop "${d}": no such column (columns: ${names.join(", ")})`);
    const kinds = new Map<string, Kind>();
    for (const { name, type } of columns) {
      if (!targets.includes(name) && drop.has(name)) continue;
      let kind: Kind;
      if (NUMERIC.test(type)) kind = "numeric";
      else if (type === "BOOLEAN") kind = "boolean";
      else if (TEXT.test(type)) kind = "categorical";
      else
        throw new DataError(
          `${where}: column "${name}" has type ${type}, which is neither numeric nor categorical text (drop it)`,
        );
      if (targets.includes(name) && kind !== "numeric" && kind !== "boolean") {
        throw new DataError(`${where}: target column "${name}" is not numeric (${type})`);
      }
      if (kind === "categorical" && categorical === "error") {
        throw new DataError(`${where}: column "${name}" is categorical (${type}); use categorical "onehot" or drop it`);
      }
      kinds.set(name, kind);
    }
    const used = [...kinds.keys()];
    const select = used.map((n) => {
      const k = kinds.get(n)!;
      const q = quoteId(n);
      return k === "categorical" ? `CAST(${q} AS VARCHAR)` : `CAST(${q} AS DOUBLE)`;
    });
    let cols: unknown[][];
    try {
      cols = (await con.runAndReadAll(`SELECT ${select.join(", ")} FROM ${source}`)).getColumnsJS();
    } catch (e) {
      throw new DataError(`${where}: cannot read the values: ${(e as Error).message.split("\n")[0]}`);
    }
    const rows = cols.length ? cols[0].length : 0;
    const byName = new Map(used.map((n, j) => [n, cols[j]]));
    for (const n of used) {
      const col = byName.get(n)!;
      let missing = 0,
        first = -1;
      for (let i = 0; i < rows; i++) {
        const v = col[i];
        if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) {
          if (first < 0) first = i;
          missing++;
        }
      }
      if (missing)
        throw new DataError(
          `${where}: column "${n}" has ${missing} missing or non-finite value(s) (first at data row ${first + 1})`,
        );
      if (kinds.get(n) === "categorical") {
        const strings = col as string[];
        const numericAt = strings.findIndex((v) => v.trim() !== "" && Number.isFinite(Number(v)));
        const textAt = strings.findIndex((v) => !(v.trim() !== "" && Number.isFinite(Number(v))));
        if (numericAt >= 0 && textAt >= 0) {
          throw new DataError(
            `${where}: column "${n}" mixes numbers and text ` +
              `(${JSON.stringify(strings[numericAt])} at data row ${numericAt + 1}, ` +
              `${JSON.stringify(strings[textAt])} at data row ${textAt + 1}): ` +
              "a non-numeric value in a numeric column? Fix the file or drop the column",
          );
        }
        const distinct = new Set(col as string[]).size;
        if (distinct > maxCategories) {
          const sample = (col as string[]).find((s) => Number.isNaN(Number(s)));
          throw new DataError(
            `${where}: column "${n}" is not numeric (e.g. ${JSON.stringify(sample ?? col[0])}) ` +
              `and has ${distinct} distinct values, more than maxCategories = ${maxCategories} ` +
              "for one-hot encoding; drop it or fix the file",
          );
        }
      }
    }
    const N = options.N ?? rows;
    checkSubsetSize(`${where} (${rows} rows)`, N, rows);
    const indices =
      options.N === undefined ? Int32Array.from({ length: rows }, (_, i) => i) : randomSubset(rows, N, seed);

    // features on the subset
    const featureNames: string[] = [];
    const featureCols: Float64Array[] = [];
    for (const n of used) {
      if (targets.includes(n)) continue;
      const col = byName.get(n)!;
      if (kinds.get(n) === "categorical") {
        const values = [...new Set(Array.from(indices, (i) => col[i] as string))].sort();
        for (const v of values) {
          featureNames.push(`${n}=${v}`);
          featureCols.push(Float64Array.from(indices, (i) => (col[i] === v ? 1 : 0)));
        }
      } else {
        featureNames.push(n);
        featureCols.push(Float64Array.from(indices, (i) => col[i] as number));
      }
    }
    const dropped: string[] = [];
    const kept: { name: string; v: Float64Array; mean: number; std: number }[] = [];
    featureCols.forEach((v, j) => {
      const { mean, std } = meanStd(v);
      if (!(std > 0)) dropped.push(featureNames[j]);
      else kept.push({ name: featureNames[j], v, mean, std });
    });
    if (kept.length === 0)
      throw new DataError(`${where}: no non-constant feature column left on the subset of ${N} rows`);
    const d = kept.length;
    const x = new Float64Array(N * d);
    kept.forEach(({ v, mean, std }, k) => {
      for (let r = 0; r < N; r++) x[r * d + k] = (v[r] - mean) / std;
    });
    const targetCols = targets.map((t) => byName.get(t)!);
    const rawTargets = Float64Array.from(indices, (i) => {
      let sum = 0;
      for (const col of targetCols) sum += col[i] as number;
      return sum / targetCols.length;
    });
    const t = meanStd(rawTargets);
    if (!(t.std > 0))
      throw new DataError(
        `${where}: target column${targets.length > 1 ? "s" : ""} ${targets.map((t) => `"${t}"`).join(" + ")} ` +
          `is constant on the subset of ${N} rows`,
      );
    const y = rawTargets.map((v) => (v - t.mean) / t.std);
    return {
      name: options.name ?? "tabular",
      source: path,
      N,
      d,
      x,
      y,
      indices,
      rawTargets,
      features: kept.map((k) => k.name),
      info: {
        seed,
        rows,
        target: options.target,
        targetMean: t.mean,
        targetStd: t.std,
        dropped,
        featureMeans: kept.map((k) => k.mean),
        featureStds: kept.map((k) => k.std),
        categorical: used.filter((n) => kinds.get(n) === "categorical"),
      },
    };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** The path of the diamonds table shipped by @observablehq/sample-datasets. */
export function diamondsPath(): string {
  try {
    return createRequire(import.meta.url).resolve("@observablehq/sample-datasets/diamonds.csv");
  } catch (e) {
    throw new DataError(
      `diamonds: the @observablehq/sample-datasets package is not installed (${(e as Error).message.split("\n")[0]})`,
    );
  }
}

/** The built-in tabular example: diamonds (carat, cut, color, clarity, depth, table, x, y, z → price). */
export function loadDiamonds(
  options: { N?: number; seed?: number; categorical?: CategoricalPolicy } = {},
): Promise<Dataset> {
  return loadTabular({ path: diamondsPath(), target: "price", name: "diamonds", ...options });
}
