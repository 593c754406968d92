// Theory benchmarks (lib/theory): Ũ(1) on a 200×200 (α, β) grid at N = 1000, and the α_crit(β) curve
// at 200 momenta. Each is compared, in the same run, with a naive version that solves the per-mode
// 3×3 resolvent (I − A_k)x = (1,1,1) numerically (THEORY §3) — and, for α_crit, plain bisection on it.
// The naive versions are timed on a subsample (every 10th row / β) and scaled to the full size.
import { alphaCritCurve, uTildeAtOneGrid } from "../lib/theory/index.ts";
import { batchNoise } from "../lib/theory/batchNoise.ts";

const N = 1000;
const LAMBDA = Float64Array.from({ length: N }, (_, k) => Math.pow(k + 1, -1.5));
const GAMMA = batchNoise(N, 10);
const TAU = -1;

/** Ũ(1) by solving (I − A_k)x = (1,1,1) per mode with Gaussian elimination (partial pivoting). */
function uTildeNaive(alpha: number, beta: number): number {
  const gt = GAMMA * TAU;
  let s = 0;
  for (let k = 0; k < N; k++) {
    const a = alpha * LAMBDA[k];
    if (!(a < 2 * (1 + beta))) return Infinity;
    const q = a * a * (1 - gt), b2 = beta * beta;
    // M = I − A_k, augmented with the right-hand side (1,1,1)
    const m = [
      [2 * a - q, -2 * beta * (1 - a), -b2, 1],
      [a - q, 1 - beta * (1 - 2 * a), -b2, 1],
      [-q, 2 * beta * a, 1 - b2, 1],
    ];
    for (let c = 0; c < 3; c++) {
      let p = c;
      for (let i = c + 1; i < 3; i++) if (Math.abs(m[i][c]) > Math.abs(m[p][c])) p = i;
      const tmp = m[c]; m[c] = m[p]; m[p] = tmp;
      for (let i = c + 1; i < 3; i++) {
        const f = m[i][c] / m[c][c];
        for (let j = c; j < 4; j++) m[i][j] -= f * m[c][j];
      }
    }
    const x2 = m[2][3] / m[2][2];
    const x1 = (m[1][3] - m[1][2] * x2) / m[1][1];
    const x0 = (m[0][3] - m[0][1] * x1 - m[0][2] * x2) / m[0][0];
    if (!(x0 > 0)) return Infinity; // past a pole: the series diverges
    s += a * a * x0;
  }
  return GAMMA * s;
}

/** α_crit by plain bisection on the naive Ũ(1) = 1, capped by the deterministic edge. */
function alphaCritNaive(beta: number): number {
  const edge = 2 * (1 + beta);
  if (uTildeNaive(edge * (1 - 1e-15), beta) <= 1) return edge;
  let lo = 0, hi = edge;
  while (hi - lo > 1e-13 * hi) {
    const mid = 0.5 * (lo + hi);
    if (uTildeNaive(mid, beta) < 1) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time<T>(fn: () => T, repeats: number): { ms: number; value: T } {
  let value = fn(); // warm-up
  const ts: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = fn();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), value };
}

export async function run(): Promise<void> {
  const nA = 200, nB = 200;
  const alphas = Float64Array.from({ length: nA }, (_, j) => 0.01 + (1.99 * j) / (nA - 1));
  const betas = Float64Array.from({ length: nB }, (_, i) => -0.9 + (1.89 * i) / (nB - 1));

  // Ũ(1) grid
  const fast = time(() => uTildeAtOneGrid(LAMBDA, alphas, betas, GAMMA, TAU), 7);
  let finite = 0;
  for (const u of fast.value) if (Number.isFinite(u)) finite++;
  const rows = Array.from({ length: nB / 10 }, (_, r) => r * 10);
  let maxDev = 0;
  const naive = time(() => {
    for (const i of rows) {
      for (let j = 0; j < nA; j++) {
        const u = uTildeNaive(alphas[j], betas[i]);
        const f = fast.value[i * nA + j];
        if (Number.isFinite(u) && Number.isFinite(f)) maxDev = Math.max(maxDev, Math.abs(u - f) / Math.abs(f));
      }
    }
  }, 1);
  const naiveFull = naive.ms * (nB / rows.length);
  console.log(`Ũ(1) grid ${nB}×${nA} at N = ${N} (γ = ${GAMMA.toFixed(5)}, τ = ${TAU}; ${finite} finite points): ${fast.ms.toFixed(1)} ms (target ≤ 100 ms)`);
  console.log(`  naive per-mode 3×3 solves: ${naiveFull.toFixed(0)} ms (timed on ${rows.length} rows, scaled) → ×${(naiveFull / fast.ms).toFixed(1)}; max relative deviation ${maxDev.toExponential(1)}`);

  // α_crit(β) curve
  const curveBetas = Float64Array.from({ length: 200 }, (_, i) => -0.95 + (1.94 * i) / 199);
  const curve = time(() => alphaCritCurve(LAMBDA, curveBetas, GAMMA, TAU), 7);
  const sub = Array.from({ length: 20 }, (_, r) => r * 10);
  let maxDevC = 0;
  const naiveC = time(() => {
    for (const i of sub) maxDevC = Math.max(maxDevC, Math.abs(alphaCritNaive(curveBetas[i]) - curve.value[i]) / curve.value[i]);
  }, 1);
  const naiveCFull = naiveC.ms * (curveBetas.length / sub.length);
  console.log(`α_crit(β) curve, ${curveBetas.length} momenta at N = ${N}: ${curve.ms.toFixed(1)} ms (target ≤ 100 ms)`);
  console.log(`  naive bisection on per-mode 3×3 solves: ${naiveCFull.toFixed(0)} ms (timed on ${sub.length} momenta, scaled) → ×${(naiveCFull / curve.ms).toFixed(1)}; max relative deviation ${maxDevC.toExponential(1)}`);
}
