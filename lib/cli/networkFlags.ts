/**
 * Flags, help texts and usage of the network commands (compare, nn, spectrum), and their translation into an
 * experiment config (problem.kind 'dataset', regimes sd/full/linearized/nn), kept apart from the engine so that
 * the CLI can list and validate them without loading it. compare and nn then run through the runner like
 * `run CONFIG.json` (lib/cli/main.ts); spectrum is implemented in lib/cli/spectrum.ts.
 */
import type { OptionSpec } from "./args.ts";
import { CATEGORICAL_POLICIES, DATASETS, NTK_KINDS } from "../vocabulary/datasets.ts";
import { NN_ENGINES, TF_BACKEND_CHOICES } from "../vocabulary/tfBackends.ts";
import type { ConfigIssue } from "../config/schema.ts";
import { SWEEP_FLAGS, STEP_FLAGS, STORE_FLAGS, flagsToExperiment } from "./flags.ts";

const DATA_FLAGS: OptionSpec[] = [
  {
    name: "dataset",
    kind: "choice",
    choices: [...DATASETS],
    default: "mnist",
    help: "data set: mnist (shipped), cifar10 (binary batches in --data_root), tabular (--data_file, --target), diamonds (shipped example), gaussian (synthetic inputs x ~ N(0, I_d), random ReLU teacher as target)",
  },
  {
    name: "N",
    kind: "int",
    default: 1000,
    help: "training points (a stratified subset for mnist/cifar10, a random one for tabular)",
  },
  {
    name: "data_root",
    kind: "string",
    metavar: "DIR",
    default: "./data",
    help: "cifar10: folder with data_batch_*.bin (or its cifar-10-batches-bin subfolder)",
  },
  { name: "data_file", kind: "string", metavar: "FILE", help: "tabular: a .csv or .parquet file" },
  { name: "target", kind: "string", metavar: "COLUMN", help: "tabular: the target column" },
  {
    name: "categorical",
    kind: "choice",
    choices: [...CATEGORICAL_POLICIES],
    default: "onehot",
    help: "tabular, diamonds: text columns one-hot encoded, or rejected",
  },
  { name: "drop", kind: "strings", metavar: "COLUMN", help: "tabular: columns to leave out" },
  { name: "input_dim", kind: "int", default: 16, help: "gaussian: input dimension d" },
  { name: "data_seed", kind: "int", default: 42, help: "seed of the subset of N points (and of the gaussian inputs)" },
];

const NET_FLAGS: OptionSpec[] = [
  { name: "hidden_dim", kind: "int", default: 1000, help: "hidden width H of the two-layer ReLU network" },
];

const NN_FLAGS: OptionSpec[] = [
  {
    name: "lr_scale",
    kind: "choice",
    choices: ["apply", "none"],
    default: "apply",
    help: "multiply the network's lr by N/λ_max(K_emp) so α means what it means in the kernel regimes (none = the reference's compare script)",
  },
  {
    name: "nn_engine",
    kind: "choice",
    choices: [...NN_ENGINES],
    default: "gram",
    help: "gram: float64, full-train loss in O(N·b·H) a step; tfjs: the reference's loop in TensorFlow.js (float32, autodiff, a forward pass a step)",
  },
  {
    name: "backend",
    kind: "choice",
    choices: [...TF_BACKEND_CHOICES],
    default: "auto",
    help: "TensorFlow.js backend for --nn_engine tfjs (auto: tfjs-node if it loads, else wasm, else cpu)",
  },
];

const SEED_HELP = "seed of the initial network (generator 2⁵² + seed) and of the batches (replicate r: seed·2²¹ + r)";
const pick = (names: string[]) =>
  STORE_FLAGS.filter((f) => names.includes(f.name)).map((f) => (f.name === "seed" ? { ...f, help: SEED_HELP } : f));

const RUNNER_FLAGS = [
  "db",
  "experiment",
  "seed",
  "record",
  "track_diag_err",
  "track_freq",
  "divergence_factor",
  "concurrency",
  "shard",
  "dry_run",
  "quiet",
  "live",
  "save_dir",
];

