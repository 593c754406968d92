/**
 * Negative momentum (page 4): the momentum-* experiments, SD loss after T steps over an (α, β) grid for several
 * synthetic (ν, κ); the best (α, β) per batch size, L(β) at the best α, and both conditions of docs/theory.md §7
 * (lib/theory negativeMomentumConditions: the derived function-space one and the reference notebook's
 * condition (91)) evaluated on the experiments' spectra and mapped over a (ν, κ) grid.
 *
 * Archive members: momentum/grid.arrow, momentum/conditions.arrow, momentum/meta.json.
 */
import { syntheticSpectrum } from "../lib/problem/synthetic.ts";
import { negativeMomentumConditions, phase as phaseOf } from "../lib/theory/index.ts";
import { arrowTable, float64, int32, toIPC, utf8 } from "./arrow.ts";
import { problemInfos } from "./problems.ts";
import { sqlList, type SiteContext } from "./site.ts";

export const MOMENTUM_PATTERNS = ["momentum-*"];

export interface GridCell {
  experiment: string;
  problem: string;
  nu: number;
  kappa: number;
  batch_size: number;
  lr: number;
  momentum: number;
  diverged: number;
  final_loss: number | null;
  loss0: number;
  n_steps: number;
}

export async function momentumGrid(ctx: SiteContext, names: readonly string[]): Promise<GridCell[]> {
  return ctx.store.rows<GridCell>(`
    SELECT r.experiment, r.problem, p.nu, p.kappa, r.batch_size, r.lr, coalesce(r.momentum, 0) AS momentum,
      (r.status = 'diverged')::INTEGER AS diverged, CASE WHEN r.status = 'done' THEN r.final_loss END AS final_loss,
      p.loss0, r.n_steps
    FROM runs r JOIN problems p ON p.problem = r.problem
    WHERE r.experiment IN ${sqlList(names)} AND r.status IN ('done', 'diverged') AND r.regime = 'sd'
    ORDER BY r.experiment, r.batch_size, r.momentum, r.lr`);
}

/** Per (experiment, b, β): the best α and its loss (converged runs only). */
export function bestAlpha(
  cells: readonly GridCell[],
): { experiment: string; batch_size: number; momentum: number; lr: number; loss: number }[] {
  const best = new Map<
    string,
    { experiment: string; batch_size: number; momentum: number; lr: number; loss: number }
  >();
  for (const c of cells) {
    if (c.diverged || c.final_loss === null || !(c.final_loss > 0)) continue;
    const k = `${c.experiment}|${c.batch_size}|${c.momentum}`;
    const prev = best.get(k);
    if (!prev || c.final_loss < prev.loss)
      best.set(k, {
        experiment: c.experiment,
        batch_size: c.batch_size,
        momentum: c.momentum,
        lr: c.lr,
        loss: c.final_loss,
      });
  }
  return [...best.values()];
}

/** Per (experiment, b): the grid cell with the lowest final loss. */
export function optimum2d(
  cells: readonly GridCell[],
): { experiment: string; batch_size: number; momentum: number; lr: number; loss: number }[] {
  const out = new Map<string, { experiment: string; batch_size: number; momentum: number; lr: number; loss: number }>();
  for (const b of bestAlpha(cells)) {
    const k = `${b.experiment}|${b.batch_size}`;
    const prev = out.get(k);
    if (!prev || b.loss < prev.loss) out.set(k, b);
  }
  return [...out.values()];
}

export async function momentumMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const names = ctx.selected.map((d) => d.name);
  const cells = await momentumGrid(ctx, names);
  const { infos, spectra } = await problemInfos(ctx.store, names);
  const grid = arrowTable({
    experiment: utf8(cells.map((c) => c.experiment)),
    nu: float64(cells.map((c) => c.nu)),
    kappa: float64(cells.map((c) => c.kappa)),
    batch_size: int32(cells.map((c) => c.batch_size)),
    lr: float64(cells.map((c) => c.lr)),
    momentum: float64(cells.map((c) => c.momentum)),
    diverged: int32(cells.map((c) => c.diverged)),
    final_loss: float64(cells.map((c) => c.final_loss)),
    loss0: float64(cells.map((c) => c.loss0)),
    n_steps: int32(cells.map((c) => c.n_steps)),
  });

  // both §7 conditions over a (ν, κ) grid, at the N of the experiments
  const N = infos[0]?.N ?? 1000;
  const cond = {
    nu: [] as number[],
    kappa: [] as number[],
    function_space: [] as number[],
    condition_91: [] as number[],
    ratio_fs: [] as number[],
    ratio_91: [] as number[],
  };
  for (let i = 0; i <= 39; i++) {
    const nu = 1.05 + i * 0.05;
    for (let j = 0; j <= 59; j++) {
      const kappa = 0.1 + j * 0.1;
      const c = negativeMomentumConditions(syntheticSpectrum({ N, nu, kappa }), nu);
      cond.nu.push(Number(nu.toFixed(2)));
      cond.kappa.push(Number(kappa.toFixed(2)));
      cond.function_space.push(Number(c.functionSpace.holds));
      cond.condition_91.push(Number(c.condition91.holds));
      cond.ratio_fs.push(c.functionSpace.lhs / c.functionSpace.rhs);
      cond.ratio_91.push(c.condition91.lhs / c.condition91.rhs);
    }
  }
  const conditions = arrowTable({
    nu: float64(cond.nu),
    kappa: float64(cond.kappa),
    function_space: int32(cond.function_space),
    condition_91: int32(cond.condition_91),
    ratio_fs: float64(cond.ratio_fs),
    ratio_91: float64(cond.ratio_91),
  });

  const best = bestAlpha(cells);
  const opt = optimum2d(cells);
  const meta = {
    profile: ctx.profile,
    N,
    experiments: ctx.selected.map((d) => {
      const info = infos.find((p) => p.experiments.includes(d.name));
      const s = info ? spectra.get(info.problem) : undefined;
      const c = s && info ? negativeMomentumConditions(s, info.nu) : null;
      return {
        experiment: d.name,
        description: d.config.description ?? "",
        n_steps: d.config.n_steps,
        batch_sizes: d.config.sweep.batch_size,
        nu: info?.nu ?? null,
        kappa: info?.kappa ?? null,
        zeta: info?.zeta ?? null,
        phase: info ? phaseOf(info.nu, info.zeta) : null,
        label: info?.label ?? d.name,
        conditions: c ? { function_space: c.functionSpace, condition_91: c.condition91 } : null,
        optimum: opt.filter((o) => o.experiment === d.name),
        best_alpha: best.filter((o) => o.experiment === d.name),
      };
    }),
  };
  return {
    "grid.arrow": toIPC(grid),
    "conditions.arrow": toIPC(conditions),
    "meta.json": JSON.stringify(meta, null, 1),
  };
}
