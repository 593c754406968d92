/**
 * The per-regime commands' flags (the reference scripts' names and defaults) and their translation into
 * an experiment config, so that `sd --lr …` and `run config.json` go through the same validation; config
 * paths in error messages are mapped back to the flag that set them. The reference's flags that mean something
 * else here come back as notes (lib/cli/referenceFlags.ts), printed on stderr before the sweep runs.
 */
import type { OptionSpec } from "./args.ts";
import type { ConfigIssue, ExperimentInput } from "../config/schema.ts";
import { NTK_FLAGS, dataFlags, datasetProblemFromFlags } from "./dataFlags.ts";
import {
  COMPAT_FLAGS,
  compatFromFlags,
  conventionFlags,
  conventionValue,
  conventionsFromFlags,
} from "./referenceFlags.ts";

export const PROBLEM_FLAGS: OptionSpec[] = [
  dataFlags("kernel")[0],
  {
    name: "N",
    kind: "int",
    default: 1000,
    help: "number of points = modes (synthetic), or of data points (--dataset)",
  },
  { name: "nu", kind: "float", default: 1.0, help: "spectral exponent ν: λ_k = k^(−ν) (synthetic)" },
  { name: "kappa", kind: "float", default: 1.0, help: "target exponent κ: C_k(0) ∝ k^(−κ−1) (synthetic)" },
  {
    name: "lambda_min",
    kind: "float",
    default: 0.0,
    help: "the reference's λ_min (synthetic): λ_k = λ_min + (1 − λ_min)·k^(−ν)",
  },
  {
    name: "lambda_floor",
    kind: "float",
    default: 0.0,
    help: "floor of the eigenvalues (synthetic): λ_k ← max(λ_k, λ_floor)",
  },
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
  {
    name: "from_saved",
    kind: "flag",
    help:
      "the reference's saved kernel: --data_path FILE (a torch.save .pth/.pt or .npz with NTK_train_train and " +
      "target_train_train, or a folder of those .npy) or --ntk_model NAME " +
      "(DATA_ROOT/NT_kernels/NAME_DATASET_label.npy " +
      "and NT_errors/…); normalised as --normalize says",
  },
  { name: "data_path", kind: "string", metavar: "FILE", help: "with --from_saved: the saved kernel and residual" },
  {
    name: "ntk_model",
    kind: "string",
    metavar: "NAME",
    help:
      "with --from_saved: the model part of the saved files' names (train_full.py); without it, analytic or " +
      "empirical picks --ntk (anything else is ignored, as by the reference)",
  },
  ...NTK_FLAGS,
  ...dataFlags("kernel").slice(1),
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
    help: "Jacobi coefficients: exact polynomials, or the reference code's one-late indexing (--conventions reference)",
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
  { name: "concurrency", kind: "int", help: "worker threads (default: number of cores)" },
  COMPAT_FLAGS.workers,
  {
    name: "shard",
    kind: "string",
    metavar: "i/n|auto",
    help:
      "run only shard i of n (runs with index ≡ i−1 mod n); auto: from a Slurm job array or a Kubernetes Indexed " +
      "Job (docs/cluster.md); its store defaults to data/shards/shard-i-of-n.duckdb (--db DIR/: in DIR)",
  },
  {
    name: "shards",
    kind: "int",
    metavar: "N",
    help: "with --shard auto: the shard count (default: POWERLAW_SGD_SHARDS, else the Slurm array's size)",
  },
  { name: "dry_run", kind: "flag", help: "print the run list and exit without running or writing" },
  { name: "quiet", kind: "flag", help: "no progress display" },
  {
    name: "live",
    kind: "string",
    metavar: "DIR|off",
    help:
      "live snapshots of the sweep for the preview (`npm run dev`): DIR/runs.json about once a second; " +
      "default: src/live when run from the project root (POWERLAW_SGD_LIVE overrides), off otherwise",
  },
  COMPAT_FLAGS.save_dir,
];

