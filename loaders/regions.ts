/**
 * Convergence regions (page 3): the regions-* experiments, an (α, β) grid per batch size for SD (each τ) and
 * linearized runs, with the final loss of every cell (diverged cells kept and marked), the observed boundary
 * per β (between the largest α whose run ended below L(0) and the next one), and the theory's curves from
 * lib/theory (docs/theory.md §4): α_crit(β) where Ũ(1) = 1 (capped by the deterministic edge), the edge
 * α = 2(1 + β)/λ_max, the β → 1 asymptote 2(1 − β)/(γλ_c) and the small-α line (1 − β)·2/(γΣλ).
 *
 * Archive members: regions/cells.arrow, regions/boundary.arrow, regions/theory.arrow, regions/meta.json.
 */
import { alphaCritCurve, alphaCritInfo, alphaCritHighMomentum, alphaCritSmall, lambdaC } from "../lib/theory/index.ts";
import { batchNoise } from "../lib/theory/batchNoise.ts";
import { arrowTable, float64, int32, toIPC, utf8 } from "./arrow.ts";
import { problemInfos, type LoadedSpectrum } from "./problems.ts";
import { sqlList, type SiteContext } from "./site.ts";

export const REGIONS_PATTERNS = ["regions-*"];

export interface Cell {
  experiment: string;
  problem: string;
  series: string;
  regime: string;
  tau: number | null;
  batch_size: number;
  lr: number;
  momentum: number;
  runs: number;
  diverged: number;
  final_loss: number | null;
  diverged_at: number | null;
  n_steps: number;
  loss0: number;
  converged: boolean;
}

export interface BoundaryPoint {
  experiment: string;
  series: string;
  regime: string;
  tau: number | null;
  batch_size: number;
  momentum: number;
  /** the largest grid α below the first non-converging one (null: the smallest α already fails) */
  alpha_lo: number | null;
  /** the first grid α whose run diverged or ended at or above L(0) (null: every α converged) */
  alpha_hi: number | null;
  /** √(α_lo·α_hi) when both exist */
  observed: number | null;
  /** α_crit(β) of the theory for this τ (linearized: τ = −1) */
  predicted: number;
  predicted_bound: string;
}

export const seriesOf = (regime: string, tau: number | null) =>
  regime === "sd" ? `SD τ = ${tau}` : regime === "nn" ? "network" : regime;

/** Cells of the grid (replicates merged: median final loss, diverged if any replicate diverged). */
export async function regionCells(ctx: SiteContext, names: readonly string[]): Promise<Cell[]> {
  const rows = await ctx.store.rows<Omit<Cell, "series" | "converged">>(`
    SELECT r.experiment, r.problem, r.regime, r.tau, r.batch_size, r.lr, coalesce(r.momentum, 0) AS momentum,
      count(*)::INTEGER AS runs, sum((r.status = 'diverged')::INTEGER)::INTEGER AS diverged,
      median(CASE WHEN r.status = 'done' THEN r.final_loss END) AS final_loss, min(r.diverged_at) AS diverged_at,
      max(r.n_steps) AS n_steps, any_value(p.loss0) AS loss0
    FROM runs r JOIN problems p ON p.problem = r.problem
    WHERE r.experiment IN ${sqlList(names)} AND r.status IN ('done', 'diverged')
    GROUP BY ALL ORDER BY ALL`);
  return rows.map((r) => ({
    ...r,
    series: seriesOf(r.regime, r.tau),
    converged: r.diverged === 0 && r.final_loss !== null && Number.isFinite(r.final_loss) && r.final_loss < r.loss0,
  }));
}

const key = (...xs: unknown[]) => xs.join("|");

export function observedBoundary(cells: readonly Cell[], spectra: Map<string, LoadedSpectrum>): BoundaryPoint[] {
  const groups = new Map<string, Cell[]>();
  for (const c of cells) {
    const k = key(c.experiment, c.series, c.batch_size, c.momentum);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(c);
  }
  const out: BoundaryPoint[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => a.lr - b.lr);
    const j = g.findIndex((c) => !c.converged);
    const alphaLo = j === -1 ? g[g.length - 1].lr : j === 0 ? null : g[j - 1].lr;
    const alphaHi = j === -1 ? null : g[j].lr;
    const c = g[0];
    const s = spectra.get(c.problem)!;
    const tau = c.regime === "sd" ? c.tau! : -1;
    const info = alphaCritInfo(s.lambda, c.momentum, batchNoise(s.N, c.batch_size), tau);
    out.push({
      experiment: c.experiment,
      series: c.series,
      regime: c.regime,
      tau: c.tau,
      batch_size: c.batch_size,
      momentum: c.momentum,
      alpha_lo: alphaLo,
      alpha_hi: alphaHi,
      observed: alphaLo !== null && alphaHi !== null ? Math.sqrt(alphaLo * alphaHi) : null,
      predicted: info.alpha,
      predicted_bound: info.bound,
    });
  }
  return out;
}

