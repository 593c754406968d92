import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeNpy, parseNpy, readNpy, writeNpy, NpyError } from "../../lib/io/npy.ts";

test("npy round trip, float64 (exact)", () => {
  const data = Float64Array.from({ length: 12 }, (_, i) => Math.sin(i) * 1e-3 + i);
  const back = parseNpy(encodeNpy(data, [3, 4], "f8"));
  assert.deepEqual(back.shape, [3, 4]);
  assert.equal(back.descr, "<f8");
  assert.deepEqual(Array.from(back.data), Array.from(data));
});

test("npy round trip, float32 (to float32 precision)", () => {
  const data = Float64Array.from({ length: 5 }, (_, i) => 1 / (i + 3));
  const back = parseNpy(encodeNpy(data, [5], "f4"));
  assert.deepEqual(back.shape, [5]);
  assert.equal(back.descr, "<f4");
  for (let i = 0; i < 5; i++) assert.equal(back.data[i], Math.fround(data[i]));
});

test("npy header is 64-byte aligned and readable from disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "npy-"));
  const path = join(dir, "k.npy");
  writeNpy(path, [1, 2, 3, 4], [2, 2]);
  const bytes = encodeNpy([1, 2, 3, 4], [2, 2]);
  assert.equal((bytes.length - 32) % 64, 0);
  assert.deepEqual(Array.from(readNpy(path).data), [1, 2, 3, 4]);
});

test("npy: version 2.0 header and big-endian data", () => {
  const header = "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }\n";
  const bytes = new Uint8Array(12 + header.length + 16);
  bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[12 + i] = header.charCodeAt(i);
  view.setFloat64(12 + header.length, 1.5, false);
  view.setFloat64(12 + header.length + 8, -2.25, false);
  assert.deepEqual(Array.from(parseNpy(bytes).data), [1.5, -2.25]);
});

function withHeader(header: string, body = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

test("npy: malformed inputs give clear errors", () => {
  assert.throws(
    () => parseNpy(new TextEncoder().encode("hello world, not numpy")),
    (e: Error) => e instanceof NpyError && /magic/.test(e.message),
  );
  assert.throws(() => parseNpy(withHeader("{'descr': '<f8', 'shape': (2,), }\n")), /malformed \.npy header/);
  assert.throws(
    () => parseNpy(withHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }\n", new Uint8Array(16))),
    /unsupported dtype '<i8'/,
  );
  assert.throws(
    () => parseNpy(withHeader("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n", new Uint8Array(32))),
    /Fortran-ordered/,
  );
  assert.throws(
    () => parseNpy(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }\n", new Uint8Array(16))),
    /truncated \.npy data/,
  );
  assert.throws(
    () => parseNpy(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (x,), }\n")),
    /malformed \.npy shape/,
  );
  const dir = mkdtempSync(join(tmpdir(), "npy-"));
  assert.throws(() => readNpy(join(dir, "missing.npy")), /file not found/);
  writeFileSync(join(dir, "bad.npy"), "garbage");
  assert.throws(() => readNpy(join(dir, "bad.npy")), /bad\.npy: not a NumPy/);
});
