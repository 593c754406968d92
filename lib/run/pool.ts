/**
 * A fixed-size pool of runner workers sharing one problem. Each worker runs one run at a time; the
 * runner's mergeMap concurrency equals the pool size, so acquire() never has to wait.
 */
import { Worker } from "node:worker_threads";
import type { DenseProblem, Spectrum } from "../types.ts";
import type { ToWorker } from "./protocol.ts";

const ENTRY = new URL("./workerEntry.mjs", import.meta.url);

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private closed = false;

  constructor(readonly size: number, private readonly problem: Spectrum | DenseProblem) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be an integer ≥ 1, got ${size}`);
  }

  acquire(): Worker {
    if (this.closed) throw new Error("worker pool is closed");
    const w = this.idle.pop();
    if (w) return w;
    if (this.all.size >= this.size) throw new Error("worker pool exhausted");
    const worker = new Worker(ENTRY, { stdout: false, stderr: false });
    worker.unref();
    this.all.add(worker);
    worker.postMessage({ type: "problem", problem: this.problem } satisfies ToWorker);
    return worker;
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
