// Symmetric eigensolver: residual, orthogonality, known spectra, hard cases, and the wasm path
// against the plain-TS path. Tolerances (‖A‖ = spectral norm):
//   residual   max_k ‖A u_k − λ_k u_k‖₂ ≤ 1e-10·‖A‖        (issue 2)
//   orthogonality ‖UᵀU − I‖_max ≤ 1e-12                    (issue 2)
//   eigenvalues vs closed form / construction: ≤ 1e-12·‖A‖ (backward-stable solver: a few ulps·n)
//   wasm vs TS eigenvalues ≤ 1e-12·‖A‖; eigenvectors of well-separated eigenvalues |1 − |uᵀv|| ≤ 1e-10
import { test } from "node:test";
import assert from "node:assert/strict";
import { eigh, eighBackend, setEighTuning, type EighResult } from "../../lib/linalg/eigh.ts";
import { Rng } from "../../lib/random/rng.ts";

const backends: ("ts" | "wasm")[] = eighBackend() === "wasm" ? ["ts", "wasm"] : ["ts"];
if (backends.length === 1) console.warn("eigh.test: build/wasm/eigh.wasm not loadable, testing the TS path only");

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  return A;
}

/** Haar-random orthogonal matrix (row-major): Gram–Schmidt twice on a Gaussian matrix's columns. */
function randomOrthogonal(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const Q = rng.normals(n * n); // column j = Q[j*n ..] (stored transposed while we work)
  for (let j = 0; j < n; j++) {
    const qj = Q.subarray(j * n, (j + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const qp = Q.subarray(p * n, (p + 1) * n);
        let d = 0;
        for (let i = 0; i < n; i++) d += qp[i] * qj[i];
        for (let i = 0; i < n; i++) qj[i] -= d * qp[i];
      }
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += qj[i] * qj[i];
    s = 1 / Math.sqrt(s);
    for (let i = 0; i < n; i++) qj[i] *= s;
  }
  const U = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) U[i * n + j] = Q[j * n + i];
  return U;
}

/** U·diag(lambda)·Uᵀ, symmetrised exactly. */
function fromSpectrum(U: Float64Array, lambda: ArrayLike<number>, n: number): Float64Array {
  const A = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) row[k] = U[i * n + k] * lambda[k];
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += row[k] * U[j * n + k];
      A[i * n + j] = s;
      A[j * n + i] = s;
    }
  }
  return A;
}

interface Quality { residual: number; orthogonality: number; norm: number }

function quality(A: Float64Array, n: number, r: EighResult): Quality {
  const U = r.vectors;
  assert.ok(U, "vectors requested");
  let norm = 0;
  for (const v of r.values) norm = Math.max(norm, Math.abs(v));
  let residual = 0;
  const u = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) u[i] = U[i * n + k];
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * u[j];
      s -= r.values[k] * u[i];
      s2 += s * s;
    }
    residual = Math.max(residual, Math.sqrt(s2));
  }
  // UᵀU − I, via rows of U (Σ_i U[i,k] U[i,l])
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < n; k++) {
      const a = U[ri + k];
      if (a === 0) continue;
      for (let l = 0; l < n; l++) G[k * n + l] += a * U[ri + l];
    }
  }
  let orthogonality = 0;
  for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) orthogonality = Math.max(orthogonality, Math.abs(G[k * n + l] - (k === l ? 1 : 0)));
  return { residual, orthogonality, norm };
}

