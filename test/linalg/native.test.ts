// The native addon's eigensolver, eighNative (LAPACK dsyevd through lib/linalg/native/eigh.c), against
// the EighResult contract of lib/linalg/eigh.ts and the plain-TS eigh. Asserted: residual
// max_k ‖A u_k − λ_k u_k‖ ≤ 1e-10·‖A‖_F, orthogonality max|UᵀU − I| ≤ 1e-12, eigenvalues = TS eigh's
// to 1e-12·‖A‖_F, eigenvectors = TS eigh's (same sign convention) to 1e-8 where the gap to the
// neighbouring eigenvalues is ≥ 1e-3·‖A‖_F (else the clusters' spectral projectors, to 1e-8), values
// descending, largest-magnitude component positive.
// The addon must be built (npm ci): missing, it fails unless build/native/ holds the build's "skipped:" marker.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eigh } from "../../lib/linalg/eigh.ts";
import { type BlasInfo, eighNative, nativeBlas, nativeSkipReason } from "../../lib/linalg/native/binding.ts";
import { Rng } from "../../lib/random/rng.ts";

/** Whether the native eigensolver is available; throws unless the build script recorded why it is not. */
function available(): BlasInfo | null {
  try {
    return nativeBlas().blasInfo();
  } catch (e) {
    const skip = nativeSkipReason();
    if (skip.addon !== null || skip.blas !== null) return null;
    throw new Error(`native addon missing without a "skipped:" marker in build/native/: ${String(e)}`, { cause: e });
  }
}
const info = available();
const skipped = info ? false : `skipped by the build: ${nativeSkipReason().addon ?? nativeSkipReason().blas}`;

const frob = (A: Float64Array): number => Math.sqrt(A.reduce((s, x) => s + x * x, 0));

/** Q·diag(λ)·Qᵀ with Q a product of random Householder reflections (exactly known spectrum). */
function withSpectrum(lambda: number[], rng: Rng): Float64Array {
  const n = lambda.length;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) A[i * n + i] = lambda[i];
  for (let r = 0; r < 3; r++) {
    const v = rng.normals(n);
    const vv = v.reduce((s, x) => s + x * x, 0);
    // A ← H A H with H = I − 2vvᵀ/vᵀv
    const Av = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Av[i] += A[i * n + j] * v[j];
    const vAv = v.reduce((s, x, i) => s + x * Av[i], 0);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        A[i * n + j] += (-2 * (v[i] * Av[j] + Av[i] * v[j])) / vv + (4 * vAv * v[i] * v[j]) / (vv * vv);
      }
  }
  return A;
}

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const A = rng.normals(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
  return A;
}

/** max_k ‖A u_k − λ_k u_k‖ and max |UᵀU − I| for vectors stored column-wise (vectors[i·n + k]). */
function quality(A: Float64Array, n: number, values: Float64Array, U: Float64Array) {
  let residual = 0;
  let orth = 0;
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let r = -values[k] * U[i * n + k];
      for (let j = 0; j < n; j++) r += A[i * n + j] * U[j * n + k];
      s += r * r;
    }
    residual = Math.max(residual, Math.sqrt(s));
    for (let l = 0; l <= k; l++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += U[i * n + k] * U[i * n + l];
      orth = Math.max(orth, Math.abs(d - (k === l ? 1 : 0)));
    }
  }
  return { residual, orth };
}

function checkContract(n: number, values: Float64Array, U: Float64Array): void {
  for (let k = 1; k < n; k++) assert.ok(values[k - 1] >= values[k], `values not descending at ${k}`);
  for (let k = 0; k < n; k++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(U[i * n + k]) > Math.abs(U[best * n + k])) best = i;
    assert.ok(U[best * n + k] > 0, `column ${k}: largest component ${U[best * n + k]} at row ${best} is not positive`);
  }
}

const cases: [string, number, (rng: Rng) => Float64Array][] = [
  ["random symmetric (Gaussian entries)", 120, (rng) => randomSymmetric(120, rng)],
  [
    "power-law spectrum λ_k = k^-1.5 (the project's problems)",
    150,
    (rng) =>
      withSpectrum(
        Array.from({ length: 150 }, (_, k) => (k + 1) ** -1.5),
        rng,
      ),
  ],
  [
    "clustered: triple eigenvalues and a zero block",
    90,
    (rng) =>
      withSpectrum(
        Array.from({ length: 90 }, (_, k) => (k < 30 ? 0 : Math.floor(k / 3))),
        rng,
      ),
  ],
];

