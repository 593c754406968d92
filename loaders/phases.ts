/**
 * Phases and asymptotics (page 6, docs/theory.md §5): every experiment's problem on the (ζ, 1/ν) phase diagram (exact
 * ν, κ for synthetic problems, fitted for the others); measured loss exponents (a power-law fit of the mean loss
 * curve of each converging β = 0 setting, over a window after the signal→noise transition and before the
 * finite-N exponential tail) against the predicted ζ (signal phase) or 2 − 1/ν (noise phase); and, for the
 * noise-phase problems, one curve with both laws and the transition time t×.
 *
 * Archive members: phases/experiments.json, phases/exponents.arrow, phases/transition.arrow.
 */
import { fitPowerLaw } from "../lib/problem/fits.ts";
import { batchNoise } from "../lib/theory/batchNoise.ts";
import { theoryProblem } from "../lib/predict/theoryRows.ts";
import {
  finiteNTime,
  noisePhaseLoss,
  signalPhaseLoss,
  transitionTime,
  uTildeAtOne,
  vTildeAtOne,
  type LawInputs,
} from "../lib/theory/index.ts";
import type { Definition } from "./definitions.ts";
import { arrowTable, float64, int32, toIPC, utf8 } from "./arrow.ts";
import { problemInfos, type LoadedSpectrum, type ProblemInfo } from "./problems.ts";
import { seriesOf } from "./regions.ts";
import { sqlList, type SiteContext } from "./site.ts";

/** The experiments whose curves give measured exponents (recorded log-spaced, long enough). */
export const EXPONENT_PATTERNS = ["momentum-*", "regimes-*"];

export interface ExponentRow {
  experiment: string;
  problem: string;
  label: string;
  series: string;
  regime: string;
  tau: number | null;
  batch_size: number;
  lr: number;
  momentum: number;
  alpha_eff: number;
  phase: string;
  predicted: number;
  measured: number;
  measured_std: number;
  window_lo: number;
  window_hi: number;
  U1: number;
  transition_time: number | null;
}

interface MeanCurve {
  experiment: string;
  problem: string;
  regime: string;
  tau: number | null;
  batch_size: number;
  lr: number;
  momentum: number;
  n_steps: number;
  steps: number[];
  losses: number[];
}

/** Mean loss curves (over replicates, at steps every replicate reached) of the converged β = 0 settings. */
async function meanCurves(ctx: SiteContext, names: readonly string[]): Promise<MeanCurve[]> {
  const c = await ctx.store.columns(`
    WITH r AS (
      SELECT run_id, experiment, problem, regime, tau, batch_size, lr, coalesce(momentum, 0) AS momentum, n_steps,
        count(*) OVER (PARTITION BY experiment, problem, regime, tau, batch_size, lr, momentum) AS reps,
        sum((status = 'diverged')::INTEGER)
          OVER (PARTITION BY experiment, problem, regime, tau, batch_size, lr, momentum) AS div
      FROM runs WHERE experiment IN ${sqlList(names)} AND status IN ('done', 'diverged') AND coalesce(momentum, 0) = 0
        AND (record LIKE 'log:%' OR record = 'all')
    )
    SELECT r.experiment, r.problem, r.regime, r.tau, r.batch_size, r.lr, r.momentum, r.n_steps, c.step,
      avg(c.loss) AS loss
    FROM curves c JOIN r USING (run_id) WHERE r.div = 0 AND c.step > 0
    GROUP BY ALL HAVING count(*) = any_value(r.reps)
    ORDER BY r.experiment, r.regime, r.tau, r.batch_size, r.lr, c.step`);
  const out: MeanCurve[] = [];
  const n = (c.step as number[]).length;
  let cur: MeanCurve | null = null;
  for (let i = 0; i < n; i++) {
    const key = [c.experiment[i], c.regime[i], c.tau[i], c.batch_size[i], c.lr[i]].join("|");
    if (!cur || key !== [cur.experiment, cur.regime, cur.tau, cur.batch_size, cur.lr].join("|")) {
      cur = {
        experiment: c.experiment[i] as string,
        problem: c.problem[i] as string,
        regime: c.regime[i] as string,
        tau: c.tau[i] as number | null,
        batch_size: c.batch_size[i] as number,
        lr: c.lr[i] as number,
        momentum: c.momentum[i] as number,
        n_steps: c.n_steps[i] as number,
        steps: [],
        losses: [],
      };
      out.push(cur);
    }
    cur.steps.push(c.step[i] as number);
    cur.losses.push(c.loss[i] as number);
  }
  return out;
}

