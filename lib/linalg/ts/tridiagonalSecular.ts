/**
 * Eigendecomposition of a rank-one update of a diagonal matrix (the merge step of divide and conquer):
 *
 *   D + ρ z zᵀ = Y diag(λ) Yᵀ,   d_0 < d_1 < … < d_{k−1},  z_i ≠ 0,  ρ > 0.
 *
 * The eigenvalues are the roots of the secular equation f(λ) = 1/ρ + Σ_i z_i²/(d_i − λ) = 0, one in each
 * interval (d_j, d_{j+1}) and the last in (d_{k−1}, d_{k−1} + ρ‖z‖²] (f increases from −∞ to +∞ on each).
 * Root j is kept as λ_j = d_{o_j} + τ_j with its origin o_j the nearer pole, so that every difference
 * Δ_ij = d_i − λ_j = (d_i − d_{o_j}) − τ_j is computed to high relative accuracy (LAPACK dlaed4).
 *
 * Each root: bracket, then the "middle way" rational iteration (R.-C. Li, LAPACK Working Note 89):
 * ψ = Σ_{i ≤ p} is modelled by a + b/(d_p − λ), φ = Σ_{i > p} by A + B/(d_q − λ) with (p, q) = (j, j+1), or
 * (k−2, k−1) for the last root, matching values and derivatives at the current iterate; the model's
 * root is a quadratic. Steps leaving the bracket (or the model's pole interval) become bisections.
 * Stop when |f| ≤ ε·(8·Σ|z_i²/Δ_i| + 2/ρ + |τ|·f′) (the rounding level of f).
 *
 * Eigenvectors (Gu & Eisenstat, Löwner's formula): the computed λ are the exact eigenvalues of
 * D + ρ ẑ ẑᵀ with ẑ_i² = −Δ_ii ∏_{j≠i} Δ_ij/(d_i − d_j) (sign of z_i); then y_j ∝ (ẑ_i/Δ_ij)_i are
 * orthogonal to working precision whatever the clustering of λ, and ‖ẑ − z‖ is within the backward error.
 * docs/theory.md §15.2. The WebAssembly twin is `secular` in lib/linalg/wasm/src/eigh.ts.
 */

const EPS = 2 ** -52;
const MAX_ITER = 100;

/** Work space of `secular` for k up to its capacity (reused between calls). */
export class SecularWork {
  /** d[o_j], the pole each root is measured from */
  dor: Float64Array;
  tau: Float64Array;
  zhat: Float64Array;
  rnorm: Float64Array;
  constructor(k: number) {
    this.dor = new Float64Array(k);
    this.tau = new Float64Array(k);
    this.zhat = new Float64Array(k);
    this.rnorm = new Float64Array(k);
  }
  /** Grows to hold k entries. */
  ensure(k: number): this {
    if (this.tau.length < k) Object.assign(this, new SecularWork(k));
    return this;
  }
}

/**
 * Eigenvalues lambda (ascending) and unit eigenvectors of diag(d) + ρ z zᵀ (d strictly increasing, z without
 * zeros, ρ > 0, as left by deflation): Y (k×k row-major) has component i of the vector of λ_j at
 * Y[rowOf[i]·k + j] (rowOf a permutation: the caller's grouping of the rows).
 */
export function secular(
  k: number,
  d: Float64Array,
  z: Float64Array,
  rho: number,
  lambda: Float64Array,
  Y: Float64Array,
  rowOf: Int32Array,
  work: SecularWork = new SecularWork(k),
): void {
  work.ensure(k);
  const { dor, tau, zhat, rnorm } = work;
  if (k === 1) {
    lambda[0] = d[0] + rho * z[0] * z[0];
    Y[0] = 1; // rowOf = [0]
    return;
  }
  let zz = 0;
  for (let i = 0; i < k; i++) zz += z[i] * z[i];
  for (let j = 0; j < k; j++) {
    dor[j] = d[secularRoot(k, d, z, rho, zz, j)];
    tau[j] = rootTau;
    lambda[j] = dor[j] + rootTau;
  }
  // Löwner: ẑ_i² = −Δ_ii ∏_{j≠i} Δ_ij / (d_i − d_j)
  for (let i = 0; i < k; i++) zhat[i] = -(d[i] - dor[i] - tau[i]);
  for (let j = 0; j < k; j++) {
    const dj = d[j];
    const dj0 = dor[j];
    const tj = tau[j];
    for (let i = 0; i < k; i++) if (i !== j) zhat[i] *= (d[i] - dj0 - tj) / (d[i] - dj);
  }
  for (let i = 0; i < k; i++) zhat[i] = z[i] < 0 ? -Math.sqrt(zhat[i]) : Math.sqrt(zhat[i]);
  // column norms, then Y[i, j] = ẑ_i / Δ_ij / ‖·‖
  for (let j = 0; j < k; j++) {
    const dj0 = dor[j];
    const tj = tau[j];
    let s = 0;
    for (let i = 0; i < k; i++) {
      const v = zhat[i] / (d[i] - dj0 - tj);
      s += v * v;
    }
    rnorm[j] = 1 / Math.sqrt(s);
  }
  for (let i = 0; i < k; i++) {
    const di = d[i];
    const zi = zhat[i];
    const row = rowOf[i] * k;
    for (let j = 0; j < k; j++) Y[row + j] = (zi / (di - dor[j] - tau[j])) * rnorm[j];
  }
}

