/**
 * The per-regime commands' flags (the reference scripts' names and defaults) and their translation into
 * an experiment config, so that `sd --lr …` and `run config.json` go through the same validation; config
 * paths in error messages are mapped back to the flag that set them.
 */
import type { OptionSpec } from "./args.ts";
import type { ConfigIssue, ExperimentInput } from "../config/schema.ts";

export const PROBLEM_FLAGS: OptionSpec[] = [
  {
    name: "dataset",
    kind: "choice",
    choices: ["synthetic"],
    default: "synthetic",
    help: "problem source (datasets such as mnist arrive with the network regime; use --kernel/--residual for your own)",
  },
  { name: "N", kind: "int", default: 1000, help: "number of points = modes (synthetic)" },
  { name: "nu", kind: "float", default: 1.0, help: "spectral exponent ν: λ_k = k^(−ν) (synthetic)" },
  { name: "kappa", kind: "float", default: 1.0, help: "target exponent κ: C_k(0) ∝ k^(−κ−1) (synthetic)" },
  { name: "lambda_min", kind: "float", default: 0.0, help: "floor of the eigenvalues (synthetic)" },
  {
    name: "kernel",
    kind: "string",
    metavar: "FILE.npy",
    help: "N×N symmetric kernel, NumPy .npy float32/float64 (instead of --dataset synthetic)",
  },
  {
    name: "residual",
    kind: "string",
    metavar: "FILE.npy",
    help: "initial residual d_0 = f(X) − y, length N, .npy (with --kernel)",
  },
  {
    name: "normalize",
    kind: "choice",
    choices: ["reference", "none"],
    default: "reference",
    help: "reference: rescale K to λ_max = N and standardise the residual; none: as given",
  },
];

export const SWEEP_FLAGS: OptionSpec[] = [
  {
    name: "sched",
    kind: "choice",
    choices: ["constant", "jacobi", "power"],
    default: "constant",
    help: "learning-rate/momentum schedule",
  },
  { name: "lr", kind: "floats", default: [1.0], help: "learning rates α (list)" },
  { name: "momentum", kind: "floats", default: [0.0], help: "momenta β (list; constant and power schedules)" },
  { name: "a", kind: "floats", default: [1.0], help: "Jacobi parameter a (list; --sched jacobi)" },
  { name: "b", kind: "floats", default: [1.0], help: "Jacobi parameter b (list; --sched jacobi)" },
  {
    name: "jacobi_indexing",
    kind: "choice",
    choices: ["exact", "reference"],
    default: "exact",
    help: "Jacobi coefficients: exact polynomials, or the reference code's one-late indexing",
  },
  { name: "p", kind: "floats", help: "power-law schedule exponents p: α_n = lr·(1 + n/n0)^(−p) (list; --sched power)" },
  { name: "n0", kind: "floats", help: "power-law schedule time scales n0 (list; --sched power)" },
  { name: "batch_size", kind: "ints", default: [10], help: "batch sizes b (list)" },
  {
    name: "aggr_type",
    kind: "choice",
    choices: ["prod", "zip"],
    default: "prod",
    help: "combine the lists: Cartesian product, or element-wise (equal lengths or length 1)",
  },
];

export const STEP_FLAGS: OptionSpec[] = [{ name: "n_steps", kind: "int", default: 10000, help: "steps per run" }];

export const STORE_FLAGS: OptionSpec[] = [
  { name: "db", kind: "string", metavar: "PATH", default: "data/results.duckdb", help: "DuckDB file" },
  {
    name: "experiment",
    kind: "string",
    metavar: "NAME",
    help: "experiment name (default: the command name); rerunning the same name resumes",
  },
  { name: "seed", kind: "int", default: 0, help: "seed: synthetic eigenvectors and linearized batches" },
  {
    name: "record",
    kind: "strings",
    metavar: "all|every:K|log:K",
    default: ["all"],
    help: "steps stored: all, every K-th, or K log-spaced per decade (first and last always)",
  },
  { name: "track_diag_err", kind: "flag", help: "store per-mode errors C_k(t) in the modes table" },
  { name: "track_freq", kind: "int", default: 100, help: "with --track_diag_err: every this many steps" },
  {
    name: "divergence_factor",
    kind: "float",
    default: 1e10,
    help: "a run diverges when its loss exceeds this times L(0)",
  },
  { name: "concurrency", kind: "int", aliases: ["workers"], help: "worker threads (default: number of cores)" },
  { name: "shard", kind: "string", metavar: "i/n", help: "run only shard i of n (runs with index ≡ i−1 mod n)" },
  { name: "dry_run", kind: "flag", help: "print the run list and exit without running or writing" },
  { name: "quiet", kind: "flag", help: "no progress display" },
  {
    name: "live",
    kind: "string",
    metavar: "DIR|off",
    help: "live snapshots of the sweep for the preview (`npm run dev`): DIR/runs.json about once a second; default: src/live when run from the project root (POWERLAW_SGD_LIVE overrides), off otherwise",
  },
  {
    name: "save_dir",
    kind: "string",
    metavar: "DIR",
    help: "accepted for compatibility with the reference scripts and ignored (results go to --db)",
  },
];

