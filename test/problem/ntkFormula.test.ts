// The analytic NTK's 'reference' formula against a direct transcription of the reference code's NTK_2_layer
// (datasets/mlp_ntk.py), written here from the Python source, and against the exact formula it departs from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../lib/random/rng.ts";
import { analyticNtk } from "../../lib/problem/ntk.ts";

/** NTK_2_layer(X, sigma_w=1, sigma_b=1) line by line, in float64. */
function ntk2LayerTranscription(x: Float64Array, N: number, d: number): Float64Array {
  // Sigma_1 = (sigma_w ** 2 / d_in) * X @ X.T + sigma_b ** 2
  const sigma = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * x[j * d + k];
      sigma[i * N + j] = s / d + 1;
    }
  // norm = sqrt(diag(Sigma_1)); angle = arccos(clamp(Sigma_1 / (norm[:, None] * norm[None, :]), max=1.0))
  const norm = Array.from({ length: N }, (_, i) => Math.sqrt(sigma[i * N + i]));
  const angle = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) angle[i * N + j] = Math.acos(Math.min(sigma[i * N + j] / (norm[i] * norm[j]), 1));
  // angle -= angle.diagonal()   (broadcast over rows: angle[i, j] -= angle[j, j])
  const diag = Array.from({ length: N }, (_, j) => angle[j * N + j]);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) angle[i * N + j] -= diag[j];
  // J_0 = (pi - angle) / (2 pi); J_1 = (sin(angle) + (pi - angle) * cos(angle)) / (2 pi)
  // Sigma_2 = sigma_w ** 2 * (Theta_1 * J_0 + J_1), Theta_1 = Sigma_1; returned: Theta_2 = Sigma_2
  const out = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) {
    const a = angle[i];
    const j0 = (Math.PI - a) / (2 * Math.PI);
    const j1 = (Math.sin(a) + (Math.PI - a) * Math.cos(a)) / (2 * Math.PI);
    out[i] = sigma[i] * j0 + j1;
  }
  return out;
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

test(
  "analytic NTK, formula 'reference' = the reference's NTK_2_layer " +
    "(max |Δ|/max|K| ≤ 1e-7; exact formula ≥ 0.1 away)",
  () => {
    const N = 40;
    const d = 12;
    const x = new Rng(7).normals(N * d);
    const ref = ntk2LayerTranscription(x, N, d);
    const mine = analyticNtk({ N, d, x }, { formula: "reference" });
    // the reference's angle.diagonal() subtraction only removes round-off (θ_ii = 0 exactly here): ≤ ~1e-8
    const err = maxRelDiff(mine, ref);
    assert.ok(err <= 1e-7, `reference formula vs transcription: ${err}`);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) assert.equal(mine[i * N + j], mine[j * N + i]);
    // the default is the exact NTK, which carries √(Σ_ii Σ_jj) (here Σ_ii = |x_i|²/d + 1 ≈ 2): far from the reference
    const exact = analyticNtk({ N, d, x });
    assert.ok(maxRelDiff(exact, ref) > 0.1, `exact vs reference: ${maxRelDiff(exact, ref)}`);
    assert.deepEqual(Array.from(analyticNtk({ N, d, x }, { formula: "exact" })), Array.from(exact));
    assert.throws(
      () => analyticNtk({ N, d, x }, { formula: "other" as never }),
      /formula must be "exact" or "reference"/,
    );
  },
);
