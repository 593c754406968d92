import { test } from "node:test";
import assert from "node:assert/strict";
import {
  constantSchedule,
  jacobiSchedule,
  makeSchedule,
  powerSchedule,
  jacobiLr,
  jacobiMomentum,
  fromPytorchMomentum,
  toPytorchMomentum,
} from "../../lib/schedule/index.ts";
import type { Schedule } from "../../lib/types.ts";

/** Jacobi polynomial P_n^(a,b)(x) for n = 0..T by the classical three-term recurrence (DLMF 18.9.1–2). */
function jacobiPolys(T: number, a: number, b: number, x: number): number[] {
  const P = [1, a + 1 + ((a + b + 2) * (x - 1)) / 2];
  for (let n = 2; n <= T; n++) {
    const s = 2 * n + a + b;
    const lhs = 2 * n * (n + a + b) * (s - 2);
    const c1 = (s - 1) * (s * (s - 2) * x + a * a - b * b);
    const c2 = 2 * (n + a - 1) * (n + b - 1) * s;
    P.push((c1 * P[n - 1] - c2 * P[n - 2]) / lhs);
  }
  return P.slice(0, T + 1);
}

/** P_n^(a,b)(1) = (a+1)_n / n! (closed form, independent of the recurrence). */
function jacobiAtOne(n: number, a: number): number {
  let v = 1;
  for (let j = 1; j <= n; j++) v *= (j + a) / j;
  return v;
}

/**
 * Noiseless heavy ball on one mode λ, d_0 = 1, step t uses index t−1, in the momentum convention of
 * the moment equations (docs/theory.md §2.3–2.4, v = d_{t+1} − d_t): v ← β v − α λ d, d ← d + v.
 */
function residuals(s: Schedule, lambda: number, T: number): number[] {
  let d = 1;
  let v = 0;
  const out = [1];
  for (let t = 1; t <= T; t++) {
    v = s.momentum(t - 1) * v - s.lr(t - 1) * lambda * d;
    d += v;
    out.push(d);
  }
  return out;
}

const params: [number, number][] = [
  [0, 0],
  [0.5, -0.5],
  [1.5, 0.25],
  [3, 1],
  [-0.5, 2],
];

const JACOBI_TITLE =
  "Jacobi schedule: noiseless residual polynomial = P_t^(a,b)(1 − lr·λ)/P_t^(a,b)(1) to 1e-12 " +
  "(relative to max(1, |P|); exact indexing)";
test(JACOBI_TITLE, () => {
  const T = 60;
  let worst = 0;
  for (const [a, b] of params) {
    for (const lr of [1, 0.37]) {
      const s = jacobiSchedule({ lr, a, b });
      for (const lam of [0, 0.013, 0.2, 0.5, 1, 1.7, 2].map((v) => v / lr)) {
        const got = residuals(s, lam, T);
        const P = jacobiPolys(T, a, b, 1 - lr * lam);
        for (let t = 0; t <= T; t++) {
          const want = P[t] / jacobiAtOne(t, a);
          const err = Math.abs(got[t] - want) / Math.max(1, Math.abs(want));
          worst = Math.max(worst, err);
          assert.ok(err <= 1e-12, `a=${a} b=${b} lr=${lr} λ=${lam} t=${t}: ${got[t]} vs ${want}`);
        }
      }
    }
  }
  console.log(`# jacobi residual polynomials: max error ${worst.toExponential(2)} (tol 1e-12)`);
});

test("Jacobi schedule: the reference's indexing (n = t) gives different polynomials", () => {
  const [a, b] = [1.5, 0.25];
  const exact = jacobiSchedule({ lr: 1, a, b });
  const ref = jacobiSchedule({ lr: 1, a, b, indexing: "reference" });
  for (let n = 0; n < 10; n++) {
    assert.equal(ref.lr(n), exact.lr(n + 1));
    assert.equal(ref.momentum(n), exact.momentum(n + 1));
  }
  const T = 40;
  const got = residuals(ref, 0.3, T);
  const P = jacobiPolys(T, a, b, 1 - 0.3);
  let maxDiff = 0;
  for (let t = 0; t <= T; t++) maxDiff = Math.max(maxDiff, Math.abs(got[t] - P[t] / jacobiAtOne(t, a)));
  assert.ok(maxDiff > 1e-3, `reference indexing should differ from the Jacobi polynomial, max diff ${maxDiff}`);
});

test("Jacobi schedule: formulas, β_0 = 0 also when a + b = 0", () => {
  const s = jacobiSchedule({ lr: 2, a: 0.5, b: -0.5 });
  assert.equal(s.momentum(0), 0);
  assert.ok(Number.isFinite(s.lr(0)));
  // α_n, β_n written out by hand at n = 3, a = 2, b = 1, lr = 0.5
  const [a, b, n] = [2, 1, 3];
  assert.ok(Math.abs(jacobiLr(0.5, a, b, n) - (0.5 * 10 * 11) / (2 * 6 * 7)) < 1e-15);
  assert.ok(Math.abs(jacobiMomentum(a, b, n) - (3 * 4 * 11) / (6 * 7 * 9)) < 1e-15);
});

