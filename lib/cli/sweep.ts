/**
 * The commands that run a sweep: sd, full, linearized, compare, nn (flags → experiment config) and
 * `run CONFIG.json`. Each builds one experiment config, validates it like a config file, and hands it to the
 * runner (lib/run/runner.ts); `--dry_run` lists the runs instead.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { ParsedArgs } from "./args.ts";
import { COMMANDS, DEFAULT_DB, helpText, parseOrUsage } from "./commands.ts";
import { flagLabel, flagsToExperiment } from "./flags.ts";
import { resolveShard, shardStorePath } from "./clusterShard.ts";
import { EXIT, UsageError, reportProblems, type Io, type SignalState } from "./io.ts";
import { networkFlagsToExperiment } from "./networkFlags.ts";
import { theoryCommand } from "./theory.ts";
import { formatIssue, parseExperiment, type ConfigIssue, type Experiment } from "../config/schema.ts";
import { checkBatchSizesAgainst } from "../config/inputError.ts";
import { expandRuns, shardRuns } from "../config/expand.ts";
import { recordLabel } from "../run/record.ts";
import type { RunSummary } from "../run/runner.ts";
import { toTable } from "../store/format.ts";

const isDirectory = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

function summaryLine(s: RunSummary): string {
  const parts = [`${s.done} done`, `${s.diverged} diverged`, `${s.failed} failed`];
  if (s.skipped) parts.push(`${s.skipped} skipped (already finished)`);
  return (
    `${s.experiment}: ${s.total} runs: ${parts.join(", ")}${s.interrupted ? ", interrupted" : ""}` +
    ` · ${s.curveRows} curve rows · ${s.seconds.toFixed(1)} s · ${s.db}\n`
  );
}

function dryRun(io: Io, e: Experiment, shard: { index: number; count: number } | undefined): void {
  const runs = shardRuns(expandRuns(e), shard);
  const rows = runs.map((r) => ({
    index: r.index,
    regime: r.regime,
    tau: r.tau,
    lr: r.lr,
    momentum: r.momentum,
    batch_size: r.batchSize,
    schedule: r.schedule.kind,
    ...(r.schedule.kind === "jacobi" ? { a: r.schedule.a, b: r.schedule.b } : {}),
    ...(r.schedule.kind === "power" ? { p: r.schedule.p, n0: r.schedule.n0 } : {}),
    replicate: r.replicate,
    n_steps: r.nSteps,
    record: recordLabel(r),
  }));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => ((r as Record<string, unknown>)[c] ?? null) as never));
  io.out(toTable({ columns, rows: cells }));
}

/** The problem's N without building its dense form (dataset problems: the data only). */
async function problemSize(e: Experiment, baseDir: string | undefined): Promise<number> {
  if (e.problem.kind === "dataset") {
    const { checkDataset } = await import("../prepare/dataset.ts");
    return (await checkDataset(e.problem, baseDir)).N;
  }
  const { loadProblem } = await import("../prepare/problem.ts");
  return loadProblem(e.problem, { baseDir, dense: false, seed: e.seed }).N;
}

