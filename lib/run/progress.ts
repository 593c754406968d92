/**
 * Sweep progress on stderr: on a TTY one line redrawn in place (runs done/total, diverged, failed, running,
 * steps/s, ETA); otherwise plain lines, at most one every `intervalMs` (default 5 s, or the environment's
 * POWERLAW_SGD_PROGRESS_MS), plus a last one.
 */
export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** force TTY or plain mode (default: the stream's isTTY) */
  readonly tty?: boolean;
  readonly intervalMs?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`
    : `${m}:${String(sec).padStart(2, "0")}`;
}

export class Progress {
  private readonly stream: NodeJS.WritableStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly t0 = performance.now();
  private lastPrint = 0;
  private readonly running = new Map<number, { step: number; nSteps: number }>();
  private finishedSteps = 0;
  private remainingSteps: number;
  done = 0;
  diverged = 0;
  failed = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly total: number,
    totalSteps: number,
    readonly skipped: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean((this.stream as { isTTY?: boolean }).isTTY);
    const env = Number(process.env.POWERLAW_SGD_PROGRESS_MS);
    this.intervalMs = options.intervalMs ?? (Number.isFinite(env) && env > 0 ? env : this.tty ? 200 : 5000);
    this.remainingSteps = totalSteps;
    if (skipped > 0) this.stream.write(`${skipped} run(s) already finished with this code version: skipped\n`);
    this.timer = setInterval(() => this.render(), this.intervalMs);
    this.timer.unref();
  }

  start(runId: number, nSteps: number): void {
    this.running.set(runId, { step: 0, nSteps });
  }

  step(runId: number, step: number): void {
    const r = this.running.get(runId);
    if (r && step > r.step) r.step = step;
  }

  end(runId: number, status: "done" | "diverged" | "failed", steps: number): void {
    const r = this.running.get(runId);
    this.running.delete(runId);
    if (status === "done") this.done++;
    else if (status === "diverged") this.diverged++;
    else this.failed++;
    this.finishedSteps += steps;
    this.remainingSteps -= r?.nSteps ?? steps;
  }

  line(): string {
    const elapsed = (performance.now() - this.t0) / 1000;
    let inFlight = 0;
    let pending = this.remainingSteps;
    for (const r of this.running.values()) {
      inFlight += r.step;
      pending -= r.step;
    }
    const rate = elapsed > 0 ? (this.finishedSteps + inFlight) / elapsed : 0;
    const finished = this.done + this.diverged + this.failed;
    const eta = rate > 0 ? pending / rate : Infinity;
    const parts = [`runs ${finished}/${this.total}`];
    if (this.diverged) parts.push(`${this.diverged} diverged`);
    if (this.failed) parts.push(`${this.failed} failed`);
    parts.push(
      `${this.running.size} running`,
      `${rate >= 1000 ? rate.toExponential(2) : rate.toFixed(0)} steps/s`,
      `elapsed ${formatDuration(elapsed)}`,
    );
    if (finished < this.total) parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join(" · ");
  }

  render(final = false): void {
    const now = performance.now();
    if (!final && !this.tty && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    if (this.tty) this.stream.write(`\r\x1b[K${this.line()}${final ? "\n" : ""}`);
    else this.stream.write(`${this.line()}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.render(true);
  }
}