for (const [what, n, make] of cases) {
  test(`eighNative = contract and TS eigh: ${what}, n = ${n}`, { skip: skipped }, (t) => {
    const rng = new Rng(n);
    const A = make(rng);
    const A0 = A.slice();
    const norm = frob(A);
    const r = eighNative(A, n, true);
    assert.deepEqual(A, A0, "A modified");
    assert.ok(r.vectors, "vectors requested");
    const U = r.vectors;
    checkContract(n, r.values, U);
    const { residual, orth } = quality(A, n, r.values, U);
    t.diagnostic(`residual ${(residual / norm).toExponential(2)}·‖A‖, orthogonality ${orth.toExponential(2)}`);
    assert.ok(residual <= 1e-10 * norm, `residual ${residual} > 1e-10·‖A‖ = ${1e-10 * norm}`);
    assert.ok(orth <= 1e-12, `orthogonality ${orth} > 1e-12`);

    const ref = eigh(A, n, { backend: "ts" });
    let dv = 0;
    for (let k = 0; k < n; k++) dv = Math.max(dv, Math.abs(r.values[k] - ref.values[k]));
    assert.ok(dv <= 1e-12 * norm, `eigenvalues differ from TS eigh by ${dv}`);
    let dvec = 0;
    let compared = 0;
    for (let k = 0; k < n; k++) {
      const gap = Math.min(
        k > 0 ? ref.values[k - 1] - ref.values[k] : Infinity,
        k < n - 1 ? ref.values[k] - ref.values[k + 1] : Infinity,
      );
      if (gap < 1e-3 * norm) continue; // within a cluster only the spanned subspace is defined
      compared++;
      for (let i = 0; i < n; i++)
        dvec = Math.max(dvec, Math.abs(U[i * n + k] - (ref.vectors as Float64Array)[i * n + k]));
    }
    t.diagnostic(`${compared} well-separated eigenvectors, max difference to TS ${dvec.toExponential(2)}`);
    assert.ok(dvec <= 1e-8, `eigenvectors differ from TS eigh by ${dvec}`);
    // clusters (gap < 1e-3·‖A‖): the spectral projectors Σ_k u_k u_kᵀ agree
    let dproj = 0;
    for (let k0 = 0; k0 < n; ) {
      let k1 = k0 + 1;
      while (k1 < n && ref.values[k1 - 1] - ref.values[k1] < 1e-3 * norm) k1++;
      if (k1 - k0 > 1) {
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let p = 0;
            for (let k = k0; k < k1; k++)
              p += U[i * n + k] * U[j * n + k] - ref.vectors![i * n + k] * ref.vectors![j * n + k];
            dproj = Math.max(dproj, Math.abs(p));
          }
      }
      k0 = k1;
    }
    assert.ok(dproj <= 1e-8, `cluster projectors differ from TS eigh by ${dproj}`);
  });
}

test("eighNative: values only = the values with vectors; non-symmetric input uses (A + Aᵀ)/2", {
  skip: skipped,
}, () => {
  const n = 40;
  const rng = new Rng(7);
  const S = randomSymmetric(n, rng);
  const full = eighNative(S, n, true);
  const only = eighNative(S, n, false);
  assert.equal(only.vectors, null);
  for (let k = 0; k < n; k++) assert.ok(Math.abs(only.values[k] - full.values[k]) <= 1e-12 * frob(S));
  // A = S + K with K antisymmetric: (A + Aᵀ)/2 = S exactly
  const A = S.slice();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      const x = rng.normal();
      A[i * n + j] += x;
      A[j * n + i] -= x;
    }
  const r = eighNative(A, n, false);
  for (let k = 0; k < n; k++) assert.ok(Math.abs(r.values[k] - full.values[k]) <= 1e-12 * frob(S));
});

test("eighNative: n = 1 and n = 0; non-finite entries and short arrays are rejected by name", { skip: skipped }, () => {
  const one = eighNative(Float64Array.of(-3), 1, true);
  assert.deepEqual([...one.values], [-3]);
  assert.deepEqual([...(one.vectors as Float64Array)], [1]);
  const zero = eighNative(new Float64Array(0), 0, true);
  assert.equal(zero.values.length, 0);
  assert.throws(() => eighNative(Float64Array.of(1, NaN, NaN, 1), 2, true), /eighNative A: entry 1 is not finite/);
  assert.throws(() => eighNative(new Float64Array(3), 2, true), /eighNative A: length 3 < required 4/);
  assert.throws(() => eighNative(new Float64Array(4), -2, true), /eighNative n must be an integer/);
});

test("blasInfo: OpenBLAS loaded with its configuration and kernel set", { skip: skipped }, (t) => {
  assert.ok(info);
  assert.equal(info.loaded, true);
  assert.equal(info.error, null);
  assert.match(info.config ?? "", /OpenBLAS/);
  assert.ok(info.core && info.core.length > 0);
  t.diagnostic(`${info.library}: ${info.config}`);
});
