/**
 * `powerlaw-sgd spectrum` (registered by lib/cli/main.ts): the NTK spectrum of a data set — ν, κ (mean ± std over
 * sub-windows), ζ = κ/ν, λ_k and C_k summaries — as JSON (or a table). The problem is the runner's dataset
 * problem (lib/prepare/dataset.ts), so with --db it is stored (problems, spectra) and cached under the same
 * id a `run` config or `compare` with the same data set, N, H and seeds gives it.
 *
 * compare and nn are not here: their flags become an experiment config (lib/cli/networkFlags.ts) that
 * the runner runs like any other (lib/cli/main.ts).
 */
import { parseArgs } from "./args.ts";
import { helpText } from "./commands.ts";
import { EXIT, reportProblems, type Io } from "./io.ts";
import { flagLabel } from "./flags.ts";
import { conventionValue } from "./referenceFlags.ts";
import { NETWORK_COMMANDS, datasetProblemFromFlags } from "./networkFlags.ts";
import { formatIssue, parseExperiment, type DatasetProblemConfig } from "../config/schema.ts";
import { InputError } from "../config/inputError.ts";
import { loadDatasetProblem, problemCacheDir } from "../prepare/dataset.ts";
import { Store } from "../store/store.ts";
import { toTable } from "../store/format.ts";

/** `powerlaw-sgd spectrum …`: returns the exit code. */
export async function spectrumCommand(argv: readonly string[], io: Io): Promise<number> {
  const spec = NETWORK_COMMANDS.spectrum;
  const a = parseArgs(argv, spec.flags);
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const v = a.values;
  const messages = [...a.errors];
  if (a.positionals.length) messages.push(`unexpected argument(s): ${a.positionals.join(" ")}`);
  const { problem, issues } = datasetProblemFromFlags(v, a.given);
  // the problem is validated by the experiment schema (a one-step SD sweep stands in for the rest)
  const parsed = parseExperiment({
    experiment: "spectrum",
    problem: { ...problem, seed: v.seed },
    regimes: [{ regime: "sd" }],
    sweep: { lr: [1], batch_size: [1] },
    n_steps: 1,
  });
  const reported = new Set(issues.map((i) => i.path).filter((p) => p !== ""));
  const all = [...issues, ...(parsed.ok ? [] : parsed.issues.filter((i) => !reported.has(i.path)))].filter(
    (i) => ![...a.badFlags].some((f) => flagLabel(i.path).startsWith(`--${f} `)),
  );
  messages.push(...all.map((i) => formatIssue(i, flagLabel(i.path))));
  if (messages.length || !parsed.ok) return reportProblems(io, messages);
  const cfg = parsed.value.problem as DatasetProblemConfig;
  const db = v.db as string | undefined;
  let p: Awaited<ReturnType<typeof loadDatasetProblem>>;
  try {
    p = await loadDatasetProblem(cfg, {
      baseDir: process.cwd(),
      seed: cfg.seed ?? 0,
      dense: false,
      network: false,
      cacheDir: db !== undefined ? problemCacheDir(db) : null,
      ntkFormula: conventionValue(v, a.given, "ntk_formula", "reference"),
      fitMethod: conventionValue(v, a.given, "fit_windows", "reference"),
    });
  } catch (e) {
    if (e instanceof InputError)
      return reportProblems(
        io,
        e.issues.map((i) => formatIssue(i, flagLabel(i.path))),
      );
    throw e;
  }
  const f = p.facts;
  const s = f.summary;
  const out: Record<string, unknown> = {
    dataset: f.dataset,
    source: f.source,
    N: f.N,
    d: f.d,
    ntk: f.ntk,
    hidden_dim: f.hiddenDim,
    seed: f.seed,
    lambda_max: f.lambdaMax,
    lr_scale: f.lrScale,
    ...(s ?? { nu: null, nu_std: null, kappa: null, kappa_std: null, zeta: null, fit_error: f.fitError }),
  };
  if (db !== undefined) {
    const store = await Store.open(db);
    try {
      await store.putProblem(p.row, p.spectrum.lambda, p.spectrum.c0);
    } finally {
      await store.close();
    }
    out.problem = f.id;
  }
  if (v.format === "table") {
    const rows: [string, unknown][] = Object.entries(out)
      .filter(([k]) => k !== "lambda" && k !== "c")
      .map(([k, x]) => [k, Array.isArray(x) ? JSON.stringify(x) : x]);
    io.out(
      toTable({
        columns: ["quantity", "value"],
        rows: rows.map(([k, x]) => [k, (typeof x === "number" ? Number(x.toPrecision(6)) : (x ?? null)) as never]),
      }),
    );
    if (s)
      io.out(
        toTable({
          columns: ["k", "lambda", "C"],
          rows: s.lambda.map((l, i) => [l.k, Number(l.value.toPrecision(6)), Number(s.c[i].value.toPrecision(6))]),
        }),
      );
  } else {
    io.out(JSON.stringify(out, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x), 2) + "\n");
  }
  return EXIT.ok;
}
