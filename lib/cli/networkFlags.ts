/**
 * Flags, help texts and usage of the network commands (compare, nn, spectrum), and their translation into an
 * experiment config (problem.kind 'dataset', regimes sd/full/linearized/nn), kept apart from the engine so that
 * the CLI can list and validate them without loading it. compare and nn then run through the runner like
 * `run CONFIG.json` (lib/cli/main.ts); spectrum is implemented in lib/cli/spectrum.ts.
 */
import type { OptionSpec } from "./args.ts";
import { NTK_KINDS } from "../vocabulary/datasets.ts";
import { NN_ENGINES, TF_BACKEND_CHOICES } from "../vocabulary/tfBackends.ts";
import type { ConfigIssue } from "../config/schema.ts";
import { parseFloatStrict } from "./args.ts";
import {
  SWEEP_FLAGS,
  STEP_FLAGS,
  STORE_FLAGS,
  runFieldsFromFlags,
  sweepFromFlags,
  type FlagTranslation,
} from "./flags.ts";
import { dataFlags, datasetProblemFromFlags } from "./dataFlags.ts";
import { COMPAT_FLAGS, compatFromFlags, conventionFlags, referenceAll } from "./referenceFlags.ts";

export { datasetProblemFromFlags } from "./dataFlags.ts";

const N_FLAG: OptionSpec = {
  name: "N",
  kind: "int",
  default: 1000,
  help: "training points (a stratified subset for mnist/cifar10, a random one for tabular)",
};

/** The data flags; compare takes the subset seed from --seed, as the reference's train_4_regimes*.py. */
const DATA_FLAGS: OptionSpec[] = [dataFlags("network")[0], N_FLAG, ...dataFlags("network").slice(1)];

const NET_FLAGS: OptionSpec[] = [
  { name: "hidden_dim", kind: "int", default: 1000, help: "hidden width H of the two-layer ReLU network" },
];

const NN_FLAGS: OptionSpec[] = [
  {
    name: "lr_scale",
    kind: "string",
    metavar: "apply|none|X",
    default: "apply",
    help:
      "apply: multiply the network's lr by N/λ_max(K_emp), so α means what it means in the kernel regimes; none: " +
      "do not (the reference's compare script); a number X > 0: multiply by X (train_nn.py's --lr_scale; 0 = apply)",
  },
  {
    name: "nn_engine",
    kind: "choice",
    choices: [...NN_ENGINES],
    default: "gram",
    help:
      "gram: float64, full-train loss in O(N·b·H) a step; " +
      "tfjs: the reference's loop in TensorFlow.js (float32, autodiff, a forward pass a step)",
  },
  {
    name: "backend",
    kind: "choice",
    choices: [...TF_BACKEND_CHOICES],
    default: "auto",
    help: "TensorFlow.js backend for --nn_engine tfjs (auto: tfjs-node if it loads, else wasm, else cpu)",
  },
];

/** train_nn.py's model and optimizer flags: only the two-layer network and SGD exist (there as here). */
const TRAIN_NN_FLAGS: OptionSpec[] = [
  {
    name: "model",
    kind: "string",
    metavar: "mlp",
    default: "mlp",
    help: "the network: mlp, the two-layer ReLU network (the only one here; torchvision models are not)",
  },
  {
    name: "opt",
    kind: "choice",
    choices: ["sgd"],
    default: "sgd",
    help: "optimizer: SGD with momentum (PyTorch's; the reference's train_nn.py has no other)",
  },
  COMPAT_FLAGS.verbose,
  COMPAT_FLAGS.log_frequency,
  COMPAT_FLAGS.val_frequency,
  { name: "nu", kind: "float", help: "accepted and ignored (run_train_nn.sh passes it; the network's ν is its NTK's)" },
  { name: "kappa", kind: "float", help: "accepted and ignored (run_train_nn.sh passes it; κ is the NTK's)" },
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
  "workers",
  "shard",
  "shards",
  "dry_run",
  "quiet",
  "live",
  "save_dir",
];

const COMPARE_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS.filter((f) => f.name !== "data_seed"),
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
  ...pick(RUNNER_FLAGS.filter((f) => f !== "seed")),
  {
    name: "seed",
    kind: "int",
    default: 42,
    aliases: ["data_seed"],
    help: "seed of the subset of N points (the reference's --seed, its train_test_split random_state)",
  },
  {
    name: "init_seed",
    kind: "int",
    default: 0,
    help: "seed of the initial network (generator 2⁵² + seed) and of the batches (what --seed is elsewhere)",
  },
  ...conventionFlags(["momentum", "fit_windows"]),
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
  ...TRAIN_NN_FLAGS,
  ...SWEEP_FLAGS,
  ...STEP_FLAGS,
  ...pick(RUNNER_FLAGS),
  ...conventionFlags(["momentum", "fit_windows"]),
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
  ...conventionFlags(["ntk_formula", "fit_windows"]),
];

