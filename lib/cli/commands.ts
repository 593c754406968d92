/**
 * Every command's name, one-line summary, usage, description and flags (light: nothing heavy is imported, so
 * `--help` and bad input answer fast). The implementations live in one file per command family: sweep.ts (sd,
 * full, linearized, compare, nn, run), theory.ts, results.ts (query, export, schema), spectrum.ts, prepare.ts and
 * merge.ts (sharded sweeps, docs/cluster.md).
 */
import { formatHelp, parseArgs, type OptionSpec, type ParsedArgs } from "./args.ts";
import { UsageError } from "./io.ts";
import { PROBLEM_FLAGS, SWEEP_FLAGS, STEP_FLAGS, STORE_FLAGS, REGIME_FLAGS } from "./flags.ts";
import { NETWORK_COMMANDS } from "./networkFlags.ts";
import { TABLES } from "../store/schema.ts";

export const DEFAULT_DB = "data/results.duckdb";
export const EXPORT_TABLES = TABLES.filter((t) => t.name !== "meta").map((t) => t.name);

export interface CommandSpec {
  summary: string;
  usage: string;
  description: string;
  flags: OptionSpec[];
}

// `run` keeps --workers as a plain alias of --concurrency (the reference-script commands print a note for it)
const RUN_FLAGS: OptionSpec[] = STORE_FLAGS.filter((f) =>
  ["db", "concurrency", "shard", "shards", "dry_run", "quiet", "live"].includes(f.name),
).map((f) => (f.name === "concurrency" ? { ...f, aliases: ["workers"] } : f));

/** query and export during a sweep: how long to wait for the sweep's snapshot (lib/store/read.ts). */
const WAIT_FLAG: OptionSpec = {
  name: "wait",
  kind: "float",
  metavar: "SECONDS",
  default: 30,
  help: "while a sweep writes the file: wait at most this long for its snapshot",
};

/** The kernel commands take their reference script's flags (docs/cli.md, docs/reference-differences.md). */
const REFERENCE_NOTE =
  "Problem: --dataset synthetic (--N --nu --kappa), a data set's NTK (--dataset mnist|…), --kernel/--residual, or\n" +
  "the reference's --from_saved. Every flag of the reference script is accepted; those with another meaning here\n" +
  "print a note; --conventions reference reproduces the reference code where the project differs.";