export const REGIME_FLAGS: Record<"sd" | "full" | "linearized", OptionSpec[]> = {
  sd: [{ name: "tau", kind: "floats", default: [1.0], help: "SD parameter τ (list; 1 = mean field, −1 = Gauss)" }],
  full: [],
  linearized: [
    { name: "runs", kind: "int", default: 1, help: "independent replicates per setting" },
    {
      name: "optimizer",
      kind: "choice",
      choices: ["sgd", "adam"],
      default: "sgd",
      aliases: ["opt"],
      help: "optimizer",
    },
  ],
};

/** Config path prefix → flag, for error messages. */
const PATH_TO_FLAG: [RegExp, string][] = [
  [/^problem\.N\b/, "--N"],
  [/^problem\.nu\b/, "--nu"],
  [/^problem\.kappa\b/, "--kappa"],
  [/^problem\.lambda_min\b/, "--lambda_min"],
  [/^problem\.seed\b/, "--seed"],
  [/^problem\.kernel\b/, "--kernel"],
  [/^problem\.residual\b/, "--residual"],
  [/^problem\.normalize\b/, "--normalize"],
  [/^problem\.kind\b/, "--dataset"],
  [/^problem$/, "--kernel/--residual"],
  [/^problem\.dataset\b/, "--dataset"],
  [/^problem\.hidden_dim\b/, "--hidden_dim"],
  [/^problem\.data_seed\b/, "--data_seed"],
  [/^problem\.input_dim\b/, "--input_dim"],
  [/^problem\.path\b/, "--data_file/--data_root"],
  [/^problem\.target\b/, "--target"],
  [/^problem\.drop\b/, "--drop"],
  [/^problem\.categorical\b/, "--categorical"],
  [/^problem\.ntk\b/, "--ntk"],
  [/^regimes\[\d+\]\.lr_scale\b/, "--lr_scale"],
  [/^regimes\[\d+\]\.engine\b/, "--nn_engine"],
  [/^regimes\[\d+\]\.backend\b/, "--backend"],
  [/^sweep\.lr\b/, "--lr"],
  [/^sweep\.momentum\b/, "--momentum"],
  [/^sweep\.batch_size\b/, "--batch_size"],
  [/^sweep\.aggr_type\b/, "--aggr_type"],
  [/^sweep\.schedule\.kind\b/, "--sched"],
  [/^sweep\.schedule\.a\b/, "--a"],
  [/^sweep\.schedule\.b\b/, "--b"],
  [/^sweep\.schedule\.indexing\b/, "--jacobi_indexing"],
  [/^sweep\.schedule\.p\b/, "--p"],
  [/^sweep\.schedule\.n0\b/, "--n0"],
  [/^regimes\[\d+\]\.tau\b/, "--tau"],
  [/^regimes\[\d+\]\.replicates\b/, "--runs"],
  [/^regimes\[\d+\]\.optimizer\b/, "--optimizer"],
  [/^n_steps\b/, "--n_steps"],
  [/^seed\b/, "--seed"],
  [/^experiment\b/, "--experiment"],
  [/^record\b/, "--record"],
  [/^track\.every\b/, "--track_freq"],
  [/^divergence_factor\b/, "--divergence_factor"],
];

/** '--lr item 2 (sweep.lr[1])' for a config path set from the command line. */
export function flagLabel(path: string): string {
  for (const [re, flag] of PATH_TO_FLAG) {
    if (re.test(path)) {
      const idx = /\[(\d+)\]$/.exec(path);
      const item = idx && !/^regimes\[\d+\]\.\w+$/.test(path) ? ` item ${Number(idx[1]) + 1}` : "";
      return `${flag}${item} (${path})`;
    }
  }
  return path === "" ? "(arguments)" : path;
}