export const NETWORK_COMMANDS = {
  compare: {
    summary: "the four regimes on one network's NTK (train_4_regimes_serial.py, train_4_regimes.py)",
    usage:
      "powerlaw-sgd compare [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] " +
      "[--batch_size b ...] [--tau T ...] [--nn_runs R] [--linearized_runs R] [options]",
    description:
      "One initial network (weights N(0,1), NTK parametrisation); " +
      "its empirical NTK, rescaled to λ_max = N, and its initial\n" +
      "residual define the kernel problem of the SD (every τ), " +
      "full and linearized runs, and the network itself is trained\n" +
      "(SGD + momentum, PyTorch's update, full-train loss every step in O(N·b·H)). " +
      "All runs go through the runner's worker\n" +
      "pool into one experiment (resumable; the built problem is cached in <db folder>/problems/). " +
      "The same as `run` with\n" +
      "a config whose problem is {kind: 'dataset', …} and whose regimes are nn, full, linearized and sd. " +
      "Every flag of the\n" +
      "reference's four-regime scripts is accepted; " +
      "--seed picks the data subset there, --init_seed the network here.\n" +
      "Reference flags with another meaning here print a note (docs/cli.md).",
    flags: COMPARE_FLAGS,
  },
  nn: {
    summary: "train the two-layer ReLU network (train_nn.py)",
    usage:
      "powerlaw-sgd nn [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] " +
      "[--batch_size b ...] [--nn_runs R] [options]",
    description:
      "Trains the network of docs/theory.md §2.1 with SGD + momentum " +
      "and stores the full-train loss of every step; the NTK problem\n" +
      "(spectrum, ν, κ, lr_scale = N/λ_max(K_emp)) is stored with it. " +
      "Every flag of train_nn.py is accepted; those with\n" +
      "another meaning here (--verbose, --log_frequency, --val_frequency, --data_root for MNIST, …) print a note.",
    flags: NN_COMMAND_FLAGS,
  },
  spectrum: {
    summary: "NTK spectrum and exponent fits of a data set",
    usage:
      "powerlaw-sgd spectrum --dataset mnist --N 1000 [--ntk empirical|analytic] [--hidden_dim 1000] " +
      "[--format json|table] [--db PATH] [--fit_windows log|reference]",
    description:
      "Eigen-decomposes the NTK (rescaled to λ_max = N) of the " +
      "data set and fits ν (λ_k ~ k^-ν) and κ (tail of C_k ~ k^-κ)\n" +
      "over sub-windows (mean ± std, as the reference), with ζ = κ/ν and λ_k, C_k at k = 1, 2, 5, 10, …",
    flags: SPECTRUM_FLAGS,
  },
} satisfies Record<string, { summary: string; usage: string; description: string; flags: OptionSpec[] }>;

export type NetworkCommand = keyof typeof NETWORK_COMMANDS;

/** Integer flags of the network commands and their smallest allowed value. */
const INT_MIN: Record<string, number> = { nn_runs: 0, linearized_runs: 0, full_max_N: 1 };

/** --lr_scale apply | none | X → the nn regime's lr_scale (true, false, X); 0 is the reference's "compute it". */
function lrScaleFromFlags(
  command: "compare" | "nn",
  v: Record<string, unknown>,
  given: Set<string>,
  issues: ConfigIssue[],
  notes: string[],
): boolean | number {
  if (!given.has("lr_scale")) return !(command === "compare" && referenceAll(v));
  const text = String(v.lr_scale);
  if (text === "apply") return true;
  if (text === "none") return false;
  const x = parseFloatStrict(text);
  if (x === 0) {
    notes.push("--lr_scale 0: N/λ_max(K_emp) is applied (the reference computes it when --lr_scale is 0 or unset)");
    return true;
  }
  if (x !== undefined && Number.isFinite(x) && x > 0) return x;
  issues.push({
    path: "",
    message: `--lr_scale: ${JSON.stringify(text)} is not apply, none or a number > 0`,
    value: text,
    allowed: "apply | none | a number > 0",
  });
  return true;
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
): FlagTranslation {
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  // compare: --seed picks the data subset (the reference's meaning), --init_seed the network and the batches
  const data = command === "compare" ? { ...v, data_seed: v.seed } : v;
  const { problem, issues: dataIssues } = datasetProblemFromFlags(data, given, notes);
  issues.push(...dataIssues);
  problem.hidden_dim = v.hidden_dim;
  const sweep = sweepFromFlags(v, given, issues, notes);
  const run = runFieldsFromFlags(command === "compare" ? { ...v, seed: v.init_seed } : v, given, issues);
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
  const unused = ["nu", "kappa"].filter((f) => given.has(f));
  if (unused.length)
    notes.push(
      `${unused.map((f) => `--${f} ${String(v[f])}`).join(", ")}: ignored (the data set's NTK has its own ν, κ; ` +
        "train_nn.py does not take them)",
    );
  if (command === "nn" && v.model !== "mlp")
    issues.push({
      path: "",
      message: "--model: only the two-layer ReLU network (mlp) exists here",
      value: v.model,
      allowed: "mlp",
    });
  const nn = {
    regime: "nn",
    replicates: v.nn_runs,
    lr_scale: lrScaleFromFlags(command, v, given, issues, notes),
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
  const compat = compatFromFlags(v, given, notes);
  issues.push(...compat.issues);
  const input = {
    experiment: (v.experiment as string | undefined) ?? command,
    problem,
    regimes,
    sweep,
    ...run,
  };
  return { input, issues, notes, values: compat.values };
}
