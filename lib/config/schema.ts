/**
 * The experiment config (zod 4): one JSON document describes a whole sweep. The CLI's per-regime commands
 * build the same object from their flags, so a sweep run from flags and one run from a file are the same.
 *
 * Bad input is reported as a list of ConfigIssue (field path, the value found, what is allowed), never
 * thrown: callers print every problem at once and exit 2 before writing anything.
 */
import { z } from "zod";
import { CATEGORICAL_POLICIES, DATASETS, NTK_KINDS } from "../vocabulary/datasets.ts";
import { NN_ENGINES, TF_BACKEND_CHOICES } from "../vocabulary/tfBackends.ts";
import {
  ADAM_BIAS_CORRECTIONS,
  FIT_METHODS,
  MOMENTUM_CONVENTIONS,
  NTK_FORMULAS,
  PROJECT_CONVENTIONS,
  type Conventions,
} from "../vocabulary/conventions.ts";

/** A finite number (JSON has no NaN/Infinity; the CLI's parser may produce them and they are refused here). */
const finite = () => z.number();
const list = <T extends z.ZodType>(item: T) => z.array(item).min(1);
const posInt = () => z.number().int().min(1);

export const SEED_MAX = 2 ** 31 - 1;

export const SyntheticProblemSchema = z.strictObject({
  kind: z.literal("synthetic"),
  /** number of training points = modes (≥ 2) */
  N: z.number().int().min(2),
  /** spectral exponent ν > 0: λ_k = k^(−ν) */
  nu: finite().gt(0),
  /** target exponent κ > −1: C_k(0) ∝ k^(−κ−1) */
  kappa: finite().gt(-1),
  /** the reference's λ_min: λ_k = λ_min + (1 − λ_min)·k^(−ν) (0 = the plain power law) */
  lambda_min: finite().min(0).max(1).default(0),
  /** eigenvalues below this are raised to it: λ_k ← max(λ_k, λ_floor) (0 = none) */
  lambda_floor: finite().min(0).max(1).default(0),
  /** seed of the Haar-random eigenvectors (dense regimes); default: the experiment seed */
  seed: z.number().int().min(0).max(SEED_MAX).optional(),
});

export const KernelProblemSchema = z.strictObject({
  kind: z.literal("kernel"),
  /** path of an N×N symmetric kernel, NumPy .npy float32/float64, C order (relative to the config file) */
  kernel: z.string().min(1),
  /** path of the length-N initial residual d_0 = f(X) − y, .npy */
  residual: z.string().min(1),
  /**
   * 'reference': rescale K to λ_max = N and standardise the residual (docs/theory.md §1);
   * 'none': use as given (K̂ = K/N)
   */
  normalize: z.enum(["reference", "none"]).default("reference"),
});

/**
 * A kernel and residual saved by the reference's pipeline (its --from_saved --data_path): the arrays
 * NTK_train_train and target_train_train of a PyTorch .pth/.pt file, a NumPy .npz, or a folder holding
 * NTK_train_train.npy and target_train_train.npy. Normalised like a kernel problem ('reference': K rescaled to
 * λ_max = N, the residual standardised, as its load_kernel_and_err).
 */
export const SavedProblemSchema = z.strictObject({
  kind: z.literal("saved"),
  /** the .pth/.pt/.npz file or the folder (relative to the config file) */
  path: z.string().min(1),
  normalize: z.enum(["reference", "none"]).default("reference"),
});

export { DATASETS, NTK_KINDS } from "../vocabulary/datasets.ts";

/**
 * A two-layer ReLU network (docs/theory.md §2.1) on a data set: its NTK (rescaled to λ_max = N) and initial
 * residual are the kernel problem of the sd/full/linearized runs, and the network itself is what the nn regime
 * trains. One initial network per problem, built once and cached on disk next to the results file
 * (<db folder>/problems/<id>/).
 */
