/**
 * The reference scripts' flags that mean something else here, or nothing (accepted with a one-line note on
 * stderr saying what was done instead), and the flags of the reference's conventions
 * (docs/reference-differences.md): `--conventions reference` reproduces the reference code everywhere, each
 * `--<convention>` flag one difference at a time.
 */
import type { OptionSpec } from "./args.ts";
import type { ConfigIssue } from "../config/schema.ts";
import {
  ADAM_BIAS_CORRECTIONS,
  FIT_METHODS,
  MOMENTUM_CONVENTIONS,
  NTK_FORMULAS,
  PROJECT_CONVENTIONS,
  REFERENCE_CONVENTIONS,
  type Conventions,
} from "../vocabulary/conventions.ts";

/** The reference's flags without a direct meaning here: what they become is a note. */
export const COMPAT_FLAGS: Record<"workers" | "save_dir" | "verbose" | "log_frequency" | "val_frequency", OptionSpec> =
  {
    workers: {
      name: "workers",
      kind: "int",
      help: "the reference's torch thread count; here the number of worker threads (as --concurrency)",
    },
    save_dir: {
      name: "save_dir",
      kind: "string",
      metavar: "DIR",
      help: "the reference's output folder: results go to DIR/results.duckdb (unless --db is given)",
    },
    verbose: {
      name: "verbose",
      kind: "flag",
      help: "the reference prints the loss every --log_frequency steps; here the progress display shows it",
    },
    log_frequency: {
      name: "log_frequency",
      kind: "int",
      help: "the reference's print interval under --verbose; accepted and ignored (--record picks the stored steps)",
    },
    val_frequency: {
      name: "val_frequency",
      kind: "int",
      help: "the reference's test-split evaluation interval; accepted and ignored (no validation split here)",
    },
  };

/** Which conventions a command can use. */
export type ConventionScope = "momentum" | "adam_bias_correction" | "ntk_formula" | "fit_windows";

const CONVENTION_FLAG: Record<ConventionScope, OptionSpec> = {
  momentum: {
    name: "momentum_convention",
    kind: "choice",
    choices: [...MOMENTUM_CONVENTIONS],
    default: PROJECT_CONVENTIONS.momentum,
    help:
      "how β is read under a varying lr: classic (v ← βv − αg) everywhere, pytorch (p ← g + βp, d ← d − αp) " +
      "everywhere, or reference (PyTorch's in linearized and nn, classic in sd and full, as the reference code)",
  },
  adam_bias_correction: {
    name: "adam_bias_correction",
    kind: "choice",
    choices: [...ADAM_BIAS_CORRECTIONS],
    default: PROJECT_CONVENTIONS.adam_bias_correction,
    help: "Adam's bias correction: standard 1 − β^t, or the reference's 1 − β^(t+1)",
  },
  ntk_formula: {
    name: "ntk_formula",
    kind: "choice",
    choices: [...NTK_FORMULAS],
    default: PROJECT_CONVENTIONS.ntk_formula,
    help: "the analytic NTK: exact, or the reference's NTK_2_layer (without the factor √(Σ_ii Σ_jj))",
  },
  fit_windows: {
    name: "fit_windows",
    kind: "choice",
    choices: [...FIT_METHODS],
    default: PROJECT_CONVENTIONS.fit_windows,
    help:
      "ν, κ fits: log (whole window + log-equal sub-windows) or the reference's fit_line (3 linear sub-windows " +
      "of k ∈ [5, 300] for ν, [10, 310] for κ)",
  },
};

/** The --conventions flag and the given scopes' flags. */
export function conventionFlags(scopes: readonly ConventionScope[]): OptionSpec[] {
  return [
    {
      name: "conventions",
      kind: "choice",
      choices: ["project", "reference"],
      default: "project",
      help:
        "reference: every convention where the project differs from the reference code is the reference's " +
        "(the --<convention> flags below, --jacobi_indexing, and compare's --lr_scale none); see " +
        "docs/reference-differences.md",
    },
    ...scopes.map((s) => CONVENTION_FLAG[s]),
  ];
}

/** Whether --conventions reference was given. */
export const referenceAll = (v: Record<string, unknown>) => v.conventions === "reference";

/** A flag's value, or the reference's when --conventions reference is given and the flag is not. */
export function conventionValue<T>(v: Record<string, unknown>, given: Set<string>, flag: string, reference: T): T {
  return referenceAll(v) && !given.has(flag) ? reference : (v[flag] as T);
}

/** The config's `conventions` block (absent when every convention is the project's). */
export function conventionsFromFlags(v: Record<string, unknown>, given: Set<string>): Partial<Conventions> | undefined {
  const out: Record<string, unknown> = {};
  for (const [scope, spec] of Object.entries(CONVENTION_FLAG) as [ConventionScope, OptionSpec][]) {
    if (!given.has(spec.name) && !referenceAll(v)) continue;
    const value = conventionValue(v, given, spec.name, REFERENCE_CONVENTIONS[scope]);
    if (value !== undefined && value !== PROJECT_CONVENTIONS[scope]) out[scope] = value;
  }
  return Object.keys(out).length > 0 ? (out as Partial<Conventions>) : undefined;
}

/**
 * The runner values the reference's flags set (--save_dir DIR → --db DIR/results.duckdb, --workers → --concurrency),
 * with their notes, and the notes of the flags that are accepted and ignored.
 */
export function compatFromFlags(
  v: Record<string, unknown>,
  given: Set<string>,
  notes: string[],
): { values: Record<string, unknown>; issues: ConfigIssue[] } {
  const values: Record<string, unknown> = {};
  const issues: ConfigIssue[] = [];
  if (given.has("save_dir")) {
    const dir = String(v.save_dir).replace(/\/+$/, "") || ".";
    if (given.has("db")) notes.push(`--save_dir ${String(v.save_dir)}: ignored, --db ${String(v.db)} is given`);
    else {
      values.db = `${dir}/results.duckdb`;
      notes.push(
        `--save_dir ${String(v.save_dir)}: results go to ${dir}/results.duckdb (a DuckDB file, not the reference's ` +
          ".pth; read it with powerlaw-sgd query/export --db)",
      );
    }
  }
  if (given.has("workers")) {
    const w = v.workers as number;
    if (given.has("concurrency"))
      notes.push(`--workers ${w}: ignored, --concurrency ${String(v.concurrency)} is given`);
    else if (Number.isInteger(w) && w >= 1) {
      values.concurrency = w;
      notes.push(
        `--workers ${w}: ${w} worker thread${w === 1 ? "" : "s"} (--concurrency; the reference's torch threads)`,
      );
    } else issues.push({ path: "", message: "--workers must be an integer ≥ 1", value: w, allowed: "an integer ≥ 1" });
  }
  if (given.has("verbose"))
    notes.push("--verbose: the progress display shows every run's step and loss (--quiet hides it)");
  if (given.has("log_frequency"))
    notes.push(
      `--log_frequency ${String(v.log_frequency)}: ignored (it paces the reference's --verbose printing; ` +
        "every step's loss is stored unless --record says otherwise)",
    );
  if (given.has("val_frequency"))
    notes.push(
      `--val_frequency ${String(v.val_frequency)}: ignored (the reference evaluates the data set's test split; ` +
        "runs here train on the N-point subset and store its loss)",
    );
  return { values, issues };
}
