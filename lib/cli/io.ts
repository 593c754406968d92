/**
 * The CLI's plumbing, shared by every command: where output goes, the exit codes, and how bad input is
 * reported (every problem at once, then exit 2 with nothing run or written).
 */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

export const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** 0 ok; 1 failure (including failed runs); 2 bad input; 130/143 interrupted by SIGINT/SIGTERM. */
export const EXIT = { ok: 0, failure: 1, input: 2, sigint: 130, sigterm: 143 } as const;

/** A command-line problem found before anything runs (printed with a pointer to the command's --help). */
export class UsageError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

/** "error: N problems with the input (nothing was run or written):" and one line each; returns EXIT.input. */
export function reportProblems(io: Io, messages: readonly string[]): number {
  const n = messages.length;
  io.err(`error: ${n} problem${n === 1 ? "" : "s"} with the input (nothing was run or written):\n`);
  for (const m of messages) io.err(`  ${m}\n`);
  return EXIT.input;
}

/** SIGINT/SIGTERM: the first stops the sweep (finished runs kept), its exit code is remembered. */
export interface SignalState {
  controller: AbortController;
  code: number;
}
