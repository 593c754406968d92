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
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45n);
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
  let m1 = 0,
    m2 = 0,
    m4 = 0;
  for (let i = 0; i < n; i++) {
    const z = rng.normal();
    m1 += z;
    m2 += z * z;
    m4 += z ** 4;
  }
  m1 /= n;
  m2 /= n;
  m4 /= n;
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(n));
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n));
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n));
});

test("sampleWithoutReplacement: distinct indices, each index with frequency b/n (χ² bound)", () => {
  const rng = new Rng(3);
  const n = 20,
    b = 5,
    draws = 20_000;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(b);
  const counts = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    rng.sampleWithoutReplacement(perm, b, out);
    assert.equal(new Set(out).size, b);
    for (const i of out) counts[i]++;
  }
  const expected = (draws * b) / n;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - expected) ** 2 / expected;
  // χ² with 19 degrees of freedom: P(χ² > 43.8) = 0.001
  assert.ok(chi2 < 43.8, `χ² = ${chi2}`);
});

/** C(n, k) as a float (small arguments). */
function binomial(n: number, k: number): number {
  let v = 1;
  for (let j = 1; j <= k; j++) v = (v * (n - k + j)) / j;
  return v;
}

test("sampleWithoutReplacement, reused perm: b-subsets equally likely, consecutive draws independent (χ²)", (t) => {
  // n = 7, b = 3: 35 subsets, each with probability 1/35 whatever order the previous calls left perm in;
  // independence of consecutive draws ⇒ |B_t ∩ B_{t+1}| is hypergeometric: P(k) = C(b,k)C(n−b,b−k)/C(n,b).
  const rng = new Rng(11);
  const n = 7,
    b = 3,
    draws = 70_000;
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(b);
  const subsetCounts = new Map<number, number>();
  const overlapCounts = new Float64Array(b + 1);
  let prevMask = -1;
  for (let d = 0; d < draws; d++) {
    rng.sampleWithoutReplacement(perm, b, out);
    let mask = 0;
    for (const i of out) mask |= 1 << i;
    subsetCounts.set(mask, (subsetCounts.get(mask) ?? 0) + 1);
    if (prevMask >= 0) {
      let common = 0;
      for (let m = mask & prevMask; m; m &= m - 1) common++;
      overlapCounts[common]++;
    }
    prevMask = mask;
  }
  const nSubsets = binomial(n, b);
  assert.equal(subsetCounts.size, nSubsets, "every subset should occur");
  const e = draws / nSubsets;
  let chi2Subsets = 0;
  for (const c of subsetCounts.values()) chi2Subsets += (c - e) ** 2 / e;
  let chi2Overlap = 0;
  for (let k = 0; k <= b; k++) {
    const p = (binomial(b, k) * binomial(n - b, b - k)) / nSubsets;
    const ek = (draws - 1) * p;
    chi2Overlap += (overlapCounts[k] - ek) ** 2 / ek;
  }
  t.diagnostic(
    `χ² subsets ${chi2Subsets.toFixed(1)} (34 dof), overlaps ${chi2Overlap.toFixed(1)} (3 dof); ` +
      `overlap counts ${Array.from(overlapCounts).join(", ")}`,
  );
  // P(χ²₃₄ > 65.25) = P(χ²₃ > 16.27) = 0.001
  assert.ok(chi2Subsets < 65.25, `subsets: χ² = ${chi2Subsets}`);
  assert.ok(chi2Overlap < 16.27, `overlaps of consecutive draws: χ² = ${chi2Overlap}`);
});

test("bad seeds are rejected", () => {
  assert.throws(() => new Rng(-1), /seed must be/);
  assert.throws(() => new Rng(1.5), /seed must be/);
});