export const REGIME_FLAGS: Record<"sd" | "full" | "linearized", OptionSpec[]> = {
  sd: [
    { name: "tau", kind: "floats", default: [1.0], help: "SD parameter τ (list; 1 = mean field, −1 = Gauss)" },
    ...conventionFlags(["momentum", "ntk_formula", "fit_windows"]),
  ],
  full: conventionFlags(["momentum", "ntk_formula", "fit_windows"]),
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
    { name: "b1", kind: "floats", default: [0.9], help: "Adam's β₁ (--opt adam; one value)" },
    { name: "b2", kind: "floats", default: [0.999], help: "Adam's β₂ (--opt adam; one value)" },
    ...conventionFlags(["momentum", "adam_bias_correction", "ntk_formula", "fit_windows"]),
  ],
};

/** Config path prefix → flag, for error messages. */
const PATH_TO_FLAG: [RegExp, string][] = [
  [/^problem\.N\b/, "--N"],
  [/^problem\.nu\b/, "--nu"],
  [/^problem\.kappa\b/, "--kappa"],
  [/^problem\.lambda_min\b/, "--lambda_min"],
  [/^problem\.lambda_floor\b/, "--lambda_floor"],
  [/^problem\.seed\b/, "--seed"],
  [/^problem\.kernel\b/, "--kernel"],
  [/^problem\.path\b/, "--data_path/--data_file/--data_root"],
  [/^problem\.residual\b/, "--residual"],
  [/^problem\.normalize\b/, "--normalize"],
  [/^problem\.kind\b/, "--dataset"],
  [/^problem$/, "--kernel/--residual"],
  [/^problem\.dataset\b/, "--dataset"],
  [/^problem\.hidden_dim\b/, "--hidden_dim"],
  [/^problem\.data_seed\b/, "--data_seed"],
  [/^problem\.input_dim\b/, "--input_dim"],
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
  [/^regimes\[\d+\]\.adam\.beta1\b/, "--b1"],
  [/^regimes\[\d+\]\.adam\.beta2\b/, "--b2"],
  [/^conventions\.momentum\b/, "--momentum_convention"],
  [/^conventions\.adam_bias_correction\b/, "--adam_bias_correction"],
  [/^conventions\.ntk_formula\b/, "--ntk_formula"],
  [/^conventions\.fit_windows\b/, "--fit_windows"],
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

/** What a command's flags translate into: the config input, the problems found, the notes, runner values. */
export interface FlagTranslation {
  readonly input: ExperimentInput | Record<string, unknown>;
  readonly issues: ConfigIssue[];
  /** one line each, printed on stderr: what a reference flag did here */
  readonly notes: string[];
  /** runner values set by reference flags (--save_dir → db, --workers → concurrency) */
  readonly values: Record<string, unknown>;
}

const issue = (message: string, value: unknown, allowed = "omit it"): ConfigIssue => ({
  path: "",
  message,
  value,
  allowed,
});

/**
 * The sweep block: lists, aggregation and schedule (Jacobi indexing: the reference's under
 * --conventions reference).
 */
export function sweepFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  issues: ConfigIssue[],
  notes: string[],
): Record<string, unknown> {
  const sched = v.sched as string;
  const schedule: Record<string, unknown> =
    sched === "jacobi"
      ? { kind: "jacobi", a: v.a, b: v.b, indexing: conventionValue(v, given, "jacobi_indexing", "reference") }
      : sched === "power"
        ? { kind: "power", p: v.p ?? [], n0: v.n0 ?? [] }
        : { kind: sched };
  if (sched !== "jacobi") {
    // the reference scripts always declare --a --b and ignore them unless --sched jacobi
    const unused = ["a", "b", "jacobi_indexing"].filter((f) => given.has(f));
    if (unused.length)
      notes.push(`${unused.map((f) => `--${f}`).join(", ")}: ignored without --sched jacobi (as by the reference)`);
  }
  if (sched !== "power")
    for (const f of ["p", "n0"]) if (given.has(f)) issues.push(issue(`--${f} only applies to --sched power`, v[f]));
  const sweep: Record<string, unknown> = { lr: v.lr, batch_size: v.batch_size, aggr_type: v.aggr_type, schedule };
  if (sched !== "jacobi" || given.has("momentum")) sweep.momentum = v.momentum;
  return sweep;
}

