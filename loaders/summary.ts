/**
 * The overview's headline numbers (page 1): fitted ν, κ, ζ per data set; predicted vs measured loss exponents per
 * experiment (loaders/phases.ts); predicted vs observed α_crit at a few momenta (loaders/regions.ts; observed = the
 * geometric mean of the bracket, for the headline figure); and the size of what was computed. One JSON document:
 * data/summary.json.
 */
import { observedBoundary, regionCells } from "./regions.ts";
import { EXPONENT_PATTERNS, exponentRows, median } from "./phases.ts";
import { problemInfos } from "./problems.ts";
import { selectDefinitions } from "./definitions.ts";
import { sqlList, type SiteContext } from "./site.ts";

const HEADLINE_BETAS = [-0.5, 0, 0.5, 0.9];

export async function summary(ctx: SiteContext): Promise<Record<string, unknown>> {
  const all = ctx.definitions.map((d) => d.name);
  const { infos } = await problemInfos(ctx.store, all);

  const expDefs = selectDefinitions(ctx.definitions, EXPONENT_PATTERNS);
  const { rows } = await exponentRows(ctx, expDefs);
  const exponents = expDefs.map((d) => {
    const rs = rows.filter((r) => r.experiment === d.name);
    const info = infos.find((p) => p.experiments.includes(d.name));
    const bySeries = [...new Set(rs.map((r) => r.series))].sort().map((series) => {
      const m = rs.filter((r) => r.series === series).map((r) => r.measured);
      return { series, fits: m.length, median: median(m), min: Math.min(...m), max: Math.max(...m) };
    });
    return {
      experiment: d.name,
      label: info?.label ?? d.name,
      phase: info?.phase ?? null,
      predicted: rs[0]?.predicted ?? (info ? (info.phase === "noise" ? 2 - 1 / info.nu : info.zeta) : null),
      measured: bySeries,
    };
  });

  const regionNames = selectDefinitions(ctx.definitions, ["regions-*"]).map((d) => d.name);
  const { spectra } = await problemInfos(ctx.store, regionNames);
  const cells = await regionCells(ctx, regionNames);
  const boundary = observedBoundary(cells, spectra);
  const betas = [...new Set(boundary.map((p) => p.momentum))];
  const nearest = HEADLINE_BETAS.map((b) =>
    betas.reduce((a, x) => (Math.abs(x - b) < Math.abs(a - b) ? x : a), betas[0]),
  ).filter((b) => b !== undefined);
  const alphaCrit = boundary
    .filter((p) => nearest.includes(p.momentum))
    .map((p) => ({
      experiment: p.experiment,
      series: p.series,
      batch_size: p.batch_size,
      momentum: p.momentum,
      predicted: p.predicted,
      bound: p.predicted_bound,
      observed_lo: p.alpha_lo,
      observed_hi: p.alpha_hi,
      observed: p.observed,
      agrees:
        p.alpha_lo !== null && p.alpha_hi !== null ? p.predicted >= p.alpha_lo && p.predicted <= p.alpha_hi : null,
    }))
    .sort((a, b) => a.series.localeCompare(b.series) || a.batch_size - b.batch_size || a.momentum - b.momentum);
  const agreeAll = boundary.filter((p) => p.alpha_lo !== null && p.alpha_hi !== null);
  const agreement = [...new Set(agreeAll.map((p) => p.series))].sort().map((series) => {
    const ps = agreeAll.filter((p) => p.series === series);
    const inside = ps.filter((p) => p.predicted >= p.alpha_lo! && p.predicted <= p.alpha_hi!).length;
    const ratios = ps.map((p) => p.observed! / p.predicted);
    return { series, rows: ps.length, inside, median_ratio: median(ratios) };
  });

  const counts = await ctx.store.rows<{
    experiment: string;
    runs: number;
    diverged: number;
    failed: number;
    steps: number;
    seconds: number;
  }>(`
    SELECT experiment, count(*)::INTEGER AS runs, sum((status = 'diverged')::INTEGER)::INTEGER AS diverged,
      sum((status = 'failed')::INTEGER)::INTEGER AS failed,
      sum(coalesce(steps, 0))::DOUBLE AS steps, sum(coalesce(duration_ms, 0)) / 1000 AS seconds
    FROM runs WHERE experiment IN ${sqlList(all)} GROUP BY 1 ORDER BY 1`);

  return {
    profile: ctx.profile,
    datasets: infos.map((p) => ({
      problem: p.problem,
      label: p.label,
      dataset: p.dataset,
      kind: p.kind,
      N: p.N,
      nu_exact: p.nuExact,
      kappa_exact: p.kappaExact,
      nu_fit: p.nuFit,
      kappa_fit: p.kappaFit,
      zeta: p.zeta,
      phase: p.phase,
      experiments: p.experiments,
    })),
    exponents,
    alpha_crit: alphaCrit,
    alpha_crit_agreement: agreement,
    experiments: ctx.definitions.map((d) => ({
      experiment: d.name,
      file: d.file,
      description: d.config.description ?? "",
      ...counts.find((c) => c.experiment === d.name),
    })),
  };
}