const COMPARE_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS,
  ...NET_FLAGS,
  { name: "tau", kind: "floats", default: [-1, 1], help: "SD parameters τ (list)" },
  {
    name: "nn_runs",
    kind: "int",
    default: 1,
    help: "network trainings per setting (replicate r uses the batches of linearized replicate r; 0 = none)",
  },
  { name: "linearized_runs", kind: "int", default: 1, help: "linearized replicates per setting (0 = none)" },
  {
    name: "full",
    kind: "choice",
    choices: ["auto", "on", "off"],
    default: "auto",
    help: "full dynamics: auto = when N ≤ --full_max_N",
  },
  { name: "full_max_N", kind: "int", default: 1000, help: "largest N for --full auto (a full step costs ~N³)" },
  ...NN_FLAGS,
  ...SWEEP_FLAGS,
  ...STEP_FLAGS,
  ...pick(RUNNER_FLAGS),
];

const NN_COMMAND_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS,
  ...NET_FLAGS,
  {
    name: "nn_runs",
    kind: "int",
    aliases: ["runs"],
    default: 1,
    help: "trainings per setting (different batch sequences, same initial network)",
  },
  ...NN_FLAGS,
  ...SWEEP_FLAGS,
  ...STEP_FLAGS,
  ...pick(RUNNER_FLAGS),
];

const SPECTRUM_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS,
  ...NET_FLAGS,
  {
    name: "ntk",
    kind: "choice",
    choices: [...NTK_KINDS],
    default: "empirical",
    help: "empirical NTK of the initial network, or the infinite-width ReLU NTK",
  },
  { name: "seed", kind: "int", default: 0, help: "seed of the network's initialisation (empirical)" },
  { name: "format", kind: "choice", choices: ["json", "table"], default: "json", help: "output format" },
  { name: "db", kind: "string", metavar: "PATH", help: "also store the problem and its spectrum in this DuckDB file" },
];

export const NETWORK_COMMANDS = {
  compare: {
    summary: "the four regimes on one network's NTK (train_4_regimes_serial.py)",
    usage:
      "powerlaw-sgd compare [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] [--batch_size b ...] [--tau T ...] [--nn_runs R] [--linearized_runs R] [options]",
    description:
      "One initial network (weights N(0,1), NTK parametrisation); its empirical NTK, rescaled to λ_max = N, and its initial\n" +
      "residual define the kernel problem of the SD (every τ), full and linearized runs, and the network itself is trained\n" +
      "(SGD + momentum, PyTorch's update, full-train loss every step in O(N·b·H)). All runs go through the runner's worker\n" +
      "pool into one experiment (resumable; the built problem is cached in <db folder>/problems/). The same as `run` with\n" +
      "a config whose problem is {kind: 'dataset', …} and whose regimes are nn, full, linearized and sd.",
    flags: COMPARE_FLAGS,
  },
  nn: {
    summary: "train the two-layer ReLU network (train_nn.py)",
    usage:
      "powerlaw-sgd nn [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] [--batch_size b ...] [--nn_runs R] [options]",
    description:
      "Trains the network of docs/theory.md §2.1 with SGD + momentum and stores the full-train loss of every step; the NTK problem\n" +
      "(spectrum, ν, κ, lr_scale = N/λ_max(K_emp)) is stored with it.",
    flags: NN_COMMAND_FLAGS,
  },
  spectrum: {
    summary: "NTK spectrum and exponent fits of a data set",
    usage:
      "powerlaw-sgd spectrum --dataset mnist --N 1000 [--ntk empirical|analytic] [--hidden_dim 1000] [--format json|table] [--db PATH]",
    description:
      "Eigen-decomposes the NTK (rescaled to λ_max = N) of the data set and fits ν (λ_k ~ k^-ν) and κ (tail of C_k ~ k^-κ)\n" +
      "over sub-windows (mean ± std, as the reference), with ζ = κ/ν and λ_k, C_k at k = 1, 2, 5, 10, …",
    flags: SPECTRUM_FLAGS,
  },
} satisfies Record<string, { summary: string; usage: string; description: string; flags: OptionSpec[] }>;

export type NetworkCommand = keyof typeof NETWORK_COMMANDS;

/** Integer flags of the network commands and their smallest allowed value. */
const INT_MIN: Record<string, number> = { nn_runs: 0, linearized_runs: 0, full_max_N: 1 };

/**
 * The problem part of the network commands' flags: {kind: 'dataset', …}. Flags that belong to another data set
 * are reported here, in flag words; everything else is left to the config's validation.
 */