/** The runner fields every sweep command shares: record, track, divergence factor, seed, conventions. */
export function runFieldsFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  issues: ConfigIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { n_steps: v.n_steps, seed: v.seed };
  const rec = parseRecord((v.record as string[] | undefined) ?? ["all"]);
  if (rec.error) issues.push({ path: "record", message: rec.error, value: v.record, allowed: "all | every:K | log:K" });
  else out.record = rec.value;
  if (v.track_diag_err) out.track = { every: v.track_freq };
  out.divergence_factor = v.divergence_factor;
  const conventions = conventionsFromFlags(v, given);
  if (conventions) out.conventions = conventions;
  return out;
}

/**
 * The problem of the kernel commands: a saved kernel (--from_saved), a kernel + residual (--kernel --residual),
 * the synthetic power law, or a data set's NTK problem (--dataset mnist|…, --ntk analytic|empirical).
 */
function kernelProblemFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  issues: ConfigIssue[],
  notes: string[],
): Record<string, unknown> {
  const ds = v.dataset as string;
  const model = v.ntk_model === undefined ? "" : String(v.ntk_model);
  const ntkKinds = ["analytic", "empirical"];
  const ignoredHere = (flags: string[], why: string) => {
    const used = flags.filter((f) => given.has(f));
    if (used.length) notes.push(`${used.map((f) => `--${f} ${String(v[f])}`).join(", ")}: ignored (${why})`);
  };
  if (v.from_saved) {
    if (given.has("kernel") || given.has("residual"))
      issues.push(issue("--from_saved and --kernel/--residual are two ways to give a kernel: pick one", v.kernel));
    ignoredHere(["N", "nu", "kappa", "lambda_min", "lambda_floor"], "the saved kernel defines the problem");
    const path = v.data_path === undefined ? "" : String(v.data_path);
    if (path !== "") return { kind: "saved", path, normalize: v.normalize };
    if (model !== "") {
      const root = String(v.data_root).replace(/\/+$/, "");
      const file = `${model}_${ds}_label.npy`;
      notes.push(
        `--from_saved --ntk_model ${model}: kernel ${root}/NT_kernels/${file}, residual ${root}/NT_errors/${file}`,
      );
      return {
        kind: "kernel",
        kernel: `${root}/NT_kernels/${file}`,
        residual: `${root}/NT_errors/${file}`,
        normalize: v.normalize,
      };
    }
    issues.push({
      path: "problem.path",
      message: "--from_saved needs --data_path FILE, or --ntk_model NAME (with --data_root, as train_full.py)",
      value: undefined,
      allowed: "a .pth/.pt/.npz file or folder; or a model name",
    });
    return { kind: "saved", path: "" };
  }
  if (given.has("data_path")) ignoredHere(["data_path"], "only read with --from_saved, as by the reference");
  if (model !== "" && !ntkKinds.includes(model))
    ignoredHere(["ntk_model"], "only read with --from_saved, as by the reference");
  if (given.has("kernel") || given.has("residual")) {
    for (const f of ["N", "nu", "kappa", "lambda_min", "lambda_floor"])
      if (given.has(f))
        issues.push(issue(`--${f} does not apply to a --kernel/--residual problem (N comes from the files)`, v[f]));
    if (!given.has("kernel"))
      issues.push({ path: "problem.kernel", message: "--residual needs --kernel", allowed: "a .npy file" });
    if (!given.has("residual"))
      issues.push({ path: "problem.residual", message: "--kernel needs --residual", allowed: "a .npy file" });
    return { kind: "kernel", kernel: v.kernel ?? "", residual: v.residual ?? "", normalize: v.normalize };
  }
  const dataOnly = ["data_root", "data_file", "target", "drop", "categorical", "input_dim", "data_seed", "ntk"];
  if (ds === "synthetic") {
    const wrong = [...dataOnly, "hidden_dim"].filter((f) => given.has(f) && f !== "data_root");
    if (wrong.length)
      issues.push(
        issue(
          `${wrong.map((f) => `--${f}`).join(", ")} only appl${wrong.length === 1 ? "ies" : "y"} to --dataset problems`,
          ds,
        ),
      );
    ignoredHere(["data_root"], "the synthetic problem reads no data");
    return {
      kind: "synthetic",
      N: v.N,
      nu: v.nu,
      kappa: v.kappa,
      lambda_min: v.lambda_min,
      lambda_floor: v.lambda_floor,
    };
  }
  ignoredHere(
    ["nu", "kappa", "lambda_min", "lambda_floor"],
    `--dataset ${ds}: ν and κ come from its kernel's spectrum`,
  );
  const ntk = given.has("ntk") || !ntkKinds.includes(model) ? (v.ntk as string) : model;
  const { problem, issues: dataIssues } = datasetProblemFromFlags(v, given, notes);
  issues.push(...dataIssues);
  problem.ntk = ntk;
  if (ntk === "empirical") problem.hidden_dim = v.hidden_dim;
  else {
    delete problem.hidden_dim;
    if (given.has("hidden_dim")) issues.push(issue("--hidden_dim only applies to --ntk empirical", v.hidden_dim));
  }
  return problem;
}

