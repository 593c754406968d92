// CIFAR-10 binary reader, on small files in the exact format written here, and on broken ones.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CIFAR10_RECORD, loadCifar10, readCifar10Files } from "../../lib/data/cifar10.ts";

let dir = "";

/** n records: label (i mod 10), pixel k of record i = (i·7 + k·3 + channel offset) mod 256. */
function batch(n: number, first: number): Buffer {
  const buf = Buffer.alloc(n * CIFAR10_RECORD);
  for (let r = 0; r < n; r++) {
    const i = first + r;
    buf[r * CIFAR10_RECORD] = i % 10;
    for (let k = 0; k < 3072; k++) buf[r * CIFAR10_RECORD + 1 + k] = (i * 7 + k * 3) % 256;
  }
  return buf;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "cifar10-test-"));
  writeFileSync(join(dir, "data_batch_1.bin"), batch(30, 0));
  writeFileSync(join(dir, "data_batch_2.bin"), batch(20, 30));
  writeFileSync(join(dir, "test_batch.bin"), batch(10, 100));
  writeFileSync(join(dir, "readme.html"), "not data");
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("cifar10: reads the training batches in order, standardises globally, stratified subset", () => {
  const { labels, pixels, counts } = readCifar10Files([join(dir, "data_batch_1.bin"), join(dir, "data_batch_2.bin")]);
  assert.deepEqual(counts, [30, 20]);
  assert.equal(labels[35], 5);
  assert.equal(pixels[35 * 3072 + 1000], (35 * 7 + 1000 * 3) % 256);
  const ds = loadCifar10({ dir, N: 20 });
  assert.equal(ds.N, 20);
  assert.equal(ds.d, 3072);
  assert.equal(ds.info.total, 50);
  // global mean/std over all 50·3072 bytes, recomputed directly
  let s = 0;
  for (const v of pixels) s += v;
  const mean = s / pixels.length;
  let ss = 0;
  for (const v of pixels) ss += (v - mean) ** 2;
  const std = Math.sqrt(ss / (pixels.length - 1));
  assert.ok(Math.abs((ds.info.pixelMean as number) - mean) < 1e-12);
  assert.ok(Math.abs((ds.info.pixelStd as number) - std) < 1e-12);
  for (const r of [0, 19]) {
    const i = ds.indices[r];
    assert.equal(ds.rawTargets[r], i % 10);
    for (const k of [0, 1024, 3071])
      assert.ok(Math.abs(ds.x[r * 3072 + k] - (((i * 7 + k * 3) % 256) - mean) / std) < 1e-12);
  }
  const counts10 = new Array(10).fill(0);
  for (const v of ds.rawTargets) counts10[v]++;
  assert.deepEqual(counts10, new Array(10).fill(2));
  const t = loadCifar10({ dir, N: 10, files: ["test_batch.bin"] });
  assert.equal(t.info.total, 10);
});

test("cifar10: broken inputs are clear errors naming the file", () => {
  assert.throws(() => loadCifar10({ dir: join(dir, "nope"), N: 5 }), /folder not found: .*nope/);
  const empty = join(dir, "empty");
  mkdirSync(empty);
  assert.throws(() => loadCifar10({ dir: empty, N: 5 }), /no data_batch_\*\.bin in .*empty/);
  const bad = join(dir, "bad");
  mkdirSync(bad);
  writeFileSync(join(bad, "data_batch_1.bin"), batch(3, 0).subarray(0, 3 * CIFAR10_RECORD - 5));
  assert.throws(() => loadCifar10({ dir: bad, N: 2 }), /data_batch_1\.bin: size 9214 bytes is not a multiple of 3073/);
  const lab = join(dir, "labels");
  mkdirSync(lab);
  const b = batch(3, 0);
  b[2 * CIFAR10_RECORD] = 42;
  writeFileSync(join(lab, "data_batch_1.bin"), b);
  assert.throws(() => loadCifar10({ dir: lab, N: 2 }), /data_batch_1\.bin: record 2 has label byte 42, expected 0–9/);
  assert.throws(() => loadCifar10({ dir, N: 51 }), /N = 51 is larger than the 50 points available/);
  assert.throws(() => loadCifar10({ dir, N: 5, files: ["missing.bin"] }), /missing\.bin: file not found/);
  writeFileSync(join(lab, "zero.bin"), Buffer.alloc(0));
  assert.throws(() => loadCifar10({ dir: lab, N: 2, files: ["zero.bin"] }), /zero\.bin: the file is empty/);
});