function lawInputs(
  _info: ProblemInfo,
  def: Definition,
  s: LoadedSpectrum,
  alpha: number,
  beta: number,
  b: number,
  tau: number,
): LawInputs | null {
  const tp = theoryProblem(def.config, s);
  if (!tp.powerLaw) return null;
  const gamma = batchNoise(s.N, b);
  const p = { alpha, beta, gamma, tau };
  const uTilde = uTildeAtOne(s, p);
  const vTilde = vTildeAtOne(s, p);
  if (!(uTilde >= 0 && uTilde < 1) || !(vTilde > 0 && Number.isFinite(vTilde))) return null;
  return { N: s.N, powerLaw: tp.powerLaw, alphaEff: alpha / (1 - beta), gamma, uTilde, vTilde };
}

/** Measured vs predicted loss exponents for the converged β = 0 settings of the given experiments. */
export async function exponentRows(
  ctx: SiteContext,
  defs: readonly Definition[],
): Promise<{ rows: ExponentRow[]; infos: ProblemInfo[]; spectra: Map<string, LoadedSpectrum>; curves: MeanCurve[] }> {
  const names = defs.map((d) => d.name);
  const { infos, spectra } = await problemInfos(ctx.store, names);
  const curves = await meanCurves(ctx, names);
  const rows: ExponentRow[] = [];
  for (const cv of curves) {
    const info = infos.find((p) => p.problem === cv.problem);
    const def = defs.find((d) => d.name === cv.experiment);
    const s = spectra.get(cv.problem);
    if (!info || !def || !s || !(info.phase === "signal" || info.phase === "noise")) continue;
    const tau = cv.regime === "sd" ? cv.tau! : -1;
    let x: LawInputs | null = null;
    try {
      x = lawInputs(info, def, s, cv.lr, cv.momentum, cv.batch_size, tau);
    } catch {
      x = null;
    }
    if (!x) continue;
    let tx: number | null = null;
    if (info.phase === "noise" && x.gamma > 0) {
      try {
        tx = transitionTime(x);
      } catch {
        tx = null;
      }
    }
    const T = cv.steps[cv.steps.length - 1];
    let lo = Math.max(10, T / 100);
    if (tx !== null && Number.isFinite(tx)) lo = Math.max(lo, 3 * tx);
    const hi = Math.min(T, finiteNTime(s.N, info.nu, x.alphaEff, x.powerLaw.Lambda) / 3);
    if (!(hi / lo >= 3)) continue;
    let fit: ReturnType<typeof fitPowerLaw>;
    try {
      fit = fitPowerLaw(cv.steps, cv.losses, { window: [lo, hi], subWindows: 3 });
    } catch {
      continue;
    }
    rows.push({
      experiment: cv.experiment,
      problem: cv.problem,
      label: info.label,
      series: seriesOf(cv.regime, cv.tau),
      regime: cv.regime,
      tau: cv.tau,
      batch_size: cv.batch_size,
      lr: cv.lr,
      momentum: cv.momentum,
      alpha_eff: x.alphaEff,
      phase: info.phase,
      predicted: info.phase === "noise" ? 2 - 1 / info.nu : info.zeta,
      measured: fit.exponent,
      measured_std: fit.subStd,
      window_lo: fit.window[0],
      window_hi: fit.window[1],
      U1: x.uTilde,
      transition_time: tx,
    });
  }
  return { rows, infos, spectra, curves };
}

