/**
 * `powerlaw-sgd theory`: the generating-function predictions (lib/predict/theoryRows.ts) for every setting of
 * a sweep, as JSON or a table; nothing runs.
 */
import type { ParsedArgs } from "./args.ts";
import { EXIT, UsageError, type Io } from "./io.ts";
import type { Experiment } from "../config/schema.ts";
import { checkBatchSizesAgainst } from "../config/inputError.ts";
import type { TheoryRow } from "../predict/theoryRows.ts";
import { toTable } from "../store/format.ts";

const TABLE_COLUMNS: (keyof TheoryRow)[] = [
  "tau",
  "lr",
  "momentum",
  "batch_size",
  "gamma",
  "U1",
  "V1",
  "converges",
  "alpha_crit",
  "lambda_crit",
  "phase",
  "U1_opt",
  "alpha_opt",
];

export async function theoryCommand(io: Io, e: Experiment, a: ParsedArgs): Promise<number> {
  if (e.sweep.schedule.kind !== "constant") {
    throw new UsageError([
      `theory: the generating-function predictions assume a constant schedule, got --sched ${e.sweep.schedule.kind}`,
    ]);
  }
  const { prepareProblem } = await import("../prepare/problem.ts");
  const { theoryProblem, theoryRows } = await import("../predict/theoryRows.ts");
  const p = await prepareProblem(e.problem, {
    baseDir: process.cwd(),
    dense: false,
    seed: e.seed,
    conventions: e.conventions,
  });
  checkBatchSizesAgainst(e, p.N);
  const taus = e.regimes[0].regime === "sd" ? e.regimes[0].tau : [1];
  const rows = theoryRows(e, theoryProblem(e, p.spectrum), taus);
  if (a.values.format === "table") {
    const fmt = (x: unknown) => (typeof x === "number" ? Number(x.toPrecision(6)) : (x as never));
    const law = (r: TheoryRow) =>
      r.law ? `${Number(r.law.constant.toPrecision(4))}·t^-${Number(r.law.exponent.toPrecision(4))}` : null;
    io.out(
      toTable({
        columns: [...TABLE_COLUMNS, "law"],
        rows: rows.map((r) => [...TABLE_COLUMNS.map((c) => fmt(r[c])), law(r)]),
      }),
    );
  } else {
    io.out(JSON.stringify(rows, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x), 2) + "\n");
  }
  return EXIT.ok;
}
