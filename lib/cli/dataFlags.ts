/**
 * The data set flags of every command that builds a problem from data (sd, full, linearized, theory on
 * `--dataset mnist|…`; compare, nn, spectrum), and their translation into a problem config {kind: 'dataset', …}.
 * Besides the project's data sets this accepts the reference scripts' names: bike_sharing and sgemm_product are
 * its UCI tables (read from --data_root as its get_uci_data does, as tabular problems), digits and olivetti_faces
 * come from scikit-learn and are not available here (the error says how to export them).
 */
import type { OptionSpec } from "./args.ts";
import type { ConfigIssue } from "../config/schema.ts";
import { CATEGORICAL_POLICIES, DATASETS } from "../vocabulary/datasets.ts";

/** The reference's UCI tables (datasets/get_data.py get_uci_data): file under --data_root, target, dropped columns. */
export const REFERENCE_TABLES: Record<string, { file: string; target: string | string[]; drop: string[] }> = {
  bike_sharing: { file: "Bike-Sharing/hour.csv", target: "cnt", drop: ["instant", "dteday", "casual", "registered"] },
  sgemm_product: {
    file: "sgemm_product/sgemm_product.csv",
    target: ["Run1 (ms)", "Run2 (ms)", "Run3 (ms)", "Run4 (ms)"],
    drop: [],
  },
};

/** The reference's scikit-learn data sets (get_sklearn_data): not shipped, not downloadable here. */
export const SKLEARN_DATASETS = ["digits", "olivetti_faces"] as const;

const REFERENCE_NAMES = [...Object.keys(REFERENCE_TABLES), ...SKLEARN_DATASETS];
export const NETWORK_DATASET_CHOICES = [...DATASETS, ...REFERENCE_NAMES];
export const KERNEL_DATASET_CHOICES = ["synthetic", ...NETWORK_DATASET_CHOICES];

const DATASET_HELP =
  "mnist (shipped), cifar10 (binary batches in --data_root), tabular (--data_file, --target), diamonds (shipped " +
  "example), gaussian (x ~ N(0, I_d), random ReLU teacher); the reference's bike_sharing and sgemm_product " +
  "(its CSV files under --data_root)";

/** The data set flags; `kernel`: the sd/full/linearized/theory variant (synthetic by default, NTK kind flags). */
export function dataFlags(variant: "kernel" | "network"): OptionSpec[] {
  const kernel = variant === "kernel";
  return [
    {
      name: "dataset",
      kind: "choice",
      choices: kernel ? KERNEL_DATASET_CHOICES : NETWORK_DATASET_CHOICES,
      default: kernel ? "synthetic" : "mnist",
      help: kernel
        ? `problem: synthetic (--N --nu --kappa), or the NTK problem of a data set: ${DATASET_HELP}`
        : `data set: ${DATASET_HELP}`,
    },
    {
      name: "data_root",
      kind: "string",
      metavar: "DIR",
      default: "./data",
      help:
        "cifar10: folder with data_batch_*.bin (or its cifar-10-batches-bin subfolder); bike_sharing, sgemm_product: " +
        "the folder holding Bike-Sharing/hour.csv, sgemm_product/sgemm_product.csv; with --from_saved --ntk_model: " +
        "NT_kernels/ and NT_errors/",
    },
    { name: "data_file", kind: "string", metavar: "FILE", help: "tabular: a .csv or .parquet file" },
    {
      name: "target",
      kind: "strings",
      metavar: "COLUMN",
      help: "tabular: the target column (several: their row mean)",
    },
    {
      name: "categorical",
      kind: "choice",
      choices: [...CATEGORICAL_POLICIES],
      default: "onehot",
      help: "tabular, diamonds: text columns one-hot encoded, or rejected",
    },
    { name: "drop", kind: "strings", metavar: "COLUMN", help: "tabular: columns to leave out" },
    { name: "input_dim", kind: "int", default: 16, help: "gaussian: input dimension d" },
    {
      name: "data_seed",
      kind: "int",
      default: 42,
      help: "seed of the subset of N points (and of the gaussian inputs)",
    },
  ];
}