export const DatasetProblemSchema = z.strictObject({
  kind: z.literal("dataset"),
  /**
   * mnist: the digits shipped in the `mnist` package (up to 10 000); cifar10: the CIFAR-10 binary batches in the
   * folder `path`; tabular: the CSV/Parquet file `path` with the numeric column `target`; diamonds: the shipped
   * tabular example (target price); gaussian: synthetic inputs x ~ N(0, I_d), target a random ReLU teacher
   */
  dataset: z.enum(DATASETS),
  /** training points: a stratified subset (mnist, cifar10) or a random one (tabular, diamonds) of this size */
  N: z.number().int().min(2),
  /** hidden width H of the network */
  hidden_dim: posInt().default(1000),
  /**
   * the kernel of the sd/full/linearized runs: the initial network's empirical NTK (with its residual f₀(X) − y), or
   * the infinite-width ReLU NTK (residual −y)
   */
  ntk: z.enum(NTK_KINDS).default("empirical"),
  /** seed of the initial network's weights (generator 2⁵² + seed); default: the experiment seed */
  seed: z.number().int().min(0).max(SEED_MAX).optional(),
  /** seed of the subset of N points (and of the gaussian inputs) */
  data_seed: z.number().int().min(0).max(SEED_MAX).default(42),
  /**
   * tabular: the .csv/.parquet file; cifar10: the folder with data_batch_*.bin (or its parent holding
   * cifar-10-batches-bin). Relative to the config file
   */
  path: z.string().min(1).optional(),
  /** tabular: the target column, or several whose mean is the target (the reference's sgemm_product) */
  target: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** tabular: columns to leave out */
  drop: z.array(z.string().min(1)).optional(),
  /** tabular, diamonds: text columns one-hot encoded (default) or rejected */
  categorical: z.enum(CATEGORICAL_POLICIES).optional(),
  /** gaussian: input dimension d (default 16) */
  input_dim: posInt().optional(),
});

/** The problem: a synthetic power law, a kernel + residual from files (or saved), or a network on a data set. */
export const ProblemSchema = z.discriminatedUnion("kind", [
  SyntheticProblemSchema,
  KernelProblemSchema,
  SavedProblemSchema,
  DatasetProblemSchema,
]);

export const SdRegimeSchema = z.strictObject({
  regime: z.literal("sd"),
  /** τ values, any real (the reference sweeps −2, −1, 0, 1, 2; 1 = mean field, −1 = Gauss) */
  tau: list(finite()).default([1]),
});
export const FullRegimeSchema = z.strictObject({ regime: z.literal("full") });
export const LinearizedRegimeSchema = z.strictObject({
  regime: z.literal("linearized"),
  /** independent runs per setting; replicate r draws its batches from generator seed seed·2²¹ + r */
  replicates: posInt().default(1),
  optimizer: z.enum(["sgd", "adam"]).default("sgd"),
  /** Adam's parameters (optimizer 'adam'; the reference's --b1 --b2) */
  adam: z
    .strictObject({
      beta1: finite().min(0).lt(1).default(0.9),
      beta2: finite().min(0).lt(1).default(0.999),
      eps: finite().gt(0).default(1e-8),
    })
    .optional(),
});
export const NnRegimeSchema = z.strictObject({
  regime: z.literal("nn"),
  /** trainings per setting from the same initial network; replicate r draws the batches of linearized replicate r */
  replicates: posInt().default(1),
  /**
   * true: multiply the network's learning rate by N/λ_max(K_emp), so that α means what it means in the kernel
   * regimes; false: do not (the reference's four-regime script); a number: multiply by it (train_nn.py's --lr_scale)
   */
  lr_scale: z.union([z.boolean(), finite().gt(0)]).default(true),
  /**
   * gram: float64, full-train loss in O(N·b·H) a step; tfjs: the reference's loop in TensorFlow.js (float32, a forward
   * pass a step)
   */
  engine: z.enum(NN_ENGINES).default("gram"),
  /** TensorFlow.js backend of engine 'tfjs' (auto: tfjs-node if it loads, else wasm, else cpu) */
  backend: z.enum(TF_BACKEND_CHOICES).default("auto"),
});
export const RegimeSchema = z.discriminatedUnion("regime", [
  SdRegimeSchema,
  FullRegimeSchema,
  LinearizedRegimeSchema,
  NnRegimeSchema,
]);