test("power schedule: α_n = lr·(1 + n/n₀)^(−p), constant momentum", () => {
  const s = powerSchedule({ lr: 0.8, p: 0.5, n0: 100, momentum: 0.3 });
  assert.equal(s.lr(0), 0.8);
  assert.ok(Math.abs(s.lr(100) - 0.8 / Math.SQRT2) < 1e-15);
  assert.ok(Math.abs(s.lr(300) - 0.4) < 1e-15);
  assert.equal(s.momentum(0), 0.3);
  assert.equal(s.momentum(1234), 0.3);
  const flat = powerSchedule({ lr: 0.8, p: 0, n0: 1 });
  assert.equal(flat.lr(1e6), 0.8);
  assert.equal(flat.momentum(5), 0);
});

test("makeSchedule builds each kind from a plain description", () => {
  const c = makeSchedule({ kind: "constant", lr: 0.4, momentum: -0.2 });
  assert.equal(c.lr(7), 0.4);
  assert.equal(c.momentum(7), -0.2);
  assert.equal(makeSchedule({ kind: "constant", lr: 0.4 }).momentum(0), 0);
  const j = makeSchedule({ kind: "jacobi", lr: 1, a: 1, b: 2 });
  const j2 = jacobiSchedule({ lr: 1, a: 1, b: 2 });
  const jr = makeSchedule({ kind: "jacobi", lr: 1, a: 1, b: 2, indexing: "reference" });
  for (let n = 0; n < 5; n++) {
    assert.equal(j.lr(n), j2.lr(n));
    assert.equal(j.momentum(n), j2.momentum(n));
    assert.equal(jr.lr(n), j2.lr(n + 1));
  }
  const p = makeSchedule({ kind: "power", lr: 1, p: 1, n0: 10, momentum: 0.5 });
  assert.equal(p.lr(10), 0.5);
  assert.equal(p.momentum(3), 0.5);
  assert.equal(constantSchedule(1, 0).name, "constant");
});

test("schedules reject invalid parameters with RangeError", () => {
  const bad: unknown[] = [
    { kind: "constant", lr: Number.NaN },
    { kind: "constant", lr: 1, momentum: Infinity },
    { kind: "jacobi", lr: 0, a: 0, b: 0 },
    { kind: "jacobi", lr: 1, a: -1, b: 0 },
    { kind: "jacobi", lr: 1, a: 0, b: -1.5 },
    { kind: "jacobi", lr: 1, a: 0, b: 0, indexing: "late" },
    { kind: "power", lr: 1, p: -0.1, n0: 1 },
    { kind: "power", lr: 1, p: 1, n0: 0 },
    { kind: "power", lr: 1, p: 1, n0: 10, momentum: Number.NaN },
    { kind: "cosine", lr: 1 },
    null,
  ];
  for (const spec of bad) {
    assert.throws(() => makeSchedule(spec as never), RangeError, JSON.stringify(spec));
  }
});

/** PyTorch-form heavy ball on one mode: p ← λd + β'p, d ← d − αp. */
function residualsPytorch(s: Schedule, lambda: number, T: number): number[] {
  let d = 1;
  let p = 0;
  const out = [1];
  for (let t = 1; t <= T; t++) {
    p = lambda * d + s.momentum(t - 1) * p;
    d -= s.lr(t - 1) * p;
    out.push(d);
  }
  return out;
}

test("momentum conventions: PyTorch-form and classic-form loops agree through the adapters (1e-12)", () => {
  const T = 50;
  const power = powerSchedule({ lr: 0.9, p: 0.7, n0: 3, momentum: 0.6 });
  const jac = jacobiSchedule({ lr: 1, a: 1.5, b: 0.25 });
  for (const lam of [0.05, 0.4, 1.1]) {
    // a PyTorch-style schedule run in the classic form after conversion
    const torch = residualsPytorch(power, lam, T);
    const classic = residuals(fromPytorchMomentum(power), lam, T);
    for (let t = 0; t <= T; t++)
      assert.ok(Math.abs(torch[t] - classic[t]) <= 1e-12 * Math.max(1, Math.abs(classic[t])));
    // the Jacobi schedule run by a PyTorch-form optimizer after conversion still gives the Jacobi polynomial
    const viaTorch = residualsPytorch(toPytorchMomentum(jac), lam, T);
    const want = residuals(jac, lam, T);
    for (let t = 0; t <= T; t++) assert.ok(Math.abs(viaTorch[t] - want[t]) <= 1e-12 * Math.max(1, Math.abs(want[t])));
    // and unconverted, the conventions differ under a varying α
    const naive = residualsPytorch(jac, lam, T);
    assert.ok(Math.max(...naive.map((x, t) => Math.abs(x - want[t]))) > 1e-3);
  }
});
