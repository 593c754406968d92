/**
 * `powerlaw-sgd <command>`: the reference scripts' commands (sd, full, linearized, nn, compare) with their flags,
 * plus run (a whole experiment from a JSON config), query, export, theory, schema and spectrum. Every command
 * that runs something builds an experiment config and hands it to the runner (lib/run/runner.ts).
 * Exit codes (lib/cli/io.ts): 0 ok; 2 bad input (every problem listed, nothing written); 1 failure (including
 * runs that failed); 130/143 interrupted by SIGINT/SIGTERM (finished runs kept, the rest redone next time).
 * The heavy modules (DuckDB, RxJS, apache-arrow, the engine) are imported by the commands that use them, so
 * that `--help`, bad input and `theory` start fast.
 */
import { COMMANDS, helpText, topHelp } from "./commands.ts";
import { flagLabel } from "./flags.ts";
import { EXIT, UsageError, defaultIo, reportProblems, type Io, type SignalState } from "./io.ts";
import { flagCommand, runCommand } from "./sweep.ts";
import { exportCommand, queryCommand, schemaCommand } from "./results.ts";
import { formatIssue } from "../config/schema.ts";
import { InputError } from "../config/inputError.ts";

export { EXIT, type Io } from "./io.ts";

function isStoreError(e: unknown): e is Error & { readonly kind?: string } {
  return e instanceof Error && e.name === "StoreError";
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  const signals: SignalState = { controller: new AbortController(), code: EXIT.sigint };
  const onSignal = (sig: NodeJS.Signals) => {
    if (signals.controller.signal.aborted) process.exit(sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint);
    signals.code = sig === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
    io.err(
      `\n${sig}: stopping; finished runs are kept, unfinished ones will be redone next time ` +
        `(${sig} again to quit at once)\n`,
    );
    signals.controller.abort();
  };
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      const sub = command === "help" ? rest[0] : undefined;
      io.out(sub && COMMANDS[sub] ? helpText(COMMANDS[sub]) : topHelp() + "\n");
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
      case "compare":
      case "nn":
        return await flagCommand(io, command, rest, signals);
      case "run":
        return await runCommand(io, rest, signals);
      case "query":
        return await queryCommand(io, rest);
      case "export":
        return await exportCommand(io, rest);
      case "schema":
        return schemaCommand(io, rest);
      case "merge":
        return await (await import("./merge.ts")).mergeCommand(io, rest);
      case "prepare":
        return await (await import("./prepare.ts")).prepareCommand(io, rest, signals);
      case "spectrum":
        return await (await import("./spectrum.ts")).spectrumCommand(rest, io);
    }
    return EXIT.input;
  } catch (e) {
    if (e instanceof UsageError) {
      const what =
        e.problems.length === 1 ? e.problems[0] : `${e.problems.length} problems:\n  ${e.problems.join("\n  ")}`;
      io.err(`error: ${what}\n(see powerlaw-sgd ${command} --help)\n`);
      return EXIT.input;
    }
    if (e instanceof InputError) {
      return reportProblems(
        io,
        e.issues.map((i) => formatIssue(i, command !== "run" && command !== "prepare" ? flagLabel(i.path) : undefined)),
      );
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
