/**
 * Power-law exponent fits (THEORY §5, "fitting from data"): least squares of log y on log x over a
 * window, plus the same fit on m log-equal sub-windows, reported as mean ± std (as the reference
 * code does), and the coefficient of determination R² of the whole-window fit.
 *   ν:  λ_k/λ_1 ~ k^(−ν);   κ:  S_k/S_0 = Σ_{l>k} C_l / Σ_l C_l ~ k^(−κ);   loss: L(t) ~ t^(−ξ).
 */
export interface PowerLawFit {
  /** the fitted exponent p in y ≈ A·x^(−p) over the whole window */
  readonly exponent: number;
  /** mean and std of the exponents fitted on the sub-windows */
  readonly subMean: number;
  readonly subStd: number;
  readonly subExponents: readonly number[];
  readonly amplitude: number;
  readonly r2: number;
  /** the x range used, inclusive */
  readonly window: readonly [number, number];
  readonly points: number;
}

export interface FitOptions {
  readonly window?: readonly [number, number];
  readonly subWindows?: number;
}

/** Fits y ≈ A·x^(−p) on the points with x in the window and x, y > 0. */
export function fitPowerLaw(x: ArrayLike<number>, y: ArrayLike<number>, options: FitOptions = {}): PowerLawFit {
  if (x.length !== y.length) throw new RangeError(`x and y must have equal lengths, got ${x.length} and ${y.length}`);
  const [lo, hi] = options.window ?? [-Infinity, Infinity];
  if (!(lo < hi)) throw new RangeError(`window must satisfy lo < hi, got [${lo}, ${hi}]`);
  const m = options.subWindows ?? 4;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`subWindows must be an integer ≥ 1, got ${m}`);
  const lx: number[] = [];
  const ly: number[] = [];
  let xMin = Infinity,
    xMax = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (x[i] >= lo && x[i] <= hi && x[i] > 0 && y[i] > 0 && Number.isFinite(y[i])) {
      xMin = Math.min(xMin, x[i]);
      xMax = Math.max(xMax, x[i]);
      lx.push(Math.log(x[i]));
      ly.push(Math.log(y[i]));
    }
  }
  if (lx.length < 3)
    throw new RangeError(`need at least 3 positive points in the window [${lo}, ${hi}], got ${lx.length}`);
  const whole = leastSquares(lx, ly);
  const a = Math.log(xMin);
  const b = Math.log(xMax);
  const subs: number[] = [];
  for (let s = 0; s < m; s++) {
    const from = a + ((b - a) * s) / m;
    const to = a + ((b - a) * (s + 1)) / m;
    const sx: number[] = [];
    const sy: number[] = [];
    for (let i = 0; i < lx.length; i++)
      if (lx[i] >= from && (lx[i] < to || (s === m - 1 && lx[i] <= to))) {
        sx.push(lx[i]);
        sy.push(ly[i]);
      }
    if (sx.length >= 3) subs.push(-leastSquares(sx, sy).slope);
  }
  const subMean = subs.length ? subs.reduce((p, q) => p + q, 0) / subs.length : NaN;
  const subStd =
    subs.length > 1 ? Math.sqrt(subs.reduce((p, q) => p + (q - subMean) ** 2, 0) / (subs.length - 1)) : NaN;
  return {
    exponent: -whole.slope,
    subMean,
    subStd,
    subExponents: subs,
    amplitude: Math.exp(whole.intercept),
    r2: whole.r2,
    window: [xMin, xMax],
    points: lx.length,
  };
}

function leastSquares(x: number[], y: number[]): { slope: number; intercept: number; r2: number } {
  const n = x.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

/** Default window for spectral fits: away from the head and from the finite-N tail, k ∈ [N/100, N/10] (at least [2, 20]). */
export function defaultSpectralWindow(N: number): [number, number] {
  const lo = Math.max(2, Math.ceil(N / 100));
  return [lo, Math.max(lo * 10, Math.floor(N / 10))];
}

/** ν from λ_k/λ_1 ~ k^(−ν); lambda sorted descending, k = 1..N. */
export function fitNu(lambda: Float64Array, options: FitOptions = {}): PowerLawFit {
  const N = lambda.length;
  const k = Float64Array.from({ length: N }, (_, i) => i + 1);
  const y = lambda.map((l) => l / lambda[0]);
  return fitPowerLaw(k, y, { ...options, window: options.window ?? defaultSpectralWindow(N) });
}

/** κ from the normalised tail S_k/S_0 = Σ_{l>k} C_l / Σ_l C_l ~ k^(−κ) (k = 1..N−1). */
export function fitKappa(c: Float64Array, options: FitOptions = {}): PowerLawFit {
  const N = c.length;
  const tail = new Float64Array(N);
  let s = 0;
  for (let i = N - 1; i >= 0; i--) {
    tail[i] = s;
    s += c[i];
  } // tail[i] = Σ_{l > i+1} C_l (1-based k = i+1)
  const k = Float64Array.from({ length: N }, (_, i) => i + 1);
  const y = tail.map((t) => t / s);
  return fitPowerLaw(k, y, { ...options, window: options.window ?? defaultSpectralWindow(N) });
}

/** The loss exponent ξ from L(t) ~ t^(−ξ); default window: the last two decades of the curve. */
export function fitLossExponent(
  steps: ArrayLike<number>,
  losses: ArrayLike<number>,
  options: FitOptions = {},
): PowerLawFit {
  let tMax = 0;
  for (let i = 0; i < steps.length; i++) tMax = Math.max(tMax, steps[i]);
  return fitPowerLaw(steps, losses, { ...options, window: options.window ?? [Math.max(1, tMax / 100), tMax] });
}