/** The linearized regime: replicates, optimizer, Adam's β's (--b1 --b2, one value each). */
function linearizedFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  issues: ConfigIssue[],
  notes: string[],
): Record<string, unknown> {
  const regime: Record<string, unknown> = { regime: "linearized", replicates: v.runs, optimizer: v.optimizer };
  const betas = ["b1", "b2"].filter((f) => given.has(f));
  if (v.optimizer !== "adam") {
    if (betas.length)
      notes.push(`${betas.map((f) => `--${f}`).join(", ")}: ignored without --opt adam (as by the reference)`);
    return regime;
  }
  const adam: Record<string, unknown> = {};
  for (const [f, key] of [
    ["b1", "beta1"],
    ["b2", "beta2"],
  ] as const) {
    if (!given.has(f)) continue;
    const list = v[f] as number[];
    if (list.length !== 1) issues.push(issue(`--${f} takes one value (Adam's ${key})`, list, "one number in [0, 1)"));
    else adam[key] = list[0];
  }
  if (Object.keys(adam).length > 0) regime.adam = adam;
  return regime;
}

/**
 * Flags → experiment config input (validated afterwards by parseExperiment). Conflicts that only exist on
 * the command line (e.g. --kernel together with --N) are returned as issues; what the reference's flags did
 * instead of their meaning there, as notes.
 */
export function flagsToExperiment(
  command: "sd" | "full" | "linearized" | "theory",
  v: Record<string, unknown>,
  given: Set<string>,
): FlagTranslation {
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  const problem = kernelProblemFromFlags(v, given, issues, notes);
  const sweep = sweepFromFlags(v, given, issues, notes);
  let regimes: unknown[];
  if (command === "sd" || command === "theory") regimes = [{ regime: "sd", tau: v.tau }];
  else if (command === "full") regimes = [{ regime: "full" }];
  else regimes = [linearizedFromFlags(v, given, issues, notes)];
  const run = runFieldsFromFlags(v, given, issues);
  const input: Record<string, unknown> = {
    experiment: (v.experiment as string | undefined) ?? command,
    problem,
    regimes,
    sweep,
    ...run,
  };
  if (command === "theory") {
    input.n_steps = 1;
    for (const f of ["record", "track", "divergence_factor"]) delete input[f];
    return { input, issues, notes, values: {} };
  }
  const compat = compatFromFlags(v, given, notes);
  issues.push(...compat.issues);
  return { input, issues, notes, values: compat.values };
}