export const ScheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("constant") }),
  z.strictObject({
    kind: z.literal("jacobi"),
    /** Jacobi weight exponents (> −1), swept like lr */
    a: list(finite().gt(-1)).default([1]),
    b: list(finite().gt(-1)).default([1]),
    /** 'exact': residual polynomials are exactly Jacobi; 'reference': the reference code's one-late indexing */
    indexing: z.enum(["exact", "reference"]).default("exact"),
  }),
  z.strictObject({
    kind: z.literal("power"),
    /** α_n = lr·(1 + n/n0)^(−p) */
    p: list(finite().min(0)),
    n0: list(finite().gt(0)),
  }),
]);

export const SweepSchema = z.strictObject({
  lr: list(finite()),
  momentum: list(finite()).optional(),
  batch_size: list(posInt()),
  /** 'prod': Cartesian product; 'zip': element-wise (every list of equal length, or length 1) */
  aggr_type: z.enum(["prod", "zip"]).default("prod"),
  schedule: ScheduleSchema.default({ kind: "constant" }),
});

/**
 * The reference code's conventions, where the project deliberately differs; every field defaults to the project's
 * choice (docs/reference-differences.md). momentum: how β is read (classic | pytorch in every regime | reference:
 * PyTorch's in linearized and nn, classic in sd and full); adam_bias_correction: 1 − βᵗ | the reference's
 * 1 − β^(t+1); ntk_formula: the analytic NTK, exact | the reference's NTK_2_layer; fit_windows: ν, κ fits, log
 * sub-windows | the reference's fit_line.
 */
export const ConventionsSchema = z.strictObject({
  momentum: z.enum(MOMENTUM_CONVENTIONS).default(PROJECT_CONVENTIONS.momentum),
  adam_bias_correction: z.enum(ADAM_BIAS_CORRECTIONS).default(PROJECT_CONVENTIONS.adam_bias_correction),
  ntk_formula: z.enum(NTK_FORMULAS).default(PROJECT_CONVENTIONS.ntk_formula),
  fit_windows: z.enum(FIT_METHODS).default(PROJECT_CONVENTIONS.fit_windows),
});

export const RecordSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("all") }),
  z.strictObject({ mode: z.literal("every"), k: posInt() }),
  z.strictObject({ mode: z.literal("log"), per_decade: posInt() }),
]);

export const ExperimentSchema = z.strictObject({
  $schema: z.string().optional(),
  /** name of the experiment: runs.experiment; rerunning the same name resumes it */
  experiment: z.string().min(1).max(200),
  description: z.string().optional(),
  problem: ProblemSchema,
  regimes: list(RegimeSchema),
  sweep: SweepSchema,
  n_steps: posInt(),
  record: RecordSchema.default({ mode: "all" }),
  /** per-mode errors C_k(t) every `every` steps into the modes table (the reference's --track_diag_err --track_freq) */
  track: z.strictObject({ every: posInt() }).optional(),
  seed: z.number().int().min(0).max(SEED_MAX).default(0),
  /** a run diverges when its loss exceeds divergence_factor·L(0) or is not finite */
  divergence_factor: finite().gt(0).default(1e10),
  /** the reference code's conventions on request (absent: the project's everywhere) */
  conventions: ConventionsSchema.optional(),
});

export type ExperimentInput = z.input<typeof ExperimentSchema>;
export type Experiment = z.output<typeof ExperimentSchema>;
export type ProblemConfig = Experiment["problem"];
export type DatasetProblemConfig = Extract<ProblemConfig, { kind: "dataset" }>;
export type RegimeConfig = Experiment["regimes"][number];
export type ScheduleConfig = Experiment["sweep"]["schedule"];
export type RecordConfig = Experiment["record"];

/** The experiment's conventions with every default filled in. */
export function conventionsOf(e: Pick<Experiment, "conventions">): Conventions {
  return { ...PROJECT_CONVENTIONS, ...e.conventions };
}

