/**
 * A fixed-size pool of runner workers sharing one problem. Each worker runs one run at a time; the
 * runner's mergeMap concurrency equals the pool size, so acquire() never has to wait.
 */
import { Worker } from "node:worker_threads";
import type { WorkerProblem } from "../prepare/problem.ts";
import type { ToWorker } from "./protocol.ts";

const TSX_ENTRY = new URL("./workerEntry.mjs", import.meta.url);

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private closed = false;

  private problem?: WorkerProblem;

  /** entry: the worker's start file (lib/run/workerBundle.ts: the prebuilt bundle; default the tsx entry) */
  constructor(
    readonly size: number,
    problem?: WorkerProblem,
    private readonly entry: URL = TSX_ENTRY,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be an integer ≥ 1, got ${size}`);
    this.problem = problem;
  }

  private spawn(): Worker {
    const worker = new Worker(this.entry, { stdout: false, stderr: false });
    worker.unref();
    // a worker that dies while idle is dropped (a busy one is reported by the runner)
    worker.once("exit", () => this.all.has(worker) && this.idle.includes(worker) && this.discard(worker));
    this.all.add(worker);
    if (this.problem) worker.postMessage({ type: "problem", problem: this.problem } satisfies ToWorker);
    return worker;
  }

  /** Starts all workers now (they boot while the main thread prepares the problem and the store). */
  warm(n = this.size): void {
    while (!this.closed && this.all.size < Math.min(n, this.size)) this.idle.push(this.spawn());
  }

  /** The problem every worker runs on (posted to running workers and to those started later). */
  setProblem(problem: WorkerProblem): void {
    this.problem = problem;
    for (const w of this.all) w.postMessage({ type: "problem", problem } satisfies ToWorker);
  }

  acquire(): Worker {
    if (this.closed) throw new Error("worker pool is closed");
    if (!this.problem) throw new Error("worker pool has no problem");
    const w = this.idle.pop();
    if (w) return w;
    if (this.all.size >= this.size) throw new Error("worker pool exhausted");
    return this.spawn();
  }

  release(w: Worker): void {
    if (this.all.has(w) && !this.closed) this.idle.push(w);
  }

  /** Drops a worker that crashed or is stuck (terminating it if it still runs). */
  discard(w: Worker): void {
    this.all.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    void w.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const ws = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
