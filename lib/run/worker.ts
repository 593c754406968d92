/**
 * A runner worker thread: receives the problem once (shared memory), then runs whole runs one at a time,
 * posting curve batches (transferred, not copied), tracked per-mode errors, progress ticks and the end.
 * A run that throws ends 'failed' with the message; the worker stays up for the next run.
 */
import { parentPort } from "node:worker_threads";
import type { DenseProblem, Spectrum } from "../types.ts";
import { executeRun, prepareRun } from "./execute.ts";
import type { WorkerProblem } from "../prepare/problem.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

const port = parentPort;
if (!port) throw new Error("lib/run/worker.ts must run in a worker thread");
let problem: WorkerProblem | undefined;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on("message", (msg: ToWorker) => {
  if (msg.type === "problem") {
    // O(N) arrays are copied into this thread's memory: V8 runs the SD loop markedly slower (~1.3–1.8×,
    // measured) on SharedArrayBuffer-backed arrays; the N×N ones stay shared.
    const p = msg.problem as Spectrum & Partial<DenseProblem> & Pick<WorkerProblem, "network">;
    const net = p.network
      ? {
          network: {
            ...p.network,
            y: Float64Array.from(p.network.y),
            b1: Float64Array.from(p.network.b1),
            w2: Float64Array.from(p.network.w2),
          },
        }
      : {};
    problem = {
      ...p,
      lambda: Float64Array.from(p.lambda),
      c0: Float64Array.from(p.c0),
      ...(p.d0 ? { d0: Float64Array.from(p.d0) } : {}),
      ...net,
    };
    return;
  }
  void runOne(msg.runId, msg.spec);
});

// Messages are handled one at a time per run: the pool posts a run only to an idle worker.
async function runOne(runId: number, spec: Extract<ToWorker, { type: "run" }>["spec"]): Promise<void> {
  const t0 = performance.now();
  try {
    if (!problem) throw new Error("worker has no problem");
    await prepareRun(spec);
    const r = executeRun(problem, spec, {
      curve: (steps, losses) =>
        post({ type: "curve", runId, steps, losses }, [steps.buffer as ArrayBuffer, losses.buffer as ArrayBuffer]),
      modes: (step, c) => {
        const copy = Float64Array.from(c);
        post({ type: "modes", runId, step, c: copy }, [copy.buffer]);
      },
      progress: (step) => post({ type: "progress", runId, step }),
    });
    post({
      type: "end",
      runId,
      status: r.status,
      divergedAt: r.divergedAt,
      steps: r.steps,
      finalLoss: r.finalLoss,
      backend: r.backend,
      error: null,
      durationMs: performance.now() - t0,
    });
  } catch (e) {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    post({
      type: "end",
      runId,
      status: "failed",
      divergedAt: null,
      steps: 0,
      finalLoss: null,
      backend: null,
      error,
      durationMs: performance.now() - t0,
    });
  }
}
