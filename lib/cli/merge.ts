/**
 * `merge SHARD_DB|DIR … --db OUT`: the shard stores of a sweep (or any stores) into one (lib/store/merge.ts),
 * holding OUT.merge-lock so that two merges into one store do not race. Exit 0: merged and complete; 1: merged, but
 * a shard is missing or unfinished, an input could not be read, or two copies of a run conflict (everything
 * finished is in OUT; rerun the shard and merge again); 2: bad input, nothing written.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { COMMANDS, helpText, parseOrUsage } from "./commands.ts";
import { EXIT, reportProblems, type Io } from "./io.ts";
import type { MergeReport } from "../store/merge.ts";

/** The stores named: files as given, a folder's *.duckdb files (sorted); OUT itself and merge leftovers skipped. */
export function mergeInputs(paths: readonly string[], out: string): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const target = resolve(out);
  paths.forEach((p, k) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) problems.push(`SHARD_DB item ${k + 1}: no such file or folder: ${p}`);
    else if (st.isDirectory()) {
      const found = readdirSync(p)
        .filter((n) => n.endsWith(".duckdb"))
        .sort()
        .map((n) => join(p, n))
        .filter((f) => resolve(f) !== target);
      if (found.length === 0) problems.push(`SHARD_DB item ${k + 1}: no .duckdb file in the folder ${p}`);
      files.push(...found);
    } else if (resolve(p) !== target) files.push(p);
  });
  return { files, problems };
}

const list = (xs: readonly number[]) => xs.join(", ");

/** 0 when every shard is complete and no copies conflict, else 1 (what was finished is merged either way). */
export function mergeExitCode(r: MergeReport): number {
  const incomplete = r.inputs.some((i) => i.error) || r.shards.some((s) => s.complete.length !== s.count);
  return incomplete || r.conflicts.length > 0 || r.configConflicts.length > 0 ? EXIT.failure : EXIT.ok;
}

/** The report: what was merged on stdout; what is incomplete or conflicting on stderr. */
export function printReport(io: Io, r: MergeReport): void {
  io.out(
    `merged ${r.inputs.length} store${r.inputs.length === 1 ? "" : "s"} into ${r.out}: ${r.runs} runs ` +
      `(${r.added} added), ${r.problems} problem${r.problems === 1 ? "" : "s"}, ${r.curveRows} curve rows\n`,
  );
  for (const i of r.inputs) {
    if (i.error) {
      io.err(`incomplete: ${i.path}: ${i.error}; not merged\n`);
      continue;
    }
    const left = i.running ? `, ${i.running} left running by a killed process (not merged)` : "";
    io.out(`  ${i.path}: ${i.finished} finished runs, ${i.added} added, ${i.identical} already there${left}\n`);
  }
  for (const s of r.shards) {
    if (s.complete.length === s.count) {
      io.out(`experiment ${s.experiment}: all ${s.count} shards complete\n`);
      continue;
    }
    io.out(`experiment ${s.experiment}: shards ${list(s.complete) || "none"} of ${s.count} complete\n`);
    for (const u of s.unfinished)
      io.err(
        `incomplete: experiment ${s.experiment}: shard ${u.index}/${s.count} is unfinished in ${u.path} ` +
          `(${u.finished} of ${u.planned} runs finished): rerun it (it resumes), then merge again\n`,
      );
    if (s.missing.length)
      io.err(
        `incomplete: experiment ${s.experiment}: shard${s.missing.length > 1 ? "s" : ""} ${list(s.missing)} of ` +
          `${s.count} missing (no store given holds ${s.missing.length > 1 ? "them" : "it"})\n`,
      );
  }
  for (const c of r.conflicts)
    io.err(
      `conflict: experiment ${c.experiment}, run ${c.configHash} (code ${c.codeVersion}): ${c.other} differs from ` +
        `${c.kept} (${c.differences.join("; ")}); kept the copy from ${c.kept}\n`,
    );
  for (const c of r.configConflicts) io.err(`conflict: ${c}\n`);
}

export async function mergeCommand(io: Io, argv: readonly string[]): Promise<number> {
  const spec = COMMANDS.merge;
  const a = parseOrUsage(argv, spec.flags, Number.POSITIVE_INFINITY, "SHARD_DB");
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const out = a.values.db as string;
  if (existsSync(out) && statSync(out).isDirectory())
    return reportProblems(io, [
      `--db: ${out} is a folder; the merged store is a file, e.g. ${join(out, "all.duckdb")}`,
    ]);
  const { files, problems } = mergeInputs(a.positionals, out);
  if (problems.length > 0) return reportProblems(io, problems);
  const { mergeStores, MergeInputError } = await import("../store/merge.ts");
  const { withFileLock } = await import("../prepare/lock.ts");
  let report: MergeReport;
  try {
    report = await withFileLock(`${resolve(out)}.merge-lock`, () => mergeStores(files, out), {
      onWait: (h) =>
        io.err(`waiting for the merge into ${out} by ${h ? `process ${h.pid} on ${h.host}` : "another"}\n`),
    });
  } catch (e) {
    if (e instanceof MergeInputError) return reportProblems(io, e.problems);
    throw e;
  }
  if (a.values.format === "json") io.out(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(io, report);
  return mergeExitCode(report);
}
