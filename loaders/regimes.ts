/**
 * Regime comparison (page 2): the regimes-* experiments. Per problem (data set) and setting (b, α, β):
 * the loss curves of every regime — network and linearized as the mean and the 10–90 % band over replicates,
 * full, SD for each τ — the theory's asymptote (docs/theory.md §5, from the problem's spectrum: exact ν, κ for
 * synthetic problems, fitted ones otherwise; lib/predict/theoryRows.ts), and the eigendecomposition panel
 * (λ_k/λ_1 and S_k/S_0 with the fitted power laws).
 *
 * Archive members: regimes/curves.arrow, regimes/theory.arrow, regimes/spectra.arrow, regimes/problems.json.
 */
import { theoryProblem, theoryRows } from "../lib/predict/theoryRows.ts";
import type { Experiment } from "../lib/config/schema.ts";
import { arrowTable, float64, int32, toIPC, utf8 } from "./arrow.ts";
import { problemInfos, spectrumCurves, type ProblemInfo } from "./problems.ts";
import { sqlList, type SiteContext } from "./site.ts";

export const REGIMES_PATTERNS = ["regimes-*"];

/** The order of the data set selector. */
const DATASET_ORDER = ["mnist", "diamonds", "cifar10", "tabular", "gaussian", "synthetic"];

/** τ values the theory is evaluated at (besides the SD τ of the experiment): −1 (Gauss) and 1 (mean field). */
const THEORY_TAUS = [-1, 1];

