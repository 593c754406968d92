/**
 * Flags, help texts and usage of the network commands (compare, nn, spectrum), kept apart from their
 * implementation (lib/regimes/networkCli.ts) so that the CLI can list them without loading the engine.
 */
import type { OptionSpec } from "../run/args.ts";
import { SWEEP_FLAGS, STEP_FLAGS, STORE_FLAGS } from "../run/flags.ts";

const DATA_FLAGS: OptionSpec[] = [
  { name: "dataset", kind: "choice", choices: ["mnist", "cifar10", "tabular", "diamonds"], default: "mnist", help: "data set: mnist (shipped), cifar10 (binary batches in --data_root), tabular (--data_file, --target), diamonds (shipped example)" },
  { name: "N", kind: "int", default: 1000, help: "training points (a stratified subset for mnist/cifar10, a random one for tabular)" },
  { name: "data_root", kind: "string", metavar: "DIR", default: "./data", help: "cifar10: folder with data_batch_*.bin (or its cifar-10-batches-bin subfolder)" },
  { name: "data_file", kind: "string", metavar: "FILE", help: "tabular: a .csv or .parquet file" },
  { name: "target", kind: "string", metavar: "COLUMN", help: "tabular: the target column" },
  { name: "categorical", kind: "choice", choices: ["onehot", "error"], default: "onehot", help: "tabular: text columns one-hot encoded, or rejected" },
  { name: "drop", kind: "strings", metavar: "COLUMN", help: "tabular: columns to leave out" },
  { name: "data_seed", kind: "int", default: 42, help: "seed of the subset of N points" },
];

const NET_FLAGS: OptionSpec[] = [
  { name: "hidden_dim", kind: "int", default: 1000, help: "hidden width H of the two-layer ReLU network" },
];

const NN_FLAGS: OptionSpec[] = [
  { name: "lr_scale", kind: "choice", choices: ["apply", "none"], default: "apply", help: "multiply the network's lr by N/λ_max(K_emp) so α means what it means in the kernel regimes (none = the reference's compare script)" },
  { name: "nn_engine", kind: "choice", choices: ["gram", "tfjs"], default: "gram", help: "gram: float64, full-train loss in O(N·b·H) a step; tfjs: the reference's loop in TensorFlow.js (float32, autodiff, a forward pass a step)" },
  { name: "backend", kind: "choice", choices: ["auto", "tensorflow", "wasm", "cpu"], default: "auto", help: "TensorFlow.js backend for --nn_engine tfjs (auto: tfjs-node if it loads, else wasm, else cpu)" },
];

const pick = (names: string[]) => STORE_FLAGS.filter((f) => names.includes(f.name));

const COMPARE_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS, ...NET_FLAGS,
  { name: "tau", kind: "floats", default: [-1, 1], help: "SD parameters τ (list)" },
  { name: "nn_runs", kind: "int", default: 1, help: "network trainings per setting (replicate r uses the batches of linearized replicate r)" },
  { name: "linearized_runs", kind: "int", default: 1, help: "linearized replicates per setting" },
  { name: "full", kind: "choice", choices: ["auto", "on", "off"], default: "auto", help: "full dynamics: auto = when N ≤ --full_max_N" },
  { name: "full_max_N", kind: "int", default: 1000, help: "largest N for --full auto (a full step costs ~N³)" },
  ...NN_FLAGS,
  ...SWEEP_FLAGS, ...STEP_FLAGS,
  ...pick(["db", "experiment", "seed", "record", "divergence_factor", "concurrency", "quiet", "save_dir"]),
];

const NN_COMMAND_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS, ...NET_FLAGS,
  { name: "nn_runs", kind: "int", aliases: ["runs"], default: 1, help: "trainings per setting (different batch sequences, same initial network)" },
  ...NN_FLAGS,
  ...SWEEP_FLAGS, ...STEP_FLAGS,
  ...pick(["db", "experiment", "seed", "record", "divergence_factor", "quiet", "save_dir"]),
];

const SPECTRUM_FLAGS: OptionSpec[] = [
  ...DATA_FLAGS, ...NET_FLAGS,
  { name: "ntk", kind: "choice", choices: ["empirical", "analytic"], default: "empirical", help: "empirical NTK of the initial network, or the infinite-width ReLU NTK" },
  { name: "seed", kind: "int", default: 0, help: "seed of the network's initialisation (empirical)" },
  { name: "format", kind: "choice", choices: ["json", "table"], default: "json", help: "output format" },
  { name: "db", kind: "string", metavar: "PATH", help: "also store the problem and its spectrum in this DuckDB file" },
];

export const NETWORK_COMMANDS = {
  compare: {
    summary: "the four regimes on one network's NTK (train_4_regimes_serial.py)",
    usage: "powerlaw-sgd compare [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] [--batch_size b ...] [--tau T ...] [--nn_runs R] [--linearized_runs R] [options]",
    description: "One initial network (weights N(0,1), NTK parametrisation); its empirical NTK, rescaled to λ_max = N, and its initial\n" +
      "residual define the kernel problem of the SD (every τ), full and linearized runs; then the network itself is trained\n" +
      "(SGD + momentum, PyTorch's update, full-train loss every step in O(N·b·H)). All curves go to one experiment.",
    flags: COMPARE_FLAGS,
  },
  nn: {
    summary: "train the two-layer ReLU network (train_nn.py)",
    usage: "powerlaw-sgd nn [--dataset mnist] [--N 1000] [--hidden_dim 1000] [--lr A ...] [--momentum B ...] [--batch_size b ...] [--nn_runs R] [options]",
    description: "Trains the network of THEORY §2.1 with SGD + momentum and stores the full-train loss of every step; the NTK problem\n" +
      "(spectrum, ν, κ, lr_scale = N/λ_max(K_emp)) is stored with it.",
    flags: NN_COMMAND_FLAGS,
  },
  spectrum: {
    summary: "NTK spectrum and exponent fits of a data set",
    usage: "powerlaw-sgd spectrum --dataset mnist --N 1000 [--ntk empirical|analytic] [--hidden_dim 1000] [--format json|table] [--db PATH]",
    description: "Eigen-decomposes the NTK (rescaled to λ_max = N) of the data set and fits ν (λ_k ~ k^-ν) and κ (tail of C_k ~ k^-κ)\n" +
      "over sub-windows (mean ± std, as the reference), with ζ = κ/ν and λ_k, C_k at k = 1, 2, 5, 10, …",
    flags: SPECTRUM_FLAGS,
  },
} satisfies Record<string, { summary: string; usage: string; description: string; flags: OptionSpec[] }>;

export type NetworkCommand = keyof typeof NETWORK_COMMANDS;