/** The NTK flags of the kernel commands on a data set. */
export const NTK_FLAGS: OptionSpec[] = [
  {
    name: "ntk",
    kind: "choice",
    choices: ["analytic", "empirical"],
    default: "analytic",
    help:
      "the kernel of --dataset problems: the infinite-width ReLU NTK with the standardised targets as residual " +
      "(the reference's generate_mnist_ntk_data), or the empirical NTK of a network of width --hidden_dim",
  },
  { name: "hidden_dim", kind: "int", default: 1000, help: "--ntk empirical: hidden width H of the network" },
];

const listOf = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : v === undefined ? [] : [String(v)]);

/**
 * The problem part for a data set: {kind: 'dataset', …}. Flags that belong to another data set are issues (in
 * flag words); --data_root where the data set reads no folder is a note (the reference scripts always pass it).
 */
export function datasetProblemFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  notes: string[] = [],
): { problem: Record<string, unknown>; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const name = v.dataset as string;
  const table = REFERENCE_TABLES[name];
  const ds = table ? "tabular" : name;
  const problem: Record<string, unknown> = { kind: "dataset", dataset: ds, N: v.N, data_seed: v.data_seed };
  if (v.hidden_dim !== undefined) problem.hidden_dim = v.hidden_dim;
  if ((SKLEARN_DATASETS as readonly string[]).includes(name)) {
    issues.push({
      path: "problem.dataset",
      message:
        `the reference loads ${name} from scikit-learn, which is not available here; export it to CSV ` +
        `(X, y = sklearn.datasets.${name === "digits" ? "load_digits" : "fetch_olivetti_faces"}(return_X_y=True)) ` +
        "and use --dataset tabular --data_file FILE --target COLUMN",
      value: name,
      allowed: NETWORK_DATASET_CHOICES.filter((d) => !(SKLEARN_DATASETS as readonly string[]).includes(d)).join(", "),
    });
    return { problem, issues };
  }
  const only = (flags: string[], owners: string[]) => {
    const wrong = flags.filter((f) => given.has(f));
    if (!owners.includes(ds) && wrong.length) {
      issues.push({
        path: "",
        message:
          `${wrong.map((f) => `--${f}`).join(", ")} only appl${wrong.length === 1 ? "ies" : "y"} ` +
          `to --dataset ${owners.join(" or ")}`,
        value: name,
        allowed: "omit them",
      });
    }
  };
  only(["data_file", "target", "drop"], ["tabular"]);
  only(["categorical"], ["tabular", "diamonds"]);
  only(["input_dim"], ["gaussian"]);
  if (table) {
    for (const f of ["data_file", "target", "drop"])
      if (given.has(f))
        issues.push({
          path: "",
          message: `--${f} does not apply to --dataset ${name} (its file and columns are the reference's)`,
          value: v[f],
          allowed: "omit it, or use --dataset tabular",
        });
    const root = String(v.data_root).replace(/\/+$/, "");
    problem.path = `${root}/${table.file}`;
    problem.target = table.target;
    if (table.drop.length > 0) problem.drop = table.drop;
  } else if (ds === "tabular") {
    if (given.has("data_file")) problem.path = v.data_file;
    else
      issues.push({
        path: "problem.path",
        message: "--dataset tabular needs --data_file FILE",
        value: undefined,
        allowed: "a .csv or .parquet file",
      });
    const target = listOf(v.target);
    if (target.length > 0) problem.target = target.length === 1 ? target[0] : target;
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
  else if (!table && given.has("data_root"))
    notes.push(
      `--data_root ${String(v.data_root)}: not read for --dataset ${name}` +
        (name === "mnist"
          ? " (MNIST comes from the `mnist` package shipped with the project: " +
            "10 000 digits, not torchvision's download)"
          : ""),
    );
  if ((ds === "tabular" || ds === "diamonds") && given.has("categorical")) problem.categorical = v.categorical;
  if (ds === "gaussian") problem.input_dim = v.input_dim;
  return { problem, issues };
}
