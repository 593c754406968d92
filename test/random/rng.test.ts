import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.ts";

/** Independent BigInt implementation of splitmix64 seeding + xoshiro256** (Blackman & Vigna). */
function referenceUniforms(seed: number, n: number): number[] {
  const mask = (1n << 64n) - 1n;
  let x = BigInt(seed);
  const s: bigint[] = [];
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & mask;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    s.push(z ^ (z >> 31n));
  }
  const rotl = (v: bigint, k: bigint) => ((v << k) | (v >> (64n - k))) & mask;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = (rotl((s[1] * 5n) & mask, 7n) * 9n) & mask;
    const t = (s[1] << 17n) & mask;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45n);
    out.push(Number(r >> 11n) / 2 ** 53);
  }
  return out;
}

test("uniform() equals a BigInt xoshiro256** bit for bit", () => {
  for (const seed of [0, 1, 42, 2 ** 40 + 7]) {
    const rng = new Rng(seed);
    const ref = referenceUniforms(seed, 500);
    for (const r of ref) assert.equal(rng.uniform(), r);
  }
});

test("normal(): mean 0, variance 1, kurtosis 3 within 5 standard errors (n = 2·10⁵)", () => {
  const rng = new Rng(9);
  const n = 200_000;
  let m1 = 0, m2 = 0, m4 = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    m1 += z; m2 += z * z; m4 += z ** 4;
  }
  m1 /= n; m2 /= n; m4 /= n;
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n));
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n));
});

test("sampleWithoutReplacement: distinct indices, each index with frequency b/n (χ² bound)", () => {
  const rng = new Rng(3);
  const n = 20, b = 5, draws = 20_000;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(b);
  const counts = new Float64Array(n);
  const pairs = new Map<string, number>();
  for (let d = 0; d < draws; d++) {
    rng.sampleWithoutReplacement(perm, b, out);
    assert.equal(new Set(out).size, b);
    for (const i of out) counts[i]++;
    const key = `${Math.min(out[0], out[1])},${Math.max(out[0], out[1])}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const expected = (draws * b) / n;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - expected) ** 2 / expected;
  // χ² with 19 degrees of freedom: P(χ² > 43.8) = 0.001
  assert.ok(chi2 < 43.8, `χ² = ${chi2}`);
});

test("bad seeds are rejected", () => {
  assert.throws(() => new Rng(-1), /seed must be/);
  assert.throws(() => new Rng(1.5), /seed must be/);
});