/** One problem with the input: where, what was found, what is allowed. */
export interface ConfigIssue {
  /** dotted field path, e.g. 'sweep.lr[2]' ('' = the whole document); the CLI maps it to its flag */
  readonly path: string;
  readonly message: string;
  /** the offending value as found (undefined when missing) */
  readonly value?: unknown;
  /** what is allowed, in words */
  readonly allowed?: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** JSON-ish rendering of a value for messages (keeps NaN/Infinity visible, truncates long objects). */
export function showValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  let s: string;
  try {
    s = JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function formatIssue(issue: ConfigIssue, pathLabel?: string): string {
  const where = pathLabel ?? (issue.path === "" ? "(config)" : issue.path);
  const parts = [`${where}: ${issue.message}`];
  const details: string[] = [];
  if (!("value" in issue) || issue.value !== undefined) details.push(`got ${showValue(issue.value)}`);
  else details.push("missing");
  if (issue.allowed) details.push(`allowed: ${issue.allowed}`);
  return `${parts[0]} (${details.join("; ")})`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p as string];
  }
  return cur;
}

/** The schema at a path, following the discriminator values present in the input. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[], root: unknown): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  const walked: PropertyKey[] = [];
  const unwrap = (s: z.ZodType): z.ZodType => {
    let x = s;
    for (;;) {
      if (x instanceof z.ZodDefault || x instanceof z.ZodOptional) x = x.unwrap() as z.ZodType;
      else break;
    }
    if (x instanceof z.ZodDiscriminatedUnion) {
      const data = valueAt(root, walked) as Record<string, unknown> | undefined;
      const key = (x as unknown as { _zod: { def: { discriminator: string } } })._zod.def.discriminator;
      const match = (x.options as z.ZodType[]).find((o) => {
        const lit = (o as z.ZodObject).shape[key];
        return lit instanceof z.ZodLiteral && data !== undefined && data !== null && lit.values.has(data[key] as never);
      });
      return match ?? x;
    }
    return x;
  };
  cur = unwrap(cur);
  for (const p of path) {
    if (cur instanceof z.ZodObject) cur = cur.shape[p as string] as z.ZodType | undefined;
    else if (cur instanceof z.ZodArray) cur = cur.element as z.ZodType;
    else return undefined;
    walked.push(p);
    if (!cur) return undefined;
    cur = unwrap(cur);
  }
  return cur;
}

function describeNumberChecks(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === "too_small") {
    const op = issue.inclusive ? "≥" : ">";
    return issue.origin === "array"
      ? `at least ${issue.minimum} item(s)`
      : issue.origin === "string"
        ? "a non-empty string"
        : `a number ${op} ${issue.minimum}`;
  }
  if (issue.code === "too_big") {
    const op = issue.inclusive ? "≤" : "<";
    return issue.origin === "array" ? `at most ${issue.maximum} item(s)` : `a number ${op} ${issue.maximum}`;
  }
  return undefined;
}

/** zod issues → ConfigIssues with the value as found in the input and the allowed values or keys. */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType = ExperimentSchema,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path;
    const value = valueAt(input, path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const s = schemaAt(schema, path, input);
        const allowed = s instanceof z.ZodObject ? Object.keys(s.shape).join(", ") : undefined;
        for (const key of issue.keys) {
          out.push({
            path: formatPath([...path, key]),
            message: "unknown key",
            value: valueAt(input, [...path, key]),
            allowed,
          });
        }
        break;
      }
      case "invalid_type": {
        const missing = value === undefined;
        const expected =
          issue.expected === "int" ? "an integer" : issue.expected === "number" ? "a finite number" : issue.expected;
        out.push({ path: formatPath(path), message: missing ? "required" : "wrong type", value, allowed: expected });
        break;
      }
      case "invalid_value":
        out.push({
          path: formatPath(path),
          message: "not one of the allowed values",
          value,
          allowed: issue.values.map((v) => JSON.stringify(v)).join(" | "),
        });
        break;
      case "invalid_union": {
        const u = issue as z.core.$ZodIssueInvalidUnion & { discriminator?: string; options?: unknown[] };
        if (u.discriminator) {
          const p = path[path.length - 1] === u.discriminator ? path : [...path, u.discriminator];
          out.push({
            path: formatPath(p),
            message: value === undefined ? "required" : "not one of the allowed values",
            value: valueAt(input, p),
            allowed: (u.options ?? []).map((v) => JSON.stringify(v)).join(" | "),
          });
        } else {
          // a value of none of the accepted types: list them (e.g. lr_scale: a boolean or a number)
          const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
          const types = branches.map((b) =>
            b.length === 1 && b[0].code === "invalid_type" && b[0].path.length === 0 ? b[0].expected : undefined,
          );
          if (types.length > 0 && types.every((t) => t !== undefined)) {
            const word = (t: string) =>
              t === "number" ? "a finite number" : t === "array" ? "a list" : t === "string" ? "a string" : t;
            out.push({ path: formatPath(path), message: "wrong type", value, allowed: types.map(word).join(" or ") });
          } else out.push({ path: formatPath(path), message: issue.message, value });
        }
        break;
      }
      default: {
        const allowed = describeNumberChecks(issue);
        const message =
          issue.code === "too_small"
            ? issue.origin === "array"
              ? "too few items"
              : "too small"
            : issue.code === "too_big"
              ? issue.origin === "array"
                ? "too many items"
                : "too large"
              : issue.message;
        out.push({ path: formatPath(path), message, value, allowed });
      }
    }
  }
  return out;
}