export const COMMANDS: Record<string, CommandSpec> = {
  sd: {
    summary: "spectral-diagonal SD(τ) dynamics (train_spectral_diagonal.py)",
    usage: "powerlaw-sgd sd [--tau T ...] [--lr A ...] [--momentum B ...] [--batch_size b ...] [options]",
    description:
      "Runs the SD(τ) dynamics (O(N) a step) for every setting of the sweep and stores the loss curves.\n" +
      REFERENCE_NOTE,
    flags: [...REGIME_FLAGS.sd, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  full: {
    summary: "full second-moment dynamics averaged over batches (train_full.py)",
    usage: "powerlaw-sgd full [--lr A ...] [--momentum B ...] [--batch_size b ...] [options]",
    description:
      "Runs the exact batch-averaged second-moment dynamics (two N³ products a step) for every setting.\n" +
      REFERENCE_NOTE,
    flags: [...REGIME_FLAGS.full, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  linearized: {
    summary: "linearized (kernel) SGD / Adam, R replicates (train_linearized.py)",
    usage: "powerlaw-sgd linearized [--runs R] [--optimizer sgd|adam] [--lr A ...] [options]",
    description:
      "Runs mini-batch SGD with momentum (or Adam) on the linearized model, R independent replicates per setting\n" +
      "(replicate r draws its batches from generator seed seed·2²¹ + r).\n" +
      REFERENCE_NOTE,
    flags: [...REGIME_FLAGS.linearized, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  run: {
    summary: "run a whole experiment from a JSON config",
    usage: "powerlaw-sgd run CONFIG.json [--db PATH] [--concurrency N] [--shard i/n] [--dry_run] [--quiet]",
    description:
      "Runs every regime and setting of an experiment config (JSON Schema: `powerlaw-sgd schema`). " +
      "Kernel and residual\n" +
      "paths are relative to the config file. Rerunning resumes: finished runs are skipped.",
    flags: RUN_FLAGS,
  },
  query: {
    summary: "run read-only SQL on the results",
    usage: 'powerlaw-sgd query "SQL" [--db PATH] [--format json|csv|table] [--wait SECONDS]',
    description:
      "Runs SQL on the results file, opened read-only; while a sweep writes it, on a snapshot the sweep copies on\n" +
      "request (every run committed before the query). json: one array of row objects (numbers as JSON numbers,\n" +
      "NaN/Infinity as null, timestamps as ISO strings).",
    flags: [
      STORE_FLAGS[0],
      { name: "format", kind: "choice", choices: ["json", "csv", "table"], default: "table", help: "output format" },
      WAIT_FLAG,
    ],
  },
  export: {
    summary: "write every table as Parquet or Arrow IPC",
    usage: "powerlaw-sgd export [--format parquet|arrow] [--out DIR] [--tables T ...] [--db PATH] [--wait SECONDS]",
    description: "Writes one file per table (experiments, problems, spectra, runs, curves, modes) to DIR.",
    flags: [
      STORE_FLAGS[0],
      {
        name: "format",
        kind: "choice",
        choices: ["parquet", "arrow"],
        default: "parquet",
        help: "file format (arrow = Arrow IPC file, .arrow)",
      },
      { name: "out", kind: "string", metavar: "DIR", default: "data/export", help: "output folder" },
      { name: "tables", kind: "strings", metavar: "TABLE", default: EXPORT_TABLES, help: "tables to export" },
      WAIT_FLAG,
    ],
  },
  theory: {
    summary: "generating-function predictions for each setting (no runs)",
    usage: "powerlaw-sgd theory [problem and sweep flags] [--tau T ...] [--format json|table]",
    description:
      "For every setting: Ũ(1) (U1), Ṽ(1) (V1), the convergence verdict, α_crit at that β, b, τ, λ_c, " +
      "the phase from (ν, ζ),\n" +
      "the predicted asymptotic loss law L_t ≈ constant·t^(−exponent), the optimal Ũ(1) and α, " +
      "and both negative-momentum\n" +
      "conditions. Kernel problems use ν, κ fitted from the spectrum. json: one array, one object per setting.",
    flags: [
      ...REGIME_FLAGS.sd,
      ...PROBLEM_FLAGS,
      ...SWEEP_FLAGS,
      { name: "seed", kind: "int", default: 0, help: "seed (synthetic eigenvectors; irrelevant to the theory)" },
      { name: "format", kind: "choice", choices: ["json", "table"], default: "json", help: "output format" },
    ],
  },
  prepare: {
    summary: "build the configs' dataset problems into the shards' problem cache (before a sharded sweep)",
    usage: "powerlaw-sgd prepare CONFIG.json ... [--db DIR/|STORE]",
    description:
      "Builds each distinct dataset problem (data set, initial network, NTK, eigendecomposition) once, into the\n" +
      "problem cache that the sweeps writing to that folder read (<folder>/problems). " +
      "Optional: every shard does the\n" +
      "same first, under the problem's lock, so one builds it and the others wait (docs/cluster.md).",
    flags: [
      {
        name: "db",
        kind: "string",
        metavar: "DIR/|STORE",
        default: "data/shards/",
        help: "the folder of the shard stores (or a store in it): its problems/ subfolder is the cache",
      },
    ],
  },
  merge: {
    summary: "merge shard stores (or any stores) into one",
    usage: "powerlaw-sgd merge SHARD_DB|DIR ... --db OUT [--format text|json]",
    description:
      "Copies every finished run of the stores (a folder: its *.duckdb files) into OUT, keeping what OUT holds:\n" +
      "runs deduplicated on (experiment, config_hash, code_version); two copies that differ are reported as a\n" +
      "conflict (the first is kept); problems, spectra and modes merged. Written to a temporary file renamed over\n" +
      "OUT, so a crash leaves OUT as it was; merging again changes nothing. Shards missing or unfinished are\n" +
      "reported with their index and the exit code is 1 (what is finished is merged: rerun them, merge again).",
    flags: [
      { ...STORE_FLAGS[0], help: "the merged store (created, or merged into)" },
      { name: "format", kind: "choice", choices: ["text", "json"], default: "text", help: "report format" },
    ],
  },
  schema: {
    summary: "print the config's JSON Schema or the SQL schema",
    usage: "powerlaw-sgd schema [--format json|sql] [--out FILE]",
    description: "json: the experiment config's JSON Schema (draft 2020-12); sql: the results tables as Markdown.",
    flags: [
      { name: "format", kind: "choice", choices: ["json", "sql"], default: "json", help: "which schema" },
      { name: "out", kind: "string", metavar: "FILE", help: "write to a file instead of stdout" },
    ],
  },
  ...NETWORK_COMMANDS,
};

export function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    "usage: powerlaw-sgd <command> [options]   (powerlaw-sgd <command> --help for its options)",
    "",
    "Mini-batch SGD with momentum on power-law problems: four regimes, generating-function theory, a DuckDB store.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(w)}${c.summary}`),
    "",
    `Results go to ${DEFAULT_DB} unless --db says otherwise. ` +
      "Exit codes: 0 ok, 2 bad input, 1 failure, 130/143 interrupted.",
  ].join("\n");
}

/** The command's --help text. */
export function helpText(spec: CommandSpec): string {
  return formatHelp(spec.usage, spec.description, spec.flags) + "\n";
}

/**
 * Parses a command's arguments; a wrong number of positionals (and, unless `keepValueErrors`, any flag problem)
 * is a UsageError. Commands that validate a config keep value errors to report them with the config's problems.
 */
export function parseOrUsage(
  argv: readonly string[],
  flags: OptionSpec[],
  maxPositionals: number,
  positionalName?: string,
  keepValueErrors = false,
): ParsedArgs {
  const a = parseArgs(argv, flags);
  const problems = keepValueErrors ? [] : [...a.errors];
  if (!a.help) {
    const extra = a.positionals.length - maxPositionals;
    if (extra > 0)
      problems.push(`unexpected argument${extra > 1 ? "s" : ""}: ${a.positionals.slice(maxPositionals).join(" ")}`);
    if (positionalName && a.positionals.length === 0) problems.push(`missing ${positionalName}`);
  }
  if (problems.length > 0) throw new UsageError(problems);
  return a;
}