function assertGood(A: Float64Array, n: number, r: EighResult, label: string): Quality {
  const q = quality(A, n, r);
  const scale = Math.max(q.norm, Number.MIN_VALUE);
  assert.ok(q.residual <= 1e-10 * scale, `${label}: residual ${q.residual.toExponential(2)} > 1e-10·‖A‖ = ${(1e-10 * scale).toExponential(2)}`);
  assert.ok(q.orthogonality <= 1e-12, `${label}: ‖UᵀU − I‖_max = ${q.orthogonality.toExponential(2)} > 1e-12`);
  for (let k = 1; k < n; k++) assert.ok(r.values[k - 1] >= r.values[k], `${label}: values not descending at ${k}`);
  // sign convention: the largest-magnitude entry of each column is positive (first on ties)
  const U = r.vectors!;
  for (let k = 0; k < n; k++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(U[i * n + k]) > Math.abs(U[best * n + k])) best = i;
    assert.ok(U[best * n + k] > 0, `${label}: column ${k} largest entry is negative`);
  }
  return q;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test("input validation: clear RangeErrors", () => {
  assert.throws(() => eigh(new Float64Array(0), 0), RangeError);
  assert.throws(() => eigh(new Float64Array(4), 2.5), /integer/);
  assert.throws(() => eigh(new Float64Array(5), 2), /n² = 4/);
  assert.throws(() => eigh(Float64Array.from([1, NaN, NaN, 1]), 2), /not finite/);
  assert.throws(() => eigh(Float64Array.from([1, 0, 0, Infinity]), 2), /A\[1, 1\]/);
  assert.throws(() => eigh([1] as unknown as Float64Array, 1), /Float64Array/);
  assert.throws(() => eigh(new Float64Array(1), 1, { backend: "gpu" as "ts" }), /backend/);
});

for (const backend of backends) {
  test(`${backend}: random symmetric matrices n = 1, 2, 5, 50, 200`, () => {
    for (const n of [1, 2, 5, 50, 200]) {
      const A = randomSymmetric(n, 100 + n);
      const copy = A.slice();
      const r = eigh(A, n, { backend });
      assert.deepEqual(A, copy, "input not modified");
      assertGood(A, n, r, `${backend} n=${n}`);
      // eigenvalues only: identical numbers (same QL iteration, no rotations recorded)
      const v = eigh(A, n, { backend, vectors: false });
      assert.equal(v.vectors, null);
      assert.deepEqual(v.values, r.values);
      // trace check
      let tr = 0, sum = 0;
      for (let i = 0; i < n; i++) tr += A[i * n + i];
      for (const x of r.values) sum += x;
      assert.ok(Math.abs(tr - sum) <= 1e-12 * n * Math.max(1, Math.abs(r.values[0])));
    }
  });

  test(`${backend}: power-law spectrum k^-2, n = 300, Haar eigenvectors (clustered small eigenvalues)`, () => {
    const n = 300;
    const lambda = Float64Array.from({ length: n }, (_, k) => (k + 1) ** -2);
    const U = randomOrthogonal(n, 7);
    const A = fromSpectrum(U, lambda, n);
    const r = eigh(A, n, { backend });
    const q = assertGood(A, n, r, `${backend} power law`);
    assert.ok(maxAbsDiff(r.values, lambda) <= 1e-12, `eigenvalues off by ${maxAbsDiff(r.values, lambda)}`);
    // the well-separated leading eigenvectors match the construction
    for (let k = 0; k < 10; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += r.vectors![i * n + k] * U[i * n + k];
      assert.ok(Math.abs(1 - Math.abs(d)) <= 1e-10, `eigenvector ${k}: |uᵀu_true| = ${Math.abs(d)}`);
    }
    assert.ok(q.residual <= 1e-13, `residual ${q.residual}`);
  });

  test(`${backend}: repeated eigenvalues`, () => {
    const n = 60;
    const lambda = Float64Array.from({ length: n }, (_, k) => (k < 20 ? 3 : k < 45 ? 1 : -2));
    const U = randomOrthogonal(n, 11);
    const A = fromSpectrum(U, lambda, n);
    const r = eigh(A, n, { backend });
    assertGood(A, n, r, `${backend} repeated`);
    assert.ok(maxAbsDiff(r.values, lambda) <= 1e-12 * 3);
    // the computed eigenspace of 3 equals the constructed one: ‖P − P_true‖_max small
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let p = 0, pt = 0;
        for (let k = 0; k < 20; k++) {
          p += r.vectors![i * n + k] * r.vectors![j * n + k];
          pt += U[i * n + k] * U[j * n + k];
        }
        err = Math.max(err, Math.abs(p - pt));
      }
    }
    assert.ok(err <= 1e-12, `eigenspace projector differs by ${err}`);
  });

  test(`${backend}: diagonal input gives the sorted diagonal and an exact permutation`, () => {
    const diag = [0.5, -1, 3, 0.5, 0, 7, -1];
    const n = diag.length;
    const A = new Float64Array(n * n);
    diag.forEach((v, i) => (A[i * n + i] = v));
    const r = eigh(A, n, { backend });
    assert.deepEqual(Array.from(r.values), [...diag].sort((a, b) => b - a));
    // ties keep the input order: column k is e_{order[k]}
    const order = [5, 2, 0, 3, 4, 1, 6];
    const expected = new Float64Array(n * n);
    order.forEach((i, k) => (expected[i * n + k] = 1));
    assert.deepEqual(r.vectors, expected);
  });

  test(`${backend}: tridiagonal Toeplitz (2, −1) against λ_j = 2 − 2cos(jπ/(n+1))`, () => {
    for (const n of [100, 257]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        A[i * n + i] = 2;
        if (i + 1 < n) A[i * n + i + 1] = A[(i + 1) * n + i] = -1;
      }
      const r = eigh(A, n, { backend });
      assertGood(A, n, r, `${backend} toeplitz n=${n}`);
      const exact = Float64Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((n - k) * Math.PI) / (n + 1)));
      const err = maxAbsDiff(r.values, exact);
      assert.ok(err <= 4e-12, `n=${n}: eigenvalue error ${err}`);
      // eigenvectors: u_j(i) ∝ sin(i j π/(n+1)); check the top and bottom ones
      for (const k of [0, n - 1]) {
        const j = n - k;
        let d = 0;
        for (let i = 0; i < n; i++) d += r.vectors![i * n + k] * Math.sqrt(2 / (n + 1)) * Math.sin(((i + 1) * j * Math.PI) / (n + 1));
        assert.ok(Math.abs(1 - Math.abs(d)) <= 1e-10);
      }
    }
  });

  test(`${backend}: scaling, zero matrix, asymmetric input symmetrised`, () => {
    const n = 30;
    const A = randomSymmetric(n, 5);
    const base = eigh(A, n, { backend });
    for (const s of [1e-200, 1e200, 2 ** -1000]) {
      const r = eigh(A.map((v) => v * s), n, { backend });
      for (let k = 0; k < n; k++) assert.ok(Math.abs(r.values[k] / s - base.values[k]) <= 1e-12 * Math.abs(base.values[0]));
    }
    const z = eigh(new Float64Array(n * n), n, { backend });
    assert.ok(z.values.every((v) => v === 0));
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) assert.equal(z.vectors![i * n + k], i === k ? 1 : 0);
    const B = new Rng(9).normals(n * n);
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = 0.5 * B[i * n + j] + 0.5 * B[j * n + i];
    const rb = eigh(B, n, { backend });
    const rs = eigh(S, n, { backend });
    assert.deepEqual(rb.values, rs.values);
    assert.deepEqual(rb.vectors, rs.vectors);
  });
}