export function datasetProblemFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
): { problem: Record<string, unknown>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const ds = v.dataset as string;
  const problem: Record<string, unknown> = {
    kind: "dataset",
    dataset: ds,
    N: v.N,
    hidden_dim: v.hidden_dim,
    data_seed: v.data_seed,
  };
  if (v.ntk !== undefined) problem.ntk = v.ntk;
  const only = (flags: string[], owners: string[]) => {
    const wrong = flags.filter((f) => given.has(f));
    if (!owners.includes(ds) && wrong.length) {
      issues.push({
        path: "",
        message: `${wrong.map((f) => `--${f}`).join(", ")} only appl${wrong.length === 1 ? "ies" : "y"} to --dataset ${owners.join(" or ")}`,
        value: ds,
        allowed: "omit them",
      });
    }
  };
  only(["data_file", "target", "drop"], ["tabular"]);
  only(["data_root"], ["cifar10"]);
  only(["categorical"], ["tabular", "diamonds"]);
  only(["input_dim"], ["gaussian"]);
  if (ds === "tabular") {
    if (given.has("data_file")) problem.path = v.data_file;
    else
      issues.push({
        path: "problem.path",
        message: "--dataset tabular needs --data_file FILE",
        value: undefined,
        allowed: "a .csv or .parquet file",
      });
    if (given.has("target")) problem.target = v.target;
    else
      issues.push({
        path: "problem.target",
        message: "--dataset tabular needs --target COLUMN",
        value: undefined,
        allowed: "a numeric column of the file",
      });
    if (given.has("drop")) problem.drop = v.drop;
  }
  if (ds === "cifar10") problem.path = v.data_root;
  if ((ds === "tabular" || ds === "diamonds") && given.has("categorical")) problem.categorical = v.categorical;
  if (ds === "gaussian") problem.input_dim = v.input_dim;
  return { problem, issues };
}

/**
 * compare / nn flags → experiment config input (validated afterwards by parseExperiment, like `run`'s).
 * compare: nn (--nn_runs > 0), full (--full, or N ≤ --full_max_N), linearized (--linearized_runs > 0) and
 * sd (--tau); nn: the network runs alone.
 */
export function networkFlagsToExperiment(
  command: "compare" | "nn",
  v: Record<string, unknown>,
  given: Set<string>,
): { input: Record<string, unknown>; issues: ConfigIssue[] } {
  const base = flagsToExperiment("linearized", v, given);
  const { problem, issues } = datasetProblemFromFlags(v, given);
  issues.push(...base.issues);
  for (const [f, min] of Object.entries(INT_MIN)) {
    const x = v[f];
    if (x !== undefined && !(Number.isInteger(x) && (x as number) >= min))
      issues.push({
        path: "",
        message: `--${f} must be an integer ≥ ${min}`,
        value: x,
        allowed: `an integer ≥ ${min}`,
      });
  }
  const engine = v.nn_engine as string;
  if (engine !== "tfjs" && given.has("backend"))
    issues.push({
      path: "",
      message: "--backend only applies to --nn_engine tfjs",
      value: v.backend,
      allowed: "omit it, or add --nn_engine tfjs",
    });
  const nn = {
    regime: "nn",
    replicates: v.nn_runs,
    lr_scale: v.lr_scale !== "none",
    engine,
    ...(engine === "tfjs" ? { backend: v.backend } : {}),
  };
  const regimes: unknown[] = [];
  if (command === "nn") regimes.push(nn);
  else {
    const count = (f: string) => (Number.isInteger(v[f]) ? (v[f] as number) : 0);
    if (count("nn_runs") > 0) regimes.push(nn);
    const N = v.N as number;
    if (v.full === "on" || (v.full === "auto" && Number.isInteger(N) && N <= (v.full_max_N as number)))
      regimes.push({ regime: "full" });
    if (count("linearized_runs") > 0)
      regimes.push({ regime: "linearized", replicates: v.linearized_runs, optimizer: "sgd" });
    regimes.push({ regime: "sd", tau: v.tau });
  }
  const input = {
    ...(base.input as Record<string, unknown>),
    experiment: (v.experiment as string | undefined) ?? command,
    problem,
    regimes,
  };
  return { input, issues };
}
