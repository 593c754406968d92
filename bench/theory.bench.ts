// Theory benchmarks (lib/theory): Ũ(1) on a 200×200 (α, β) grid at N = 1000, and the α_crit(β) curve at 200
// momenta. Each is compared, in the same run, with what a user would otherwise run: the closed form of
// docs/theory.md §3 evaluated per grid point and mode as the reference notebooks write it
// (NegativeMomentum.ipynb, compute_U), and, for α_crit, bisection on that closed form for Ũ(1) = 1 (the
// notebooks read α_crit off the grid instead, to the grid's resolution: 0.02 in α).
import { alphaCritCurve, uTildeAtOneGrid } from "../lib/theory/index.ts";
import { batchNoise } from "../lib/theory/batchNoise.ts";

const N = 1000;
const LAMBDA = Float64Array.from({ length: N }, (_, k) => (k + 1) ** -1.5);
const GAMMA = batchNoise(N, 10);
const TAU = -1;

/**
 * Ũ(1) by the closed form as the reference writes it: γα Σ_k λ_k(β + 1)/(αβλ_k(τγ + 1) + αλ_k(τγ − 1) − 2β² + 2);
 * +Infinity past the first pole (a mode with a non-positive denominator), where the series diverges.
 */
function uTildeClosedForm(alpha: number, beta: number): number {
  let s = 0;
  for (let k = 0; k < N; k++) {
    const l = LAMBDA[k];
    const den = alpha * beta * l * (TAU * GAMMA + 1) + alpha * l * (TAU * GAMMA - 1) - 2 * beta ** 2 + 2;
    if (!(den > 0)) return Infinity;
    s += (l * (beta + 1)) / den;
  }
  return GAMMA * alpha * s;
}

/** α_crit by bisection on the closed-form Ũ(1) = 1 to 1e-13 relative, capped by the deterministic edge. */
function alphaCritBisection(beta: number): number {
  const edge = 2 * (1 + beta);
  if (uTildeClosedForm(edge * (1 - 1e-15), beta) <= 1) return edge;
  let lo = 0;
  let hi = edge;
  while (hi - lo > 1e-13 * hi) {
    const mid = 0.5 * (lo + hi);
    if (uTildeClosedForm(mid, beta) < 1) lo = mid;
    else hi = mid;
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
  const nA = 200;
  const nB = 200;
  const alphas = Float64Array.from({ length: nA }, (_, j) => 0.01 + (1.99 * j) / (nA - 1));
  const betas = Float64Array.from({ length: nB }, (_, i) => -0.9 + (1.89 * i) / (nB - 1));

  // Ũ(1) grid
  const fast = time(() => uTildeAtOneGrid(LAMBDA, alphas, betas, GAMMA, TAU), 7);
  const base = time(() => {
    const out = new Float64Array(nB * nA);
    for (let i = 0; i < nB; i++) for (let j = 0; j < nA; j++) out[i * nA + j] = uTildeClosedForm(alphas[j], betas[i]);
    return out;
  }, 3);
  let finite = 0;
  let maxDev = 0;
  let mismatched = 0;
  for (let i = 0; i < fast.value.length; i++) {
    const [f, u] = [fast.value[i], base.value[i]];
    if (Number.isFinite(f) !== Number.isFinite(u)) mismatched++;
    else if (Number.isFinite(f)) {
      finite++;
      maxDev = Math.max(maxDev, Math.abs(u - f) / Math.abs(f));
    }
  }
  console.log(
    `Ũ(1) grid ${nB}×${nA} at N = ${N} (γ = ${GAMMA.toFixed(5)}, τ = ${TAU}; ${finite} finite points): ` +
      `${fast.ms.toFixed(1)} ms (target ≤ 100 ms)`,
  );
  console.log(
    `  closed form per point and mode, as the reference writes it: ${base.ms.toFixed(1)} ms ` +
      `→ ×${(base.ms / fast.ms).toFixed(2)};` +
      ` max relative deviation ${maxDev.toExponential(1)}, ${mismatched} points finite in one only`,
  );

  // α_crit(β) curve
  const curveBetas = Float64Array.from({ length: 200 }, (_, i) => -0.95 + (1.94 * i) / 199);
  const curve = time(() => alphaCritCurve(LAMBDA, curveBetas, GAMMA, TAU), 7);
  const bisect = time(() => Float64Array.from(curveBetas, alphaCritBisection), 3);
  let maxDevC = 0;
  for (let i = 0; i < curveBetas.length; i++) {
    maxDevC = Math.max(maxDevC, Math.abs(bisect.value[i] - curve.value[i]) / curve.value[i]);
  }
  console.log(`α_crit(β) curve, ${curveBetas.length} momenta at N = ${N}: ${curve.ms.toFixed(1)} ms (target ≤ 100 ms)`);
  console.log(
    `  bisection on the closed-form Ũ(1) to 1e-13: ${bisect.ms.toFixed(1)} ms ` +
      `→ ×${(bisect.ms / curve.ms).toFixed(1)};` +
      ` max relative deviation ${maxDevC.toExponential(1)}`,
  );
}