/** Validates a parsed JSON document against the schema and the rules zod cannot express alone. */
export function parseExperiment(input: unknown): ParseResult<Experiment> {
  const r = ExperimentSchema.safeParse(input, { reportInput: true });
  if (!r.success) {
    // list the cross-field problems too (where the fields involved are themselves well-formed)
    const issues = fromZodIssues(r.error.issues, input);
    const seen = new Set(issues.map((i) => i.path));
    for (const extra of checkExperiment(input)) if (!seen.has(extra.path)) issues.push(extra);
    return { ok: false, issues };
  }
  const issues = checkExperiment(r.data);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: r.data };
}

const isNumList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number");
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Cross-field rules: zip lengths (equal or 1), batch sizes ≤ N when N is known from the config, momentum not
 * given with the Jacobi schedule (its β_n comes from a, b), regimes listed once. Works on parsed configs and,
 * defensively, on raw input (so that every problem is reported in one go).
 */
export function checkExperiment(input: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const e = obj(input);
  const s = obj(e.sweep);
  const sched = obj(s.schedule);
  if (s.aggr_type === "zip") {
    const lists = sweptListsRaw(s).filter(([, v]) => isNumList(v)) as [string, number[]][];
    const n = Math.max(...lists.map(([, v]) => v.length));
    for (const [name, v] of lists) {
      if (v.length !== 1 && v.length !== n) {
        issues.push({
          path: `sweep.${name}`,
          message: `with aggr_type 'zip' every list has the same length or length 1; the longest has ${n}`,
          value: v,
          allowed: `a list of length 1 or ${n}`,
        });
      }
    }
  }
  const m = s.momentum;
  if (sched.kind === "jacobi" && m !== undefined && !(Array.isArray(m) && m.length === 1 && m[0] === 0)) {
    issues.push({
      path: "sweep.momentum",
      message: "the jacobi schedule sets β_n from a and b; momentum is not used with it",
      value: m,
      allowed: "omit it (or [0])",
    });
  }
  const p = obj(e.problem);
  if ((p.kind === "synthetic" || p.kind === "dataset") && typeof p.N === "number" && Number.isInteger(p.N) && p.N >= 2)
    issues.push(...checkBatchSizes(s.batch_size, p.N));
  if (p.kind === "dataset") issues.push(...checkDatasetProblem(p));
  const seen = new Set<unknown>();
  if (Array.isArray(e.regimes)) {
    e.regimes.forEach((r, i) => {
      const name = obj(r).regime;
      if (typeof name !== "string") return;
      if (seen.has(name))
        issues.push({
          path: `regimes[${i}].regime`,
          message: "regime listed twice (put all its τ values in one entry)",
          value: name,
          allowed: "each regime once",
        });
      seen.add(name);
      if (name === "nn") {
        if (p.kind !== undefined && p.kind !== "dataset") {
          issues.push({
            path: `regimes[${i}].regime`,
            message: `the network regime needs a network: problem.kind 'dataset', not ${JSON.stringify(p.kind)}`,
            value: name,
            allowed: "sd | full | linearized for this problem",
          });
        } else if (p.kind === "dataset" && p.ntk === "analytic") {
          issues.push({
            path: "problem.ntk",
            message:
              "the nn regime trains the initial network, whose kernel is its empirical NTK " +
              "(lr_scale = N/λ_max(K_emp)); run nn with ntk 'empirical'",
            value: p.ntk,
            allowed: '"empirical" (or drop the nn regime)',
          });
        }
        const rr = obj(r);
        if (rr.engine !== "tfjs" && rr.backend !== undefined && rr.backend !== "auto") {
          issues.push({
            path: `regimes[${i}].backend`,
            message: "the TensorFlow.js backend only applies to engine 'tfjs'",
            value: rr.backend,
            allowed: 'omit it, or set engine "tfjs"',
          });
        }
      }
    });
  }
  return issues;
}

