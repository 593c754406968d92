import { test } from "node:test";
import assert from "node:assert/strict";
import { haarOrthogonal } from "../../lib/linalg/haarOrthogonal.ts";

test("QᵀQ = I to 1e-13 for n = 1, 2, 7, 120", () => {
  for (const n of [1, 2, 7, 120]) {
    const Q = haarOrthogonal(n, n);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += Q[k * n + i] * Q[k * n + j];
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    assert.ok(worst < 1e-13, `n = ${n}: ${worst}`);
  }
});

test(
  "Haar moments: E[tr Q] = 0, E[(tr Q)²] = 1, E[Q_11²] = 1/n, E[Q_11] = 0 " +
    "(5 standard errors, 6000 samples at n = 4)",
  () => {
    // For Haar O(n), tr Q has mean 0 and second moment 1 (Diaconis & Shahshahani 1994); without the sign fix
    // of the QR factors the diagonal is biased and these fail.
    const n = 4,
      samples = 6000;
    let t1 = 0,
      t2 = 0,
      q1 = 0,
      q2 = 0;
    for (let s = 0; s < samples; s++) {
      const Q = haarOrthogonal(n, 1000 + s);
      let tr = 0;
      for (let i = 0; i < n; i++) tr += Q[i * n + i];
      t1 += tr;
      t2 += tr * tr;
      q1 += Q[0];
      q2 += Q[0] * Q[0];
    }
    t1 /= samples;
    t2 /= samples;
    q1 /= samples;
    q2 /= samples;
    const se = 1 / Math.sqrt(samples);
    assert.ok(Math.abs(t1) < 5 * se, `E tr = ${t1}`);
    assert.ok(Math.abs(t2 - 1) < 5 * Math.sqrt(2) * se, `E tr² = ${t2}`); // Var((tr Q)²) = E tr⁴ − 1 = 2 for n ≥ 4
    assert.ok(Math.abs(q1) < 5 * 0.5 * se, `E Q11 = ${q1}`);
    assert.ok(Math.abs(q2 - 1 / n) < 5 * 0.2 * se, `E Q11² = ${q2}`);
  },
);

test("blocked (compact WY, GEMM) = unblocked Householder to 1e-13, also with ragged last panel", () => {
  for (const [n, nb] of [
    [97, 8],
    [64, 16],
    [130, 48],
  ] as const) {
    const a = haarOrthogonal(n, 5, { blockSize: n });
    const b = haarOrthogonal(n, 5, { blockSize: nb });
    let d = 0;
    for (let i = 0; i < n * n; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    assert.ok(d < 1e-13, `n = ${n}, nb = ${nb}: ${d}`);
  }
});

test("bad arguments are named", () => {
  assert.throws(() => haarOrthogonal(0, 1), /n must be an integer ≥ 1/);
  assert.throws(() => haarOrthogonal(4, 1, { blockSize: 0 }), /blockSize must be/);
});