/** Parses --record: all | every:K | log:K (also 'every K', 'log K'). */
export function parseRecord(tokens: readonly string[]): { value?: ExperimentInput["record"]; error?: string } {
  const text = tokens.join(":").trim();
  if (text === "all") return { value: { mode: "all" } };
  const m = /^(every|log)[:=](.+)$/.exec(text);
  if (m) {
    const k = Number(m[2]);
    if (Number.isInteger(k) && k >= 1)
      return { value: m[1] === "every" ? { mode: "every", k } : { mode: "log", per_decade: k } };
  }
  return {
    error: `--record: ${JSON.stringify(tokens.join(" "))} is not one of all, every:K, log:K (K an integer ≥ 1)`,
  };
}

export function parseShard(text: string | undefined): { value?: { index: number; count: number }; error?: string } {
  if (text === undefined) return {};
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m) {
    const index = Number(m[1]);
    const count = Number(m[2]);
    if (count >= 1 && index >= 1 && index <= count) return { value: { index, count } };
  }
  return { error: `--shard: ${JSON.stringify(text)} is not i/n with 1 ≤ i ≤ n` };
}

/**
 * Flags → experiment config input (validated afterwards by parseExperiment). Conflicts that only exist on
 * the command line (e.g. --kernel together with --N) are returned as issues.
 */
export function flagsToExperiment(
  command: "sd" | "full" | "linearized" | "theory",
  v: Record<string, unknown>,
  given: Set<string>,
): { input: ExperimentInput | Record<string, unknown>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  let problem: Record<string, unknown>;
  if (given.has("kernel") || given.has("residual")) {
    for (const f of ["N", "nu", "kappa", "lambda_min"]) {
      if (given.has(f))
        issues.push({
          path: "",
          message: `--${f} does not apply to a --kernel/--residual problem (N comes from the files)`,
          value: v[f],
          allowed: "omit it",
        });
    }
    if (!given.has("kernel"))
      issues.push({
        path: "problem.kernel",
        message: "--residual needs --kernel",
        value: undefined,
        allowed: "a .npy file",
      });
    if (!given.has("residual"))
      issues.push({
        path: "problem.residual",
        message: "--kernel needs --residual",
        value: undefined,
        allowed: "a .npy file",
      });
    problem = { kind: "kernel", kernel: v.kernel ?? "", residual: v.residual ?? "", normalize: v.normalize };
  } else {
    problem = { kind: v.dataset, N: v.N, nu: v.nu, kappa: v.kappa, lambda_min: v.lambda_min };
  }
  const sched = v.sched as string;
  const schedule: Record<string, unknown> =
    sched === "jacobi"
      ? { kind: "jacobi", a: v.a, b: v.b, indexing: v.jacobi_indexing }
      : sched === "power"
        ? { kind: "power", p: v.p ?? [], n0: v.n0 ?? [] }
        : { kind: sched };
  if (sched !== "jacobi")
    for (const f of ["a", "b", "jacobi_indexing"])
      if (given.has(f))
        issues.push({ path: "", message: `--${f} only applies to --sched jacobi`, value: v[f], allowed: "omit it" });
  if (sched !== "power")
    for (const f of ["p", "n0"])
      if (given.has(f))
        issues.push({ path: "", message: `--${f} only applies to --sched power`, value: v[f], allowed: "omit it" });
  const sweep: Record<string, unknown> = { lr: v.lr, batch_size: v.batch_size, aggr_type: v.aggr_type, schedule };
  if (sched !== "jacobi" || given.has("momentum")) sweep.momentum = v.momentum;
  let regimes: unknown[];
  if (command === "sd" || command === "theory") regimes = [{ regime: "sd", tau: v.tau }];
  else if (command === "full") regimes = [{ regime: "full" }];
  else regimes = [{ regime: "linearized", replicates: v.runs, optimizer: v.optimizer }];
  const input: Record<string, unknown> = {
    experiment: (v.experiment as string | undefined) ?? command,
    problem,
    regimes,
    sweep,
    n_steps: command === "theory" ? 1 : v.n_steps,
    seed: v.seed,
  };
  if (command !== "theory") {
    const rec = parseRecord((v.record as string[] | undefined) ?? ["all"]);
    if (rec.error)
      issues.push({ path: "record", message: rec.error, value: v.record, allowed: "all | every:K | log:K" });
    else input.record = rec.value;
    if (v.track_diag_err) input.track = { every: v.track_freq };
    input.divergence_factor = v.divergence_factor;
  }
  return { input, issues };
}