export async function regimesMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const names = ctx.selected.map((d) => d.name);
  const { infos, spectra } = await problemInfos(ctx.store, names);
  const byProblem = new Map(infos.map((p) => [p.problem, p]));

  // curves: mean and 10–90 % band over the replicates of each (problem, regime, τ, b, α, β) at each recorded step
  const c = await ctx.store.columns(`
    WITH r AS (
      SELECT run_id, problem, regime, tau, lr, momentum, batch_size, n_steps FROM runs
      WHERE experiment IN ${sqlList(names)} AND status IN ('done', 'diverged')
    ), reps AS (
      SELECT problem, regime, tau, lr, momentum, batch_size, count(*)::INTEGER AS replicates FROM r GROUP BY ALL
    )
    SELECT r.problem, r.regime, r.tau, r.lr, r.momentum, r.batch_size, c.step,
      avg(c.loss) AS mean, quantile_cont(c.loss, 0.1) AS lo, quantile_cont(c.loss, 0.9) AS hi,
      count(*)::INTEGER AS n, any_value(reps.replicates) AS replicates
    FROM curves c JOIN r USING (run_id)
    JOIN reps ON reps.problem = r.problem AND reps.regime = r.regime AND reps.tau IS NOT DISTINCT FROM r.tau
      AND reps.lr = r.lr AND reps.momentum IS NOT DISTINCT FROM r.momentum AND reps.batch_size = r.batch_size
    GROUP BY ALL
    ORDER BY r.problem, r.regime, r.tau, r.batch_size, r.lr, r.momentum, c.step`);
  const curves = arrowTable({
    problem: utf8(c.problem as string[]),
    regime: utf8(c.regime as string[]),
    tau: float64(c.tau as (number | null)[]),
    lr: float64(c.lr as number[]),
    momentum: float64(c.momentum as (number | null)[]),
    batch_size: int32(c.batch_size as number[]),
    step: int32(c.step as number[]),
    mean: float64(c.mean as number[]),
    lo: float64(c.lo as number[]),
    hi: float64(c.hi as number[]),
    n: int32(c.n as number[]),
    replicates: int32(c.replicates as number[]),
  });

  // per setting: how the runs ended
  const settings = await ctx.store.rows<{
    problem: string;
    regime: string;
    tau: number | null;
    lr: number;
    momentum: number | null;
    batch_size: number;
    n_steps: number;
    runs: number;
    diverged: number;
    first_divergence: number | null;
  }>(`
    SELECT problem, regime, tau, lr, momentum, batch_size, max(n_steps) AS n_steps, count(*)::INTEGER AS runs,
      sum((status = 'diverged')::INTEGER)::INTEGER AS diverged, min(diverged_at) AS first_divergence
    FROM runs WHERE experiment IN ${sqlList(names)} GROUP BY ALL ORDER BY ALL`);

  // theory per (problem, τ, b, α, β) from each experiment's sweep
  const t = {
    problem: [] as string[],
    tau: [] as number[],
    lr: [] as number[],
    momentum: [] as number[],
    batch_size: [] as number[],
    U1: [] as (number | null)[],
    converges: [] as (number | null)[],
    alpha_crit: [] as (number | null)[],
    exponent: [] as (number | null)[],
    constant: [] as (number | null)[],
    transition_time: [] as (number | null)[],
    finite_N_time: [] as (number | null)[],
    phase: [] as (string | null)[],
  };
  const seen = new Set<string>();
  for (const d of ctx.selected) {
    const problem = (
      await ctx.store.rows<{ problem: string }>(
        `SELECT DISTINCT problem FROM runs WHERE experiment = '${d.name.replace(/'/g, "''")}'`,
      )
    )[0]?.problem;
    const s = problem ? spectra.get(problem) : undefined;
    if (!problem || !s) continue;
    const e: Experiment = d.config;
    const tp = theoryProblem(e, s);
    const sdTaus = e.regimes.flatMap((r) => (r.regime === "sd" ? r.tau : []));
    const taus = [...new Set([...THEORY_TAUS, ...sdTaus])].sort((a, b) => a - b);
    for (const row of theoryRows(e, tp, taus)) {
      const key = `${problem}|${row.tau}|${row.batch_size}|${row.lr}|${row.momentum}`;
      if (seen.has(key)) continue;
      seen.add(key);
      t.problem.push(problem);
      t.tau.push(row.tau);
      t.lr.push(row.lr);
      t.momentum.push(row.momentum);
      t.batch_size.push(row.batch_size);
      t.U1.push(row.U1);
      t.converges.push(row.converges === null ? null : Number(row.converges));
      t.alpha_crit.push(row.alpha_crit);
      t.exponent.push(row.law?.exponent ?? null);
      t.constant.push(row.law?.constant ?? null);
      t.transition_time.push(row.law?.transition_time ?? null);
      t.finite_N_time.push(row.law?.finite_N_time ?? null);
      t.phase.push(row.phase);
    }
  }
  const theory = arrowTable({
    problem: utf8(t.problem),
    tau: float64(t.tau),
    lr: float64(t.lr),
    momentum: float64(t.momentum),
    batch_size: int32(t.batch_size),
    U1: float64(t.U1),
    converges: int32(t.converges),
    alpha_crit: float64(t.alpha_crit),
    exponent: float64(t.exponent),
    constant: float64(t.constant),
    transition_time: float64(t.transition_time),
    finite_N_time: float64(t.finite_N_time),
    phase: utf8(t.phase),
  });

  // the eigendecomposition panel
  const sp = { problem: [] as string[], k: [] as number[], lambda_ratio: [] as number[], tail: [] as number[] };
  for (const info of infos) {
    const s = spectra.get(info.problem);
    if (!s) continue;
    const cv = spectrumCurves(s);
    for (let i = 0; i < cv.k.length; i++) {
      sp.problem.push(info.problem);
      sp.k.push(cv.k[i]);
      sp.lambda_ratio.push(cv.lambdaRatio[i]);
      sp.tail.push(cv.tail[i]);
    }
  }
  const spectraTable = arrowTable({
    problem: utf8(sp.problem),
    k: int32(sp.k),
    lambda_ratio: float64(sp.lambda_ratio),
    tail: float64(sp.tail),
  });

  const problems = infos.map((p: ProblemInfo) => ({
    ...p,
    settings: settings.filter((s) => s.problem === p.problem),
  }));
  // real data sets first, in the paper's order, then the synthetic problems
  const rank = (p: ProblemInfo) => {
    const i = DATASET_ORDER.indexOf(p.dataset);
    return i === -1 ? DATASET_ORDER.length - 1 : i;
  };
  problems.sort((a, b) => rank(a) - rank(b) || a.N - b.N);
  return {
    "curves.arrow": toIPC(curves),
    "theory.arrow": toIPC(theory),
    "spectra.arrow": toIPC(spectraTable),
    "problems.json": JSON.stringify(
      { profile: ctx.profile, problems: problems.filter((p) => byProblem.has(p.problem)) },
      null,
      1,
    ),
  };
}
