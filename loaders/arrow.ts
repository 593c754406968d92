/**
 * Arrow IPC output for Framework data loaders: a loader writes one Arrow IPC *stream* to stdout; pages
 * read it with FileAttachment("….arrow").arrow() or SQL front matter (DuckDB-Wasm's insertArrowFromIPCStream).
 */
import { Int64, Table, Utf8, makeVector, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";

export type Column =
  | { readonly type: "utf8"; readonly values: readonly string[] }
  | { readonly type: "float64"; readonly values: ArrayLike<number> }
  | { readonly type: "int32"; readonly values: ArrayLike<number> }
  | { readonly type: "int64"; readonly values: ArrayLike<number> };

export const utf8 = (values: readonly string[]): Column => ({ type: "utf8", values });
export const float64 = (values: ArrayLike<number>): Column => ({ type: "float64", values });
export const int32 = (values: ArrayLike<number>): Column => ({ type: "int32", values });

function toVector(column: Column): Vector {
  switch (column.type) {
    case "utf8":
      return vectorFromArray(column.values as string[], new Utf8());
    case "float64":
      return makeVector(Float64Array.from(column.values));
    case "int32":
      return makeVector(Int32Array.from(column.values));
    case "int64":
      return vectorFromArray(Array.from(column.values, (v) => BigInt(v)), new Int64());
  }
}

/** Builds an Arrow table with explicit column types (strings as plain Utf8, not dictionaries) and schema metadata. */
export function arrowTable(columns: Record<string, Column>, metadata: Record<string, unknown> = {}): Table {
  const vectors = Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, toVector(col)]));
  const table = new Table(vectors);
  const lengths = new Set(Object.values(vectors).map((v) => v.length));
  if (lengths.size > 1) throw new RangeError(`columns have different lengths: ${[...lengths].join(", ")}`);
  for (const [k, v] of Object.entries(metadata)) table.schema.metadata.set(k, typeof v === "string" ? v : JSON.stringify(v));
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