if (backends.includes("wasm")) {
  test("wasm vs TS: same decomposition (blocked reduction, batched rotations, ragged edges)", () => {
    const cases: [number, Partial<{ panel: number; crossover: number; rotations: number }>][] = [
      [200, {}],
      [203, { panel: 8, crossover: 16, rotations: 1000 }], // many panels and many rotation batches
      [37, { panel: 4, crossover: 4, rotations: 1 }],
      [300, { panel: 32, crossover: 64 }],
    ];
    for (const [n, tune] of cases) {
      const prev = setEighTuning(tune);
      try {
        const A = randomSymmetric(n, 1000 + n);
        const w = eigh(A, n, { backend: "wasm" });
        const t = eigh(A, n, { backend: "ts" });
        assertGood(A, n, w, `wasm n=${n}`);
        const norm = Math.abs(t.values[0]) + Math.abs(t.values[n - 1]);
        assert.ok(maxAbsDiff(w.values, t.values) <= 1e-12 * norm, `n=${n}: values differ by ${maxAbsDiff(w.values, t.values)}`);
        for (let k = 0; k < n; k++) {
          const gap = Math.min(k > 0 ? t.values[k - 1] - t.values[k] : Infinity, k < n - 1 ? t.values[k] - t.values[k + 1] : Infinity);
          if (gap < 1e-3 * norm) continue;
          let d = 0;
          for (let i = 0; i < n; i++) d += w.vectors![i * n + k] * t.vectors![i * n + k];
          assert.ok(Math.abs(1 - d) <= 1e-10, `n=${n} vector ${k}: uᵀv = ${d}`);
        }
      } finally {
        setEighTuning(prev);
      }
    }
  });
}