async function sweep(
  io: Io,
  e: Experiment,
  a: ParsedArgs,
  baseDir: string | undefined,
  configForStore: unknown,
  signals: SignalState,
): Promise<number> {
  const v = a.values;
  const shard = resolveShard(v.shard as string | undefined, v.shards as number | undefined, process.env);
  if (shard.error) throw new UsageError([shard.error]);
  // a shard's store has the shard in its name, in the shards' folder (and its problem cache): docs/cluster.md
  const dbGiven = a.given.has("db") || a.given.has("save_dir");
  const db = shard.value
    ? shardStorePath(dbGiven ? (v.db as string) : undefined, shard.value, isDirectory)
    : (v.db as string);
  const concurrency = v.concurrency as number | undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new UsageError([`--concurrency must be an integer ≥ 1, got ${concurrency}`]);
  }
  if (v.dry_run) {
    checkBatchSizesAgainst(e, await problemSize(e, baseDir));
    dryRun(io, e, shard.value);
    return EXIT.ok;
  }
  const { runExperiment, defaultConcurrency } = await import("../run/runner.ts");
  const { liveSinkFor } = await import("../live/writer.ts");
  const live = liveSinkFor(v.live as string | undefined);
  let summary: RunSummary;
  try {
    const s = shard.value;
    if (s && !v.quiet) io.err(`shard ${s.index}/${s.count} (${s.from}) → ${db}\n`);
    summary = await runExperiment(e, {
      db,
      concurrency: concurrency ?? defaultConcurrency(),
      baseDir,
      progress: !v.quiet,
      signal: signals.controller.signal,
      shard: shard.value,
      configForStore,
      onEvent: live?.onEvent,
    });
  } finally {
    await live?.close();
  }
  io.out(summaryLine(summary));
  if (summary.interrupted) return signals.code;
  if (summary.failed > 0) {
    io.err(
      `${summary.failed} run(s) failed; see: powerlaw-sgd query "SELECT run_id, regime, lr, momentum, batch_size, ` +
        `error FROM runs WHERE status = 'failed'" --db ${db}\n`,
    );
    return EXIT.failure;
  }
  return EXIT.ok;
}

export type FlagCommand = "sd" | "full" | "linearized" | "theory" | "compare" | "nn";

/** sd | full | linearized | compare | nn | theory: flags → config → runner (or the theory table). */
export async function flagCommand(
  io: Io,
  command: FlagCommand,
  argv: readonly string[],
  signals: SignalState,
): Promise<number> {
  const spec = COMMANDS[command];
  const a = parseOrUsage(argv, spec.flags, 0, undefined, true);
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  // flag-level problems (unknown flags, values that are not numbers) and config-level ones, all at once;
  // a problem the flag translation already reported for a field is not repeated by the config's validation
  const { input, issues, notes, values } =
    command === "compare" || command === "nn"
      ? networkFlagsToExperiment(command, a.values, a.given)
      : flagsToExperiment(command, a.values, a.given);
  Object.assign(a.values, values); // the reference's --save_dir, --workers
  const parsed = parseExperiment(input);
  const reported = new Set(issues.map((i) => i.path).filter((p) => p !== ""));
  const configIssues = [...issues, ...(parsed.ok ? [] : parsed.issues.filter((i) => !reported.has(i.path)))].filter(
    (i) => ![...a.badFlags].some((f) => flagLabel(i.path).startsWith(`--${f} `)),
  );
  if (a.errors.length > 0 || configIssues.length > 0 || !parsed.ok) {
    return reportProblems(io, [...a.errors, ...configIssues.map((i) => formatIssue(i, flagLabel(i.path)))]);
  }
  for (const note of notes) io.err(`note: ${note}\n`);
  if (command === "theory") return await theoryCommand(io, parsed.value, a);
  return sweep(io, parsed.value, a, process.cwd(), parsed.value, signals);
}

/** A config file read and validated: the experiment, or the problems as report lines (paths relative to it). */
export function readExperimentFile(path: string): { value?: Experiment; problems?: string[] } {
  const problem = (message: string, allowed: string) => ({
    problems: [formatIssue({ path: "", message, value: path, allowed } satisfies ConfigIssue)],
  });
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return problem(`cannot read the config file (${why})`, "a readable JSON file");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return problem(`not valid JSON: ${(e as Error).message}`, "a JSON document");
  }
  const parsed = parseExperiment(json);
  return parsed.ok ? { value: parsed.value } : { problems: parsed.issues.map((i) => formatIssue(i)) };
}

/** `run CONFIG.json`: a whole experiment from a file (paths in it are relative to the file). */
export async function runCommand(io: Io, argv: readonly string[], signals: SignalState): Promise<number> {
  const spec = COMMANDS.run;
  const a = parseOrUsage(argv, spec.flags, 1, "CONFIG.json");
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const path = a.positionals[0];
  const { value, problems } = readExperimentFile(path);
  if (!value) return reportProblems(io, problems ?? []);
  const args = { ...a, values: { db: DEFAULT_DB, ...a.values } };
  return sweep(io, value, args, dirname(resolve(path)), value, signals);
}
