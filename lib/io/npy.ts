/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0): read float32/float64 arrays in C order into a
 * Float64Array, and write float64/float32 arrays (used by tests and by anyone exporting a kernel); .npz archives
 * (np.savez, np.savez_compressed) are read as their named .npy entries.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * Anything else (Fortran order, other dtypes, object arrays, a truncated body) is refused with a message
 * that says what was found and what is accepted.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { readZip, ZipError } from "./zip.ts";

export class NpyError extends Error {
  override readonly name = "NpyError";
}

export interface NpyArray {
  readonly shape: readonly number[];
  /** the dtype as written in the file, e.g. '<f8' */
  readonly descr: string;
  /** the values in C order, converted to float64 */
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Machine epsilon of a float dtype as written in a .npy header ('<f4' → 2⁻²³, '<f8' → 2⁻⁵²). */
export function npyEpsilon(descr: string): number {
  const m = /^[<>|=]f([48])$/.exec(descr);
  if (!m) throw new NpyError(`not a float dtype: '${descr}'`);
  return m[1] === "4" ? 2 ** -23 : 2 ** -52;
}

/** Parses the bytes of a .npy file. */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new NpyError("not a NumPy .npy file (missing the \\x93NUMPY magic string)");
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError("truncated .npy header");
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`unsupported .npy format version ${major}.${bytes[7]} (supported: 1.0, 2.0, 3.0)`);
  }
  if (headerStart + headerLen > bytes.length) throw new NpyError("truncated .npy header");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, headerStart + headerLen),
  );
  const { descr, fortranOrder, shape } = parseHeader(header);
  if (fortranOrder)
    throw new NpyError("Fortran-ordered arrays are not supported: save the array in C order (np.ascontiguousarray)");
  const m = /^([<>|=])f([48])$/.exec(descr);
  if (!m)
    throw new NpyError(`unsupported dtype '${descr}' (supported: float32 '<f4' and float64 '<f8', either byte order)`);
  const width = Number(m[2]);
  const little = m[1] !== ">";
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  const need = count * width;
  if (bytes.length - offset < need) {
    throw new NpyError(
      `truncated .npy data: shape (${shape.join(", ")}) needs ${need} bytes, the file has ${bytes.length - offset}`,
    );
  }
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = width === 8 ? view.getFloat64(offset + 8 * i, little) : view.getFloat32(offset + 4 * i, little);
  }
  return { shape, descr, data };
}

function parseHeader(header: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const text = header.trim();
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!text.startsWith("{") || !descr || !fortran || !shape) {
    throw new NpyError(`malformed .npy header: ${JSON.stringify(text.slice(0, 120))}`);
  }
  const dims = shape[1]
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const parsed = dims.map((d) => (/^\d+L?$/.test(d) ? Number.parseInt(d, 10) : NaN));
  if (parsed.some((d) => !Number.isSafeInteger(d))) throw new NpyError(`malformed .npy shape: (${shape[1]})`);
  return { descr: descr[1], fortranOrder: fortran[1] === "True", shape: parsed };
}

/** Reads a .npy file from disk (errors name the file). */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new NpyError(code === "ENOENT" ? `file not found: ${path}` : `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return parseNpy(bytes);
  } catch (e) {
    if (e instanceof NpyError) throw new NpyError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Encodes an array as a version 1.0 .npy file (little endian, C order). */
export function encodeNpy(data: ArrayLike<number>, shape: readonly number[], dtype: "f8" | "f4" = "f8"): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new RangeError(`shape (${shape.join(", ")}) holds ${count} values, got ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const width = dtype === "f8" ? 8 : 4;
  const out = new Uint8Array(10 + header.length + count * width);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const offset = 10 + header.length;
  for (let i = 0; i < count; i++) {
    if (width === 8) view.setFloat64(offset + 8 * i, data[i], true);
    else view.setFloat32(offset + 4 * i, data[i], true);
  }
  return out;
}

export function writeNpy(
  path: string,
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: "f8" | "f4" = "f8",
): void {
  writeFileSync(path, encodeNpy(data, shape, dtype));
}

/** The arrays of a NumPy .npz archive, by name (the entry names without '.npy'). */
export function parseNpz(bytes: Uint8Array): Map<string, NpyArray> {
  let entries: Map<string, Uint8Array>;
  try {
    entries = readZip(bytes);
  } catch (e) {
    if (e instanceof ZipError) throw new NpyError(`not a NumPy .npz archive: ${e.message}`);
    throw e;
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of entries) {
    const key = name.replace(/\.npy$/, "");
    try {
      out.set(key, parseNpy(data));
    } catch (e) {
      if (e instanceof NpyError) throw new NpyError(`${name}: ${e.message}`);
      throw e;
    }
  }
  return out;
}
