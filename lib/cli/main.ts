/**
 * `powerlaw-sgd <command>`: the reference scripts' commands (sd, full, linearized, nn, compare) with their flags,
 * plus run (a whole experiment from a JSON config), query, export, theory, schema and spectrum. Every command
 * that runs something builds an experiment config and hands it to the runner (lib/run/runner.ts).
 * Exit codes: 0 ok; 2 bad input (every problem listed, nothing written); 1 failure (including runs that
 * failed); 130/143 interrupted by SIGINT/SIGTERM (finished runs kept, the rest redone on the next call).
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs, formatHelp, type OptionSpec, type ParsedArgs } from "./args.ts";
import { PROBLEM_FLAGS, SWEEP_FLAGS, STEP_FLAGS, STORE_FLAGS, REGIME_FLAGS, flagLabel, flagsToExperiment, parseShard } from "./flags.ts";
import { parseExperiment, formatIssue, experimentJsonSchema, type ConfigIssue, type Experiment } from "../config/schema.ts";
import { InputError } from "../config/inputError.ts";
import { expandRuns, shardRuns } from "../config/expand.ts";
import { recordLabel } from "../run/record.ts";
import { toTable } from "../store/format.ts";
import { schemaMarkdown, TABLES } from "../store/schema.ts";
import type { RunSummary } from "../run/runner.ts";
import type { TheoryRow } from "../predict/theoryRows.ts";
import { NETWORK_COMMANDS, networkFlagsToExperiment } from "./networkFlags.ts";
// The heavy modules (DuckDB, RxJS, apache-arrow, the engine) are imported by the commands that use them,
// so that `--help`, bad input and `theory` start fast.

const DEFAULT_DB = "data/results.duckdb";
const EXPORT_TABLES = TABLES.filter((t) => t.name !== "meta").map((t) => t.name);

class StoreErrorLike extends Error {
  readonly kind?: string;
}
function isStoreError(e: unknown): e is StoreErrorLike {
  return e instanceof Error && e.name === "StoreError";
}

export const EXIT = { ok: 0, failure: 1, input: 2, sigint: 130, sigterm: 143 } as const;

interface Io {
  out(s: string): void;
  err(s: string): void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

const RUN_FLAGS: OptionSpec[] = STORE_FLAGS.filter((f) => ["db", "concurrency", "shard", "dry_run", "quiet", "live"].includes(f.name));

const COMMANDS: Record<string, { summary: string; usage: string; description: string; flags: OptionSpec[] }> = {
  sd: {
    summary: "spectral-diagonal SD(τ) dynamics (train_spectral_diagonal.py)",
    usage: "powerlaw-sgd sd [--tau T ...] [--lr A ...] [--momentum B ...] [--batch_size b ...] [options]",
    description: "Runs the SD(τ) dynamics (O(N) a step) for every setting of the sweep and stores the loss curves.",
    flags: [...REGIME_FLAGS.sd, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  full: {
    summary: "full second-moment dynamics averaged over batches (train_full.py)",
    usage: "powerlaw-sgd full [--lr A ...] [--momentum B ...] [--batch_size b ...] [options]",
    description: "Runs the exact batch-averaged second-moment dynamics (two N³ products a step) for every setting.",
    flags: [...REGIME_FLAGS.full, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  linearized: {
    summary: "linearized (kernel) SGD / Adam, R replicates (train_linearized.py)",
    usage: "powerlaw-sgd linearized [--runs R] [--optimizer sgd|adam] [--lr A ...] [options]",
    description: "Runs mini-batch SGD with momentum (or Adam) on the linearized model, R independent replicates per setting\n(replicate r draws its batches from generator seed seed·2²¹ + r).",
    flags: [...REGIME_FLAGS.linearized, ...PROBLEM_FLAGS, ...SWEEP_FLAGS, ...STEP_FLAGS, ...STORE_FLAGS],
  },
  run: {
    summary: "run a whole experiment from a JSON config",
    usage: "powerlaw-sgd run CONFIG.json [--db PATH] [--concurrency N] [--shard i/n] [--dry_run] [--quiet]",
    description: "Runs every regime and setting of an experiment config (JSON Schema: `powerlaw-sgd schema`). Kernel and residual\npaths are relative to the config file. Rerunning resumes: finished runs are skipped.",
    flags: RUN_FLAGS,
  },
  query: {
    summary: "run read-only SQL on the results",
    usage: 'powerlaw-sgd query "SQL" [--db PATH] [--format json|csv|table]',
    description: "Runs SQL on the results file, opened read-only. json: one array of row objects (numbers as JSON numbers,\nNaN/Infinity as null, timestamps as ISO strings).",
    flags: [
      STORE_FLAGS[0],
      { name: "format", kind: "choice", choices: ["json", "csv", "table"], default: "table", help: "output format" },
    ],
  },
  export: {
    summary: "write every table as Parquet or Arrow IPC",
    usage: "powerlaw-sgd export [--format parquet|arrow] [--out DIR] [--tables T ...] [--db PATH]",
    description: "Writes one file per table (experiments, problems, spectra, runs, curves, modes) to DIR.",
    flags: [
      STORE_FLAGS[0],
      { name: "format", kind: "choice", choices: ["parquet", "arrow"], default: "parquet", help: "file format (arrow = Arrow IPC file, .arrow)" },
      { name: "out", kind: "string", metavar: "DIR", default: "data/export", help: "output folder" },
      { name: "tables", kind: "strings", metavar: "TABLE", default: EXPORT_TABLES, help: "tables to export" },
    ],
  },
  theory: {
    summary: "generating-function predictions for each setting (no runs)",
    usage: "powerlaw-sgd theory [problem and sweep flags] [--tau T ...] [--format json|table]",
    description: "For every setting: Ũ(1) (U1), Ṽ(1) (V1), the convergence verdict, α_crit at that β, b, τ, λ_c, the phase from (ν, ζ),\nthe predicted asymptotic loss law L_t ≈ constant·t^(−exponent), the optimal Ũ(1) and α, and both negative-momentum\nconditions. Kernel problems use ν, κ fitted from the spectrum. json: one array, one object per setting.",
    flags: [
      ...REGIME_FLAGS.sd, ...PROBLEM_FLAGS, ...SWEEP_FLAGS,
      { name: "seed", kind: "int", default: 0, help: "seed (synthetic eigenvectors; irrelevant to the theory)" },
      { name: "format", kind: "choice", choices: ["json", "table"], default: "json", help: "output format" },
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

function topHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    "usage: powerlaw-sgd <command> [options]   (powerlaw-sgd <command> --help for its options)",
    "",
    "Mini-batch SGD with momentum on power-law problems: four regimes, generating-function theory, a DuckDB store.",
    "",
    "commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(w)}${c.summary}`),
    "",
    `Results go to ${DEFAULT_DB} unless --db says otherwise. Exit codes: 0 ok, 2 bad input, 1 failure, 130/143 interrupted.`,
  ].join("\n");
}

function printIssues(io: Io, issues: readonly ConfigIssue[], fromFlags: boolean): void {
  io.err(`error: ${issues.length} problem${issues.length === 1 ? "" : "s"} with the input (nothing was run or written):\n`);
  for (const i of issues) io.err(`  ${formatIssue(i, fromFlags ? flagLabel(i.path) : undefined)}\n`);
}

function parseOrUsage(argv: readonly string[], flags: OptionSpec[], maxPositionals: number, positionalName?: string, keepValueErrors = false): ParsedArgs {
  const a = parseArgs(argv, flags);
  const problems = keepValueErrors ? [] : [...a.errors];
  if (!a.help) {
    if (a.positionals.length > maxPositionals) problems.push(`unexpected argument${a.positionals.length - maxPositionals > 1 ? "s" : ""}: ${a.positionals.slice(maxPositionals).join(" ")}`);
    if (positionalName && a.positionals.length === 0) problems.push(`missing ${positionalName}`);
  }
  if (problems.length > 0) throw new UsageError(problems);
  return a;
}

function summaryLine(s: RunSummary): string {
  const parts = [`${s.done} done`, `${s.diverged} diverged`, `${s.failed} failed`];
  if (s.skipped) parts.push(`${s.skipped} skipped (already finished)`);
  return `${s.experiment}: ${s.total} runs: ${parts.join(", ")}${s.interrupted ? ", interrupted" : ""} · ${s.curveRows} curve rows · ${s.seconds.toFixed(1)} s · ${s.db}\n`;
}

function dryRun(io: Io, e: Experiment, shard: { index: number; count: number } | undefined): void {
  const runs = shardRuns(expandRuns(e), shard);
  const rows = runs.map((r) => ({
    index: r.index, regime: r.regime, tau: r.tau, lr: r.lr, momentum: r.momentum, batch_size: r.batchSize, schedule: r.schedule.kind,
    ...(r.schedule.kind === "jacobi" ? { a: r.schedule.a, b: r.schedule.b } : {}), ...(r.schedule.kind === "power" ? { p: r.schedule.p, n0: r.schedule.n0 } : {}),
    replicate: r.replicate, n_steps: r.nSteps, record: recordLabel(r),
  }));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  io.out(toTable({ columns, rows: rows.map((r) => columns.map((c) => ((r as Record<string, unknown>)[c] ?? null) as never)) }));
}

async function sweep(io: Io, e: Experiment, a: ParsedArgs, baseDir: string | undefined, configForStore: unknown, signals: SignalState): Promise<number> {
  const v = a.values;
  const shard = parseShard(v.shard as string | undefined);
  if (shard.error) throw new UsageError([shard.error]);
  const concurrency = v.concurrency as number | undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new UsageError([`--concurrency must be an integer ≥ 1, got ${concurrency}`]);
  if (v.save_dir !== undefined) io.err(`note: --save_dir is ignored; results go to ${v.db as string}\n`);
  if (v.dry_run) {
    // check the problem (files, batch sizes) without building a dense form (dataset problems: the data only)
    let N: number;
    if (e.problem.kind === "dataset") {
      const { checkDataset } = await import("../prepare/dataset.ts");
      N = (await checkDataset(e.problem, baseDir)).N;
    } else {
      const { loadProblem } = await import("../prepare/problem.ts");
      N = loadProblem(e.problem, { baseDir, dense: false, seed: e.seed }).N;
    }
    const p = { N };
    const over = e.sweep.batch_size.map((b, i) => ({ b, i })).filter(({ b }) => b > p.N);
    if (over.length) throw new InputError(over.map(({ b, i }) => ({ path: `sweep.batch_size[${i}]`, message: `batch size larger than N = ${p.N}`, value: b, allowed: `an integer in 1..${p.N}` })));
    dryRun(io, e, shard.value);
    return EXIT.ok;
  }
  const { runExperiment, defaultConcurrency } = await import("../run/runner.ts");
  const { liveSinkFor } = await import("../live/sink.ts");
  const live = liveSinkFor(v.live as string | undefined);
  let summary: RunSummary;
  try {
    summary = await runExperiment(e, {
      db: v.db as string, concurrency: concurrency ?? defaultConcurrency(), baseDir, progress: !v.quiet,
      signal: signals.controller.signal, shard: shard.value, configForStore, onEvent: live?.onEvent,
    });
  } finally {
    await live?.close();
  }
  io.out(summaryLine(summary));
  if (summary.interrupted) return signals.code;
  if (summary.failed > 0) {
    io.err(`${summary.failed} run(s) failed; see: powerlaw-sgd query "SELECT run_id, regime, lr, momentum, batch_size, error FROM runs WHERE status = 'failed'" --db ${v.db as string}\n`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

interface SignalState {
  controller: AbortController;
  code: number;
}

async function regimeCommand(io: Io, command: "sd" | "full" | "linearized" | "theory" | "compare" | "nn", argv: readonly string[], signals: SignalState): Promise<number> {
  const spec = COMMANDS[command];
  const a = parseOrUsage(argv, spec.flags, 0, undefined, true);
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return EXIT.ok;
  }
  // flag-level problems (unknown flags, values that are not numbers) and config-level ones, all at once;
  // a problem the flag translation already reported for a field is not repeated by the config's validation
  const { input, issues } = command === "compare" || command === "nn" ? networkFlagsToExperiment(command, a.values, a.given) : flagsToExperiment(command, a.values, a.given);
  const parsed = parseExperiment(input);
  const reported = new Set(issues.map((i) => i.path).filter((p) => p !== ""));
  const configIssues = [...issues, ...(parsed.ok ? [] : parsed.issues.filter((i) => !reported.has(i.path)))].filter((i) => ![...a.badFlags].some((f) => flagLabel(i.path).startsWith(`--${f} `)));
  if (a.errors.length > 0 || configIssues.length > 0 || !parsed.ok) {
    const n = a.errors.length + configIssues.length;
    io.err(`error: ${n} problem${n === 1 ? "" : "s"} with the input (nothing was run or written):\n`);
    for (const m of a.errors) io.err(`  ${m}\n`);
    for (const i of configIssues) io.err(`  ${formatIssue(i, flagLabel(i.path))}\n`);
    return EXIT.input;
  }
  if (command === "theory") return await theoryCommand(io, parsed.value, a);
  return sweep(io, parsed.value, a, process.cwd(), parsed.value, signals);
}

async function theoryCommand(io: Io, e: Experiment, a: ParsedArgs): Promise<number> {
  if (e.sweep.schedule.kind !== "constant") throw new UsageError([`theory: the generating-function predictions assume a constant schedule, got --sched ${e.sweep.schedule.kind}`]);
  const { loadProblem } = await import("../prepare/problem.ts");
  const { theoryProblem, theoryRows } = await import("../predict/theoryRows.ts");
  const p = loadProblem(e.problem, { baseDir: process.cwd(), dense: false, seed: e.seed });
  const over = e.sweep.batch_size.filter((b) => b > p.N);
  if (over.length) throw new InputError(e.sweep.batch_size.map((b, i) => ({ b, i })).filter(({ b }) => b > p.N).map(({ b, i }) => ({ path: `sweep.batch_size[${i}]`, message: `batch size larger than N = ${p.N}`, value: b, allowed: `an integer in 1..${p.N}` })));
  const taus = e.regimes[0].regime === "sd" ? e.regimes[0].tau : [1];
  const rows = theoryRows(e, theoryProblem(e, p.spectrum), taus);
  if (a.values.format === "table") {
    const cols: (keyof TheoryRow)[] = ["tau", "lr", "momentum", "batch_size", "gamma", "U1", "V1", "converges", "alpha_crit", "lambda_crit", "phase", "U1_opt", "alpha_opt"];
    const fmt = (x: unknown) => (typeof x === "number" ? Number(x.toPrecision(6)) : (x as never));
    const table = toTable({
      columns: [...cols, "law"],
      rows: rows.map((r) => [...cols.map((c) => fmt(r[c])), r.law ? `${Number(r.law.constant.toPrecision(4))}·t^-${Number(r.law.exponent.toPrecision(4))}` : null]),
    });
    io.out(table);
  } else {
    io.out(JSON.stringify(rows, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? null : x), 2) + "\n");
  }
  return EXIT.ok;
}

async function runCommand(io: Io, argv: readonly string[], signals: SignalState): Promise<number> {
  const spec = COMMANDS.run;
  const a = parseOrUsage(argv, spec.flags, 1, "CONFIG.json");
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return EXIT.ok;
  }
  const path = a.positionals[0];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    printIssues(io, [{ path: "", message: `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, value: path, allowed: "a readable JSON file" }], false);
    return EXIT.input;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    printIssues(io, [{ path: "", message: `not valid JSON: ${(e as Error).message}`, value: path, allowed: "a JSON document" }], false);
    return EXIT.input;
  }
  const parsed = parseExperiment(json);
  if (!parsed.ok) {
    printIssues(io, parsed.issues, false);
    return EXIT.input;
  }
  return sweep(io, parsed.value, { ...a, values: { db: DEFAULT_DB, ...a.values } }, dirname(resolve(path)), parsed.value, signals);
}

async function queryCommand(io: Io, argv: readonly string[]): Promise<number> {
  const spec = COMMANDS.query;
  const a = parseOrUsage(argv, spec.flags, 1, "SQL");
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return EXIT.ok;
  }
  const { Store } = await import("../store/store.ts");
  const { runQuery, toCsv, toJson } = await import("../store/format.ts");
  const store = await Store.open(a.values.db as string, { readOnly: true });
  try {
    let result;
    try {
      result = await runQuery(store.connection, a.positionals[0]);
    } catch (e) {
      io.err(`error: ${(e as Error).message}\n`);
      return EXIT.input;
    }
    const f = a.values.format;
    io.out(f === "json" ? toJson(result) + "\n" : f === "csv" ? toCsv(result) : toTable(result));
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

async function exportCommand(io: Io, argv: readonly string[]): Promise<number> {
  const spec = COMMANDS.export;
  const a = parseOrUsage(argv, spec.flags, 0);
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return EXIT.ok;
  }
  const tables = a.values.tables as string[];
  const unknown = tables.filter((t) => !EXPORT_TABLES.includes(t));
  if (unknown.length) throw new UsageError(unknown.map((t) => `--tables: unknown table ${JSON.stringify(t)} (allowed: ${EXPORT_TABLES.join(", ")})`));
  const { Store } = await import("../store/store.ts");
  const { exportArrow, exportParquet } = await import("../store/export.ts");
  const store = await Store.open(a.values.db as string, { readOnly: true });
  try {
    const out = a.values.out as string;
    const results = a.values.format === "arrow" ? await exportArrow(store, out, tables) : await exportParquet(store, out, tables);
    for (const r of results) io.out(`${r.table}: ${r.rows} rows -> ${r.file}\n`);
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function schemaCommand(io: Io, argv: readonly string[]): number {
  const spec = COMMANDS.schema;
  const a = parseOrUsage(argv, spec.flags, 0);
  if (a.help) {
    io.out(formatHelp(spec.usage, spec.description, spec.flags) + "\n");
    return EXIT.ok;
  }
  const text = a.values.format === "sql" ? schemaMarkdown() : JSON.stringify(experimentJsonSchema(), null, 2) + "\n";
  const out = a.values.out as string | undefined;
  if (out) {
    mkdirSync(dirname(resolve(out)), { recursive: true });
    writeFileSync(out, text);
  } else io.out(text);
  return EXIT.ok;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  const signals: SignalState = { controller: new AbortController(), code: EXIT.sigint };
  const onSignal = (sig: NodeJS.Signals) => {
    if (signals.controller.signal.aborted) process.exit(sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);
    signals.code = sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    io.err(`\n${sig}: stopping; finished runs are kept, unfinished ones will be redone next time (${sig} again to quit at once)\n`);
    signals.controller.abort();
  };
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      const sub = command === "help" ? rest[0] : undefined;
      if (sub && COMMANDS[sub]) io.out(formatHelp(COMMANDS[sub].usage, COMMANDS[sub].description, COMMANDS[sub].flags) + "\n");
      else io.out(topHelp() + "\n");
      return command === undefined ? EXIT.input : EXIT.ok;
    }
    if (!COMMANDS[command]) {
      io.err(`error: unknown command ${JSON.stringify(command)}\n\n${topHelp()}\n`);
      return EXIT.input;
    }
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    switch (command) {
      case "sd":
      case "full":
      case "linearized":
      case "theory":
        return await regimeCommand(io, command, rest, signals);
      case "run":
        return await runCommand(io, rest, signals);
      case "query":
        return await queryCommand(io, rest);
      case "export":
        return await exportCommand(io, rest);
      case "schema":
        return schemaCommand(io, rest);
      case "compare":
      case "nn":
        return await regimeCommand(io, command, rest, signals);
      case "spectrum":
        return await (await import("./spectrum.ts")).runNetworkCommand(command, rest, io);
    }
    return EXIT.input;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.problems.length === 1 ? e.problems[0] : `${e.problems.length} problems:\n  ${e.problems.join("\n  ")}`}\n(see powerlaw-sgd ${command} --help)\n`);
      return EXIT.input;
    }
    if (e instanceof InputError) {
      printIssues(io, e.issues, command !== "run");
      return EXIT.input;
    }
    if (isStoreError(e)) {
      io.err(`error: ${e.message}\n`);
      return e.kind === "missing" ? EXIT.input : EXIT.failure;
    }
    io.err(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failure;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