/** Which fields of a dataset problem apply to which data set. */
const DATASET_FIELDS: Record<string, readonly (typeof DATASETS)[number][]> = {
  path: ["tabular", "cifar10"],
  target: ["tabular"],
  drop: ["tabular"],
  categorical: ["tabular", "diamonds"],
  input_dim: ["gaussian"],
};

/** A dataset problem's fields that belong to another data set, and the ones its data set needs. */
function checkDatasetProblem(p: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ds = p.dataset;
  if (typeof ds !== "string" || !(DATASETS as readonly string[]).includes(ds)) return issues;
  for (const [field, owners] of Object.entries(DATASET_FIELDS)) {
    if (p[field] !== undefined && !owners.includes(ds as never)) {
      issues.push({
        path: `problem.${field}`,
        message: `only applies to dataset ${owners.map((o) => `'${o}'`).join(" or ")}, not '${ds}'`,
        value: p[field],
        allowed: "omit it",
      });
    }
  }
  if (ds === "tabular" && p.path === undefined)
    issues.push({
      path: "problem.path",
      message: "dataset 'tabular' needs the data file",
      value: undefined,
      allowed: "a .csv or .parquet file (relative to the config file)",
    });
  if (ds === "tabular" && p.target === undefined)
    issues.push({
      path: "problem.target",
      message: "dataset 'tabular' needs the target column",
      value: undefined,
      allowed: "a numeric column of the file",
    });
  if (ds === "cifar10" && p.path === undefined)
    issues.push({
      path: "problem.path",
      message: "dataset 'cifar10' needs the folder of the binary batches",
      value: undefined,
      allowed: "a folder holding data_batch_1.bin … (or cifar-10-batches-bin)",
    });
  return issues;
}

/** Batch sizes must be integers in 1..N; for kernel problems N is known only once the files are read. */
export function checkBatchSizes(batchSizes: unknown, N: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(batchSizes)) return issues;
  batchSizes.forEach((b, i) => {
    if (typeof b === "number" && Number.isInteger(b) && b > N)
      issues.push({
        path: `sweep.batch_size[${i}]`,
        message: `batch size larger than N = ${N}`,
        value: b,
        allowed: `an integer in 1..${N}`,
      });
  });
  return issues;
}

/** The lists that take part in the product/zip, in the reference's order (batch_size, lr, momentum, a, b). */
function sweptListsRaw(s: Record<string, unknown>): [string, unknown][] {
  const sched = obj(s.schedule);
  const lists: [string, unknown][] = [
    ["batch_size", s.batch_size],
    ["lr", s.lr],
  ];
  if (sched.kind !== "jacobi") lists.push(["momentum", s.momentum ?? [0]]);
  if (sched.kind === "jacobi") lists.push(["schedule.a", sched.a ?? [1]], ["schedule.b", sched.b ?? [1]]);
  if (sched.kind === "power") lists.push(["schedule.p", sched.p], ["schedule.n0", sched.n0]);
  return lists;
}

/** The JSON Schema of the experiment config (draft 2020-12), as published in data/experiments/. */
export function experimentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ExperimentSchema, { io: "input" }) as Record<string, unknown>;
}
