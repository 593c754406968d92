/**
 * Arrow IPC output for Framework data loaders: a loader writes one Arrow IPC *stream* to stdout; pages
 * read it with FileAttachment("….arrow").arrow() or SQL front matter (DuckDB-Wasm's insertArrowFromIPCStream).
 */
import {
  Bool,
  Float64,
  Int32,
  Int64,
  Table,
  Utf8,
  makeVector,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from "apache-arrow";

/** A column: typed values; null (or undefined) entries become Arrow nulls. */
export type Column =
  | { readonly type: "utf8"; readonly values: readonly (string | null | undefined)[] }
  | { readonly type: "float64"; readonly values: ArrayLike<number | null | undefined> }
  | { readonly type: "int32"; readonly values: ArrayLike<number | null | undefined> }
  | { readonly type: "int64"; readonly values: ArrayLike<number | null | undefined> }
  | { readonly type: "bool"; readonly values: ArrayLike<boolean | null | undefined> };

export const utf8 = (values: readonly (string | null | undefined)[]): Column => ({ type: "utf8", values });
export const float64 = (values: ArrayLike<number | null | undefined>): Column => ({ type: "float64", values });
export const int32 = (values: ArrayLike<number | null | undefined>): Column => ({ type: "int32", values });
export const bool = (values: ArrayLike<boolean | null | undefined>): Column => ({ type: "bool", values });

const hasNull = (values: ArrayLike<unknown>): boolean => {
  for (let i = 0; i < values.length; i++) if (values[i] === null || values[i] === undefined) return true;
  return false;
};

const nullable = <T>(values: ArrayLike<T | null | undefined>): (T | null)[] =>
  Array.from(values, (v) => (v === undefined ? null : v));

function toVector(column: Column): Vector {
  switch (column.type) {
    case "utf8":
      return vectorFromArray(nullable(column.values), new Utf8());
    case "float64":
      return hasNull(column.values)
        ? vectorFromArray(nullable(column.values), new Float64())
        : makeVector(Float64Array.from(column.values as ArrayLike<number>));
    case "int32":
      return hasNull(column.values)
        ? vectorFromArray(nullable(column.values), new Int32())
        : makeVector(Int32Array.from(column.values as ArrayLike<number>));
    case "int64":
      return vectorFromArray(
        Array.from(column.values, (v) => (v === null || v === undefined ? null : BigInt(v))),
        new Int64(),
      );
    case "bool":
      return vectorFromArray(nullable(column.values), new Bool());
  }
}

/** Builds an Arrow table with explicit column types (strings as plain Utf8, not dictionaries) and schema metadata. */
export function arrowTable(columns: Record<string, Column>, metadata: Record<string, unknown> = {}): Table {
  const vectors = Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, toVector(col)]));
  const table = new Table(vectors);
  const lengths = new Set(Object.values(vectors).map((v) => v.length));
  if (lengths.size > 1) throw new RangeError(`columns have different lengths: ${[...lengths].join(", ")}`);
  for (const [k, v] of Object.entries(metadata))
    table.schema.metadata.set(k, typeof v === "string" ? v : JSON.stringify(v));
  return table;
}

export function toIPC(table: Table): Uint8Array {
  return tableToIPC(table, "stream");
}

/** Writes the table to stdout as an Arrow IPC stream and resolves once it is flushed. */
export function writeArrow(table: Table, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const bytes = toIPC(table);
  return new Promise((resolve, reject) => out.write(bytes, (error) => (error ? reject(error) : resolve())));
}
