/**
 * Power-law exponent fits (docs/theory.md §5, "fitting from data"): least squares of log y on log x over a
 * window, plus the same fit on m log-equal sub-windows, reported as mean ± std (as the reference
 * code does), and the coefficient of determination R² of the whole-window fit.
 *   ν:  λ_k/λ_1 ~ k^(−ν);   κ:  S_k/S_0 = Σ_{l>k} C_l / Σ_l C_l ~ k^(−κ);   loss: L(t) ~ t^(−ξ).
 * method 'reference' reproduces the reference notebooks' fit_line instead (fitLineReference): three linear
 * sub-windows of [left, right] (ν: [5, 300], κ: [10, 310]), 50 integer points each, value index i regressed
 * on log i (one index off k = i + 1), mean and population std of the slopes (docs/reference-differences.md).
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
  /** the k range (method 'reference': [left, right] of fit_line) */
  readonly window?: readonly [number, number];
  /** sub-windows (method 'reference': n_intervals, default 3) */
  readonly subWindows?: number;
  /** 'log' (default): whole window + log-equal sub-windows; 'reference': the reference's fit_line */
  readonly method?: FitMethod;
}

export type FitMethod = "log" | "reference";

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

/**
 * Default window for spectral fits: away from the head and from the finite-N tail, k ∈ [N/100, N/10]
 * (at least [2, 20]).
 */
export function defaultSpectralWindow(N: number): [number, number] {
  const lo = Math.max(2, Math.ceil(N / 100));
  return [lo, Math.max(lo * 10, Math.floor(N / 10))];
}

/**
 * The reference notebooks' fit_line(values, left, right, n_intervals): on each of n linear sub-windows of
 * [left, right], x = np.linspace(from, to).astype(int) (50 points, endpoints included, truncated, repeats kept),
 * y = values[x] (0-based), slope a and intercept b of np.polyfit(log x, log y, 1); returns the exponent −mean(a)
 * with the population std (ddof 0) of the slopes. `right` is clamped to the last index with a positive value
 * (the reference's windows assume N > 310; it would fail on smaller problems).
 */
export function fitLineReference(values: ArrayLike<number>, left: number, right: number, nIntervals = 3): PowerLawFit {
  let last = values.length - 1;
  while (last > 0 && !(values[last] > 0)) last--;
  const hi = Math.min(right, last);
  if (!(Number.isFinite(left) && left >= 1 && left < hi))
    throw new RangeError(`reference fit window [${left}, ${right}] needs 1 ≤ left < right ≤ ${last} here`);
  if (!Number.isInteger(nIntervals) || nIntervals < 1)
    throw new RangeError(`n_intervals must be an integer ≥ 1, got ${nIntervals}`);
  const step = (hi - left) / nIntervals;
  const slopes: number[] = [];
  const intercepts: number[] = [];
  const lx: number[] = [];
  const ly: number[] = [];
  for (let s = 0; s < nIntervals; s++) {
    const from = left + s * step;
    const to = left + (s + 1) * step;
    const inner = (to - from) / 49; // np.linspace(from, to): from + k·((to − from)/49), the last one exactly `to`
    const sx: number[] = [];
    const sy: number[] = [];
    for (let k = 0; k < 50; k++) {
      const x = Math.trunc(k === 49 ? to : k * inner + from);
      const y = values[x];
      if (!(x > 0 && y > 0)) throw new RangeError(`reference fit: value ${y} at index ${x} is not positive`);
      sx.push(Math.log(x));
      sy.push(Math.log(y));
    }
    const f = leastSquares(sx, sy);
    slopes.push(f.slope);
    intercepts.push(f.intercept);
    lx.push(...sx);
    ly.push(...sy);
  }
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
  const a = mean(slopes);
  const b = mean(intercepts);
  const std = Math.sqrt(slopes.reduce((p, q) => p + (q - a) ** 2, 0) / slopes.length);
  const my = mean(ly);
  let res = 0;
  let tot = 0;
  for (let i = 0; i < lx.length; i++) {
    res += (ly[i] - (a * lx[i] + b)) ** 2;
    tot += (ly[i] - my) ** 2;
  }
  return {
    exponent: -a,
    subMean: -a,
    subStd: std,
    subExponents: slopes.map((x) => -x),
    amplitude: Math.exp(b),
    r2: tot === 0 ? 1 : 1 - res / tot,
    window: [left, hi],
    points: lx.length,
  };
}

/** The reference notebook's windows (RegimeComparison.ipynb): ν on [5, 300], κ on [10, 310]. */
export const REFERENCE_FIT_WINDOWS = { nu: [5, 300], kappa: [10, 310] } as const;

function fitWith(y: Float64Array, options: FitOptions, referenceWindow: readonly [number, number]): PowerLawFit {
  const N = y.length;
  if ((options.method ?? "log") === "reference") {
    const [left, right] = options.window ?? referenceWindow;
    return fitLineReference(y, left, right, options.subWindows ?? 3);
  }
  if (options.method !== undefined && options.method !== "log")
    throw new RangeError(`fit method must be "log" or "reference", got ${String(options.method)}`);
  const k = Float64Array.from({ length: N }, (_, i) => i + 1);
  return fitPowerLaw(k, y, { ...options, window: options.window ?? defaultSpectralWindow(N) });
}

/** ν from λ_k/λ_1 ~ k^(−ν); lambda sorted descending, k = 1..N. */
export function fitNu(lambda: Float64Array, options: FitOptions = {}): PowerLawFit {
  return fitWith(
    lambda.map((l) => l / lambda[0]),
    options,
    REFERENCE_FIT_WINDOWS.nu,
  );
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
  return fitWith(
    tail.map((t) => t / s),
    options,
    REFERENCE_FIT_WINDOWS.kappa,
  );
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