export async function phasesMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const all = ctx.definitions;
  const { infos } = await problemInfos(
    ctx.store,
    all.map((d) => d.name),
  );
  const expDefs = all.filter((d) => EXPONENT_PATTERNS.some((p) => d.name.startsWith(p.replace("*", ""))));
  const { rows, spectra, curves } = await exponentRows(ctx, expDefs);

  const experiments = all.map((d) => {
    const info = infos.find((p) => p.experiments.includes(d.name));
    const measured = rows.filter((r) => r.experiment === d.name);
    return {
      experiment: d.name,
      description: d.config.description ?? "",
      problem: info?.problem ?? null,
      label: info?.label ?? d.name,
      dataset: info?.dataset ?? null,
      N: info?.N ?? null,
      nu: info?.nu ?? null,
      kappa: info?.kappa ?? null,
      zeta: info?.zeta ?? null,
      inv_nu: info ? 1 / info.nu : null,
      fitted: info?.fitted ?? null,
      phase: info?.phase ?? null,
      nu_fit: info?.nuFit ?? null,
      kappa_fit: info?.kappaFit ?? null,
      predicted_exponent:
        info && (info.phase === "signal" || info.phase === "noise")
          ? info.phase === "noise"
            ? 2 - 1 / info.nu
            : info.zeta
          : null,
      measured_exponent_median: measured.length ? median(measured.map((r) => r.measured)) : null,
      measured_runs: measured.length,
    };
  });

  // one transition example per noise-phase experiment: a β = 0 curve at the b closest to 10 with Ũ(1) ≤ 0.5 whose
  // t× is nearest √T, with both laws and t×
  const tr = {
    experiment: [] as string[],
    label: [] as string[],
    step: [] as number[],
    loss: [] as number[],
    signal: [] as number[],
    noise: [] as number[],
    t_cross: [] as number[],
    lr: [] as number[],
    batch_size: [] as number[],
    U1: [] as number[],
  };
  for (const d of expDefs) {
    const cand = rows.filter(
      (r) =>
        r.experiment === d.name &&
        r.phase === "noise" &&
        r.regime === "sd" &&
        r.transition_time !== null &&
        r.U1 <= 0.5,
    );
    if (cand.length === 0) continue;
    const bBest = cand.reduce(
      (a, r) => (Math.abs(Math.log(r.batch_size / 10)) < Math.abs(Math.log(a / 10)) ? r.batch_size : a),
      cand[0].batch_size,
    );
    // the transition nearest the middle (log scale) of the recorded steps shows both laws best
    const mid = (r: ExponentRow) => Math.abs(Math.log(r.transition_time!) - 0.5 * Math.log(d.config.n_steps));
    const pick = cand.filter((r) => r.batch_size === bBest).reduce((a, r) => (mid(r) < mid(a) ? r : a));
    const cv = curves.find(
      (c) =>
        c.experiment === d.name &&
        c.regime === pick.regime &&
        c.tau === pick.tau &&
        c.batch_size === pick.batch_size &&
        c.lr === pick.lr,
    );
    const info = infos.find((p) => p.problem === pick.problem)!;
    const s = spectra.get(pick.problem)!;
    const x = cv ? lawInputs(info, d, s, pick.lr, 0, pick.batch_size, pick.tau ?? -1) : null;
    if (!cv || !x) continue;
    cv.steps.forEach((t, i) => {
      tr.experiment.push(d.name);
      tr.label.push(info.label);
      tr.step.push(t);
      tr.loss.push(cv.losses[i]);
      tr.signal.push(signalPhaseLoss(t, x));
      tr.noise.push(noisePhaseLoss(t, x));
      tr.t_cross.push(pick.transition_time!);
      tr.lr.push(pick.lr);
      tr.batch_size.push(pick.batch_size);
      tr.U1.push(pick.U1);
    });
  }

  const exponents = arrowTable({
    experiment: utf8(rows.map((r) => r.experiment)),
    label: utf8(rows.map((r) => r.label)),
    series: utf8(rows.map((r) => r.series)),
    regime: utf8(rows.map((r) => r.regime)),
    tau: float64(rows.map((r) => r.tau)),
    batch_size: int32(rows.map((r) => r.batch_size)),
    lr: float64(rows.map((r) => r.lr)),
    alpha_eff: float64(rows.map((r) => r.alpha_eff)),
    phase: utf8(rows.map((r) => r.phase)),
    predicted: float64(rows.map((r) => r.predicted)),
    measured: float64(rows.map((r) => r.measured)),
    measured_std: float64(rows.map((r) => r.measured_std)),
    window_lo: float64(rows.map((r) => r.window_lo)),
    window_hi: float64(rows.map((r) => r.window_hi)),
    U1: float64(rows.map((r) => r.U1)),
    transition_time: float64(rows.map((r) => r.transition_time)),
  });
  const transition = arrowTable({
    experiment: utf8(tr.experiment),
    label: utf8(tr.label),
    step: int32(tr.step),
    loss: float64(tr.loss),
    signal: float64(tr.signal),
    noise: float64(tr.noise),
    t_cross: float64(tr.t_cross),
    lr: float64(tr.lr),
    batch_size: int32(tr.batch_size),
    U1: float64(tr.U1),
  });
  return {
    "experiments.json": JSON.stringify({ profile: ctx.profile, experiments }, null, 1),
    "exponents.arrow": toIPC(exponents),
    "transition.arrow": toIPC(transition),
  };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
