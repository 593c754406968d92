/**
 * Problems as the pages need them: the spectrum from the store (λ_k, C_k(0)), the exponent fits of docs/theory.md §5
 * (ν from λ_k/λ_1 ~ k^(−ν), κ from S_k/S_0 ~ k^(−κ), sub-window mean ± std as the reference reports), the
 * exact ν, κ of synthetic problems, ζ and the phase, and a log-spaced copy of the spectrum for plotting.
 */
import { fitKappa, fitNu, type PowerLawFit } from "../lib/problem/fits.ts";
import { phase as phaseOf, type Phase } from "../lib/theory/index.ts";
import type { Spectrum } from "../lib/types.ts";
import { logSpacedSteps } from "../lib/display/logSpaced.ts";
import { sqlList, type StoreReader } from "./site.ts";

export interface FitSummary {
  readonly exponent: number;
  readonly amplitude: number;
  readonly subMean: number;
  readonly subStd: number;
  readonly r2: number;
  readonly window: readonly [number, number];
}

export interface ProblemInfo {
  readonly problem: string;
  readonly kind: string;
  readonly dataset: string;
  readonly N: number;
  /** exact (synthetic) or null */
  readonly nuExact: number | null;
  readonly kappaExact: number | null;
  readonly nuFit: FitSummary | null;
  readonly kappaFit: FitSummary | null;
  /** the ν, κ the theory uses: exact for synthetic problems, fitted otherwise */
  readonly nu: number;
  readonly kappa: number;
  readonly zeta: number;
  readonly fitted: boolean;
  readonly phase: Phase | null;
  readonly loss0: number;
  /** e.g. "synthetic ν=1.5 κ=1, N=300" or "mnist, N=1000" */
  readonly label: string;
  /** the experiments whose runs use it */
  readonly experiments: string[];
}

export interface LoadedSpectrum extends Spectrum {
  readonly problem: string;
}

function summarize(f: PowerLawFit): FitSummary {
  return {
    exponent: f.exponent,
    amplitude: f.amplitude,
    subMean: f.subMean,
    subStd: f.subStd,
    r2: f.r2,
    window: f.window,
  };
}

function attempt<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** λ_k and C_k(0) (k = 1..N, descending λ) of each problem. */
export async function loadSpectra(
  store: StoreReader,
  problems: readonly string[],
): Promise<Map<string, LoadedSpectrum>> {
  const cols = await store.columns(
    `SELECT problem, k, "lambda", c FROM spectra WHERE problem IN ${sqlList(problems)} ORDER BY problem, k`,
  );
  const out = new Map<string, LoadedSpectrum>();
  const ids = cols.problem as string[];
  let start = 0;
  for (let i = 1; i <= ids.length; i++) {
    if (i < ids.length && ids[i] === ids[start]) continue;
    const lambda = Float64Array.from((cols.lambda as number[]).slice(start, i));
    const c0 = Float64Array.from((cols.c as number[]).slice(start, i));
    out.set(ids[start], { problem: ids[start], N: lambda.length, lambda, c0 });
    start = i;
  }
  return out;
}

export const fmt = (x: number, digits = 3): string =>
  Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(digits)));

/** The problems used by the given experiments, with fits and labels. */
export async function problemInfos(
  store: StoreReader,
  experiments: readonly string[],
): Promise<{ infos: ProblemInfo[]; spectra: Map<string, LoadedSpectrum> }> {
  const rows = await store.rows<{
    problem: string;
    kind: string;
    dataset: string;
    N: number;
    nu: number | null;
    kappa: number | null;
    loss0: number;
    experiments: string[];
  }>(
    `SELECT p.problem, p.kind, p.dataset, p.N, p.nu, p.kappa, p.loss0,
       list(DISTINCT r.experiment ORDER BY r.experiment) AS experiments
     FROM problems p JOIN runs r ON r.problem = p.problem WHERE r.experiment IN ${sqlList(experiments)}
     GROUP BY ALL ORDER BY p.dataset, p.N, p.problem`,
  );
  const spectra = await loadSpectra(
    store,
    rows.map((r) => r.problem),
  );
  const infos: ProblemInfo[] = [];
  for (const r of rows) {
    const s = spectra.get(r.problem);
    const nuFit = s ? attempt(() => summarize(fitNu(s.lambda))) : null;
    const kappaFit = s ? attempt(() => summarize(fitKappa(s.c0))) : null;
    const synthetic = r.kind === "synthetic" && r.nu !== null && r.kappa !== null;
    const nu = synthetic ? r.nu! : (nuFit?.exponent ?? NaN);
    const kappa = synthetic ? r.kappa! : (kappaFit?.exponent ?? NaN);
    const zeta = kappa / nu;
    const label = synthetic ? `synthetic ν=${fmt(nu)} κ=${fmt(kappa)}, N=${r.N}` : `${r.dataset}, N=${r.N}`;
    infos.push({
      problem: r.problem,
      kind: r.kind,
      dataset: r.dataset,
      N: r.N,
      nuExact: synthetic ? r.nu : null,
      kappaExact: synthetic ? r.kappa : null,
      nuFit,
      kappaFit,
      nu,
      kappa,
      zeta,
      fitted: !synthetic,
      phase: attempt(() => phaseOf(nu, zeta)),
      loss0: r.loss0,
      label,
      experiments: [...r.experiments],
    });
  }
  return { infos, spectra };
}

/** λ_k/λ_1 and the normalised tail S_k/S_0 = Σ_{l>k} C_l / Σ_l C_l at log-spaced k (perDecade per decade). */
export function spectrumCurves(s: Spectrum, perDecade = 60): { k: number[]; lambdaRatio: number[]; tail: number[] } {
  const N = s.N;
  const tail = new Float64Array(N);
  let acc = 0;
  for (let i = N - 1; i >= 0; i--) {
    tail[i] = acc;
    acc += s.c0[i];
  }
  const keep = [...logSpacedSteps(N, perDecade)].filter((k) => k >= 1).sort((a, b) => a - b);
  return {
    k: keep,
    lambdaRatio: keep.map((k) => s.lambda[k - 1] / s.lambda[0]),
    tail: keep.map((k) => tail[k - 1] / acc),
  };
}
