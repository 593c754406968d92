// MNIST from the mnist package: stratified subset, global standardisation, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadMnist, mnistSource } from "../../lib/data/mnist.ts";
import { meanStd, stratifiedSubset } from "../../lib/data/dataset.ts";

test("mnist: N points of 784 standardised pixels, digit as standardised target, stratified, seeded", () => {
  const src = mnistSource();
  assert.equal(src.labels.length, 10000);
  const a = loadMnist({ N: 500 });
  assert.equal(a.N, 500);
  assert.equal(a.d, 784);
  assert.equal(a.x.length, 500 * 784);
  assert.equal(new Set(a.indices).size, 500);
  // standardisation constants are those of the whole source; the chosen rows are exactly transformed
  const px = meanStd(src.pixels);
  assert.ok(Math.abs((a.info.pixelMean as number) - px.mean) < 1e-15);
  for (const r of [0, 17, 499]) {
    for (const k of [0, 300, 783]) {
      const raw = src.pixels[a.indices[r] * 784 + k];
      assert.ok(Math.abs(a.x[r * 784 + k] - (raw - px.mean) / px.std) < 1e-12);
    }
    assert.equal(a.rawTargets[r], src.labels[a.indices[r]]);
  }
  const lb = meanStd(src.labels);
  for (let r = 0; r < 500; r++) assert.ok(Math.abs(a.y[r] - (a.rawTargets[r] - lb.mean) / lb.std) < 1e-12);
  // stratified: each class within one point of its proportional share
  const counts = new Array(10).fill(0);
  const total = new Array(10).fill(0);
  for (const v of a.rawTargets) counts[v]++;
  for (const v of src.labels) total[v]++;
  for (let c = 0; c < 10; c++)
    assert.ok(Math.abs(counts[c] - (500 * total[c]) / 10000) < 1, `class ${c}: ${counts[c]}`);
  // same seed, same subset; another seed, another one
  assert.deepEqual(loadMnist({ N: 500 }).indices, a.indices);
  assert.notDeepEqual(loadMnist({ N: 500, seed: 7 }).indices, a.indices);
  assert.equal(loadMnist({ N: 10000 }).N, 10000);
});

test("mnist: N out of range is a clear error", () => {
  assert.throws(
    () => loadMnist({ N: 10001 }),
    /mnist \(10000 digits in the mnist package\): N = 10001 is larger than the 10000 points available/,
  );
  assert.throws(() => loadMnist({ N: 1 }), /N must be an integer ≥ 2/);
  assert.throws(() => loadMnist({ N: 2.5 }), /N must be an integer/);
});

test("stratified subset: proportional shares, distinct indices, deterministic", () => {
  const labels = Int32Array.from({ length: 103 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
  const s = stratifiedSubset(labels, 10, 42);
  const c = [0, 0, 0];
  for (const i of s) c[labels[i]]++;
  assert.deepEqual(c, [6, 3, 1]);
  assert.equal(new Set(s).size, 10);
  assert.deepEqual(stratifiedSubset(labels, 10, 42), s);
  assert.equal(stratifiedSubset(labels, 103, 1).length, 103);
});