export async function regionsMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const names = ctx.selected.map((d) => d.name);
  const { infos, spectra } = await problemInfos(ctx.store, names);
  const cells = await regionCells(ctx, names);
  const boundary = observedBoundary(cells, spectra);

  // theory curves per (experiment, τ, b) on a fine β grid
  const th = {
    experiment: [] as string[],
    tau: [] as number[],
    batch_size: [] as number[],
    beta: [] as number[],
    alpha_crit: [] as number[],
    edge: [] as number[],
    high_momentum: [] as (number | null)[],
    small_alpha: [] as (number | null)[],
  };
  const betas = Float64Array.from({ length: 199 }, (_, i) => -0.99 + (i * 1.98) / 198);
  for (const d of ctx.selected) {
    const problem = cells.find((c) => c.experiment === d.name)?.problem;
    const s = problem ? spectra.get(problem) : undefined;
    if (!s) continue;
    const taus = [...new Set([-1, ...d.config.regimes.flatMap((r) => (r.regime === "sd" ? r.tau : []))])].sort(
      (a, b) => a - b,
    );
    let lmax = 0;
    for (const l of s.lambda) lmax = Math.max(lmax, l);
    for (const b of d.config.sweep.batch_size) {
      const gamma = batchNoise(s.N, b);
      for (const tau of taus) {
        const crit = alphaCritCurve(s.lambda, betas, gamma, tau);
        let lc: number | null = null;
        try {
          lc = gamma > 0 ? lambdaC(s.lambda, tau) : null;
        } catch {
          lc = null;
        }
        betas.forEach((beta, i) => {
          th.experiment.push(d.name);
          th.tau.push(tau);
          th.batch_size.push(b);
          th.beta.push(beta);
          th.alpha_crit.push(crit[i]);
          th.edge.push((2 * (1 + beta)) / lmax);
          th.high_momentum.push(lc !== null ? alphaCritHighMomentum(s.lambda, beta, gamma, tau) : null);
          th.small_alpha.push(gamma > 0 ? alphaCritSmall(s.lambda, beta, gamma) : null);
        });
      }
    }
  }

  const cellsTable = arrowTable({
    experiment: utf8(cells.map((c) => c.experiment)),
    series: utf8(cells.map((c) => c.series)),
    regime: utf8(cells.map((c) => c.regime)),
    tau: float64(cells.map((c) => c.tau)),
    batch_size: int32(cells.map((c) => c.batch_size)),
    lr: float64(cells.map((c) => c.lr)),
    momentum: float64(cells.map((c) => c.momentum)),
    runs: int32(cells.map((c) => c.runs)),
    diverged: int32(cells.map((c) => c.diverged)),
    final_loss: float64(cells.map((c) => c.final_loss)),
    diverged_at: int32(cells.map((c) => c.diverged_at)),
    n_steps: int32(cells.map((c) => c.n_steps)),
    loss0: float64(cells.map((c) => c.loss0)),
    converged: int32(cells.map((c) => Number(c.converged))),
  });
  const boundaryTable = arrowTable({
    experiment: utf8(boundary.map((p) => p.experiment)),
    series: utf8(boundary.map((p) => p.series)),
    regime: utf8(boundary.map((p) => p.regime)),
    tau: float64(boundary.map((p) => p.tau)),
    batch_size: int32(boundary.map((p) => p.batch_size)),
    momentum: float64(boundary.map((p) => p.momentum)),
    alpha_lo: float64(boundary.map((p) => p.alpha_lo)),
    alpha_hi: float64(boundary.map((p) => p.alpha_hi)),
    observed: float64(boundary.map((p) => p.observed)),
    predicted: float64(boundary.map((p) => p.predicted)),
    predicted_bound: utf8(boundary.map((p) => p.predicted_bound)),
  });
  const theoryTable = arrowTable({
    experiment: utf8(th.experiment),
    tau: float64(th.tau),
    batch_size: int32(th.batch_size),
    beta: float64(th.beta),
    alpha_crit: float64(th.alpha_crit),
    edge: float64(th.edge),
    high_momentum: float64(th.high_momentum),
    small_alpha: float64(th.small_alpha),
  });
  const meta = {
    profile: ctx.profile,
    experiments: ctx.selected.map((d) => {
      const problem = cells.find((c) => c.experiment === d.name)?.problem;
      const info = infos.find((p) => p.problem === problem);
      return {
        experiment: d.name,
        description: d.config.description ?? "",
        n_steps: d.config.n_steps,
        problem: info ?? null,
      };
    }),
  };
  return {
    "cells.arrow": toIPC(cellsTable),
    "boundary.arrow": toIPC(boundaryTable),
    "theory.arrow": toIPC(theoryTable),
    "meta.json": JSON.stringify(meta, null, 1),
  };
}