let rootTau = 0; // second result of secularRoot (avoids an allocation per root)

/**
 * Root j of 1/ρ + Σ z_i²/(d_i − λ): returns its origin o and leaves τ = λ − d_o in rootTau.
 * zz = Σ z_i².
 */
function secularRoot(k: number, d: Float64Array, z: Float64Array, rho: number, zz: number, j: number): number {
  const rinv = 1 / rho;
  const last = j === k - 1;
  const p = last ? k - 2 : j; // ψ = Σ_{i ≤ p}, pole d_p; φ = Σ_{i > p}, pole d_q
  const q = p + 1;
  let o: number, lo: number, hi: number, tau: number;
  if (last) {
    o = k - 1;
    lo = 0;
    hi = rho * zz; // f(d_{k−1} + ρ‖z‖²) ≥ 0
    tau = 0.5 * hi;
    if (evalF(k, d, z, rinv, o, tau) > 0) hi = tau;
    else lo = tau;
  } else {
    const mid = 0.5 * (d[j + 1] - d[j]);
    if (evalF(k, d, z, rinv, j, mid) >= 0) {
      o = j;
      lo = 0;
      hi = mid;
      tau = mid;
    } else {
      o = j + 1;
      lo = -mid;
      hi = 0;
      tau = -mid;
    }
  }
  const dop = d[p] - d[o];
  const doq = d[q] - d[o];
  for (let iter = 0; iter < MAX_ITER; iter++) {
    let psi = 0,
      dpsi = 0,
      phi = 0,
      dphi = 0,
      abs = 0;
    for (let i = 0; i <= p; i++) {
      const t = z[i] / (d[i] - d[o] - tau);
      const v = z[i] * t;
      psi += v;
      dpsi += t * t;
      abs += Math.abs(v);
    }
    for (let i = p + 1; i < k; i++) {
      const t = z[i] / (d[i] - d[o] - tau);
      const v = z[i] * t;
      phi += v;
      dphi += t * t;
      abs += Math.abs(v);
    }
    const f = rinv + psi + phi;
    if (Math.abs(f) <= EPS * (8 * abs + 2 * rinv + Math.abs(tau) * (dpsi + dphi))) break;
    if (f < 0) lo = tau;
    else hi = tau;
    // middle way: c + b/(Δp − η) + B/(Δq − η) = 0 with b = Δp²ψ′, B = Δq²φ′, c = f − Δpψ′ − Δqφ′
    const Dp = dop - tau;
    const Dq = doq - tau;
    const c = f - Dp * dpsi - Dq * dphi;
    const a = (Dp + Dq) * f - Dp * Dq * (dpsi + dphi);
    const b = Dp * Dq * f;
    // the model's root lies in (Δp, Δq) (interior root) or (Δq, ∞) (last root)
    const etaLo = Math.max(last ? Dq : Dp, lo - tau);
    const etaHi = Math.min(last ? Infinity : Dq, hi - tau);
    let eta = NaN;
    if (c === 0) eta = b / a;
    else {
      const disc = a * a - 4 * b * c;
      if (disc >= 0) {
        const s = Math.sqrt(disc);
        const h = 0.5 * (a >= 0 ? a + s : a - s); // roots h/c and b/h
        const r1 = h / c;
        const r2 = h !== 0 ? b / h : NaN;
        eta = r1 > etaLo && r1 < etaHi ? r1 : r2;
      }
    }
    let next = eta > etaLo && eta < etaHi ? tau + eta : 0.5 * (lo + hi);
    if (!(next > lo && next < hi) || next === tau) {
      next = 0.5 * (lo + hi); // the step went nowhere: bisect, until the bracket is a few ulps wide
      if (next === tau || !(next > lo && next < hi)) break;
    }
    tau = next;
  }
  rootTau = tau;
  return o;
}

/** f(d_o + τ) = 1/ρ + Σ z_i²/((d_i − d_o) − τ). */
function evalF(k: number, d: Float64Array, z: Float64Array, rinv: number, o: number, tau: number): number {
  let f = rinv;
  const dor = d[o];
  for (let i = 0; i < k; i++) f += (z[i] * z[i]) / (d[i] - dor - tau);
  return f;
}
