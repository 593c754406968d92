/**
 * `prepare CONFIG.json … [--db DIR/|STORE]`: builds each distinct dataset problem of the configs into the problem
 * cache the sweeps of that folder read (<folder>/problems, lib/prepare/dataset.ts), before the shards start.
 * Optional — every shard does the same first, under the problem's lock, so only one builds it — but as a step of
 * its own (a job before the array) the build runs once and its failure stops nothing else. Synthetic and kernel
 * problems are not cached: each shard computes them (the synthetic spectrum is O(N)).
 */
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { COMMANDS, helpText, parseOrUsage } from "./commands.ts";
import { EXIT, reportProblems, type Io, type SignalState } from "./io.ts";
import { readExperimentFile } from "./sweep.ts";
import type { Experiment } from "../config/schema.ts";

/** The problem cache of a store (<its folder>/problems) or of a folder of shard stores (<folder>/problems). */
export function cacheDirOf(db: string): string {
  const isDir = db.endsWith("/") || (statSync(db, { throwIfNoEntry: false })?.isDirectory() ?? false);
  return isDir ? join(resolve(db), "problems") : join(dirname(resolve(db)), "problems");
}

/** A signal (SIGINT/SIGTERM) stops after the problem being built: a build is one synchronous computation. */
export async function prepareCommand(io: Io, argv: readonly string[], signals: SignalState): Promise<number> {
  const spec = COMMANDS.prepare;
  const a = parseOrUsage(argv, spec.flags, Number.POSITIVE_INFINITY, "CONFIG.json");
  if (a.help) {
    io.out(helpText(spec));
    return EXIT.ok;
  }
  const configs: { path: string; e: Experiment }[] = [];
  const problems: string[] = [];
  for (const path of a.positionals) {
    const r = readExperimentFile(path);
    if (r.value) configs.push({ path, e: r.value });
    else problems.push(...(r.problems ?? []).map((p) => `${path}: ${p}`));
  }
  if (problems.length > 0) return reportProblems(io, problems);
  const cacheDir = cacheDirOf(a.values.db as string);
  const { loadDatasetProblem } = await import("../prepare/dataset.ts");
  for (const { path, e } of configs) {
    if (signals.controller.signal.aborted) return signals.code;
    const p = e.problem;
    if (p.kind !== "dataset") {
      io.out(
        `${path}: ${p.kind} problem: nothing to prepare (not cached: each shard computes it` +
          `${p.kind === "synthetic" ? ", O(N) for the spectrum" : ", reading the files"})\n`,
      );
      continue;
    }
    const t0 = performance.now();
    // the same key as a sweep's (lib/prepare/problem.ts prepareProblem), without reading the arrays back
    const loaded = await loadDatasetProblem(p, {
      baseDir: dirname(resolve(path)),
      seed: e.seed,
      cacheDir,
      dense: false,
      network: false,
      ntkFormula: e.conventions?.ntk_formula,
      fitMethod: e.conventions?.fit_windows,
    });
    const f = loaded.facts;
    const how = loaded.cached ? "in the cache" : `built in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    io.out(`${path}: problem ${f.id} (${f.dataset}, N = ${f.N}): ${how} → ${f.dir}\n`);
  }
  return signals.controller.signal.aborted ? signals.code : EXIT.ok;
}
