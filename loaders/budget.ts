/**
 * Budget independence and the effective learning rate (page 5, docs/theory.md §6): the budget-* experiments' curves as
 * L/L(0) against the step t and the budget t·b, with α_eff = α/(1 − β). Curves of an experiment are cut at the
 * largest budget every batch size reaches (that of its smallest b), so all of them span the same budget.
 *
 * Archive members: budget/curves.arrow, budget/meta.json.
 */
import { arrowTable, float64, int32, toIPC, utf8 } from "./arrow.ts";
import { problemInfos } from "./problems.ts";
import { sqlList, type SiteContext } from "./site.ts";

export const BUDGET_PATTERNS = ["budget-*"];

export async function budgetMembers(ctx: SiteContext): Promise<Record<string, Uint8Array | string>> {
  const names = ctx.selected.map((d) => d.name);
  const { infos } = await problemInfos(ctx.store, names);
  const c = await ctx.store.columns(`
    WITH r AS (
      SELECT r.run_id, r.experiment, r.regime, r.tau, r.batch_size, r.lr, coalesce(r.momentum, 0) AS momentum,
        r.status, p.loss0,
        min(r.batch_size) OVER (PARTITION BY r.experiment) * max(r.n_steps) OVER (PARTITION BY r.experiment)
          AS max_budget
      FROM runs r JOIN problems p ON p.problem = r.problem
      WHERE r.experiment IN ${sqlList(names)} AND r.status IN ('done', 'diverged')
    )
    SELECT r.experiment, r.regime, r.tau, r.batch_size, r.lr, r.momentum, r.lr / (1 - r.momentum) AS alpha_eff, c.step,
      c.step::DOUBLE * r.batch_size AS budget, c.loss, c.loss / r.loss0 AS rel, r.status
    FROM curves c JOIN r USING (run_id)
    WHERE c.step::DOUBLE * r.batch_size <= r.max_budget
    ORDER BY r.experiment, r.batch_size, r.lr, r.momentum, c.step`);
  const curves = arrowTable({
    experiment: utf8(c.experiment as string[]),
    regime: utf8(c.regime as string[]),
    tau: float64(c.tau as (number | null)[]),
    batch_size: int32(c.batch_size as number[]),
    lr: float64(c.lr as number[]),
    momentum: float64(c.momentum as number[]),
    alpha_eff: float64(c.alpha_eff as number[]),
    step: int32(c.step as number[]),
    budget: float64(c.budget as number[]),
    loss: float64(c.loss as number[]),
    rel: float64(c.rel as number[]),
    status: utf8(c.status as string[]),
  });
  const meta = {
    profile: ctx.profile,
    experiments: ctx.selected.map((d) => ({
      experiment: d.name,
      description: d.config.description ?? "",
      n_steps: d.config.n_steps,
      problem: infos.find((p) => p.experiments.includes(d.name)) ?? null,
    })),
  };
  return { "curves.arrow": toIPC(curves), "meta.json": JSON.stringify(meta, null, 1) };
}
