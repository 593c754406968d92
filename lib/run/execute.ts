/**
 * Runs one RunSpec on a problem (synchronously, in whatever thread calls it): builds the schedule and the
 * regime generator, drives it, hands the kept (step, loss) batches and the tracked per-mode errors to the
 * caller, and returns how the run ended. Worker threads call this; so can anything else (tests, loaders).
 * nn runs of engine 'tfjs' need `await prepareRun(spec)` first (TensorFlow.js loads asynchronously).
 */
import { gatherBackend } from "../linalg/gather.ts";
import type { DenseProblem, RegimeRun, Spectrum } from "../types.ts";
import { fromPytorchMomentum, makeSchedule } from "../schedule/index.ts";
import { spectralDiagonal } from "../regimes/spectralDiagonal.ts";
import { sdStepKernel } from "../regimes/sdStepBackend.ts";
import { full } from "../regimes/full.ts";
import { linearized } from "../regimes/linearized.ts";
import { network, networkBackend, networkFullLoss, prepareNetwork, type NetworkSetup } from "../regimes/network.ts";
import { denseKernels } from "../linalg/kernels.ts";
import { CurveBatcher, recordedSteps, stepFilter } from "./record.ts";
import type { RunSpec, TfBackendChoice } from "../config/expand.ts";
import type { WorkerProblem } from "../prepare/problem.ts";

export interface RunSink {
  /** kept (step, loss) pairs, in step order; the arrays are the caller's to keep */
  curve(steps: Int32Array, losses: Float64Array): void;
  /** C_k(step), k = 1..N, at a tracked step */
  modes?(step: number, c: Float64Array): void;
  /** called about every `progressMs` with the last step taken (for progress display) */
  progress?(step: number): void;
}

export interface RunResult {
  readonly status: "done" | "diverged";
  readonly divergedAt: number | null;
  readonly steps: number;
  readonly finalLoss: number;
  readonly backend: string;
}

export interface ExecuteOptions {
  /** rows per curve batch (default 4096) */
  readonly batchRows?: number;
  /** a partial batch is sent when this long has passed since the last one (default 250 ms) */
  readonly flushMs?: number;
}

function isDense(p: Spectrum | DenseProblem): p is DenseProblem {
  return (p as DenseProblem).khat !== undefined && (p as DenseProblem).vectors !== undefined;
}

type NetworkTfModule = typeof import("../regimes/networkTf.ts");
let tfjs: { module: NetworkTfModule; backend: string; choice: TfBackendChoice } | undefined;

/**
 * What a run needs before it can start synchronously: for nn runs with engine 'tfjs', TensorFlow.js and its
 * backend (loaded once per thread; importing tfjs costs ~0.3 s, so runs of the other engines never do).
 */
export async function prepareRun(spec: RunSpec): Promise<void> {
  if (spec.regime !== "nn" || spec.engine !== "tfjs") return;
  const choice = spec.tfBackend ?? "auto";
  if (tfjs?.choice === choice) return;
  const module = await import("../regimes/networkTf.ts");
  const { selectBackend } = await import("../tf/backend.ts");
  tfjs = { module, backend: await selectBackend(choice), choice };
}

const setups = new WeakMap<object, NetworkSetup>();

/** The network of a problem, ready to train (Ĝ, Z₀ and λ_max are given: nothing dense is recomputed). */
function networkSetup(problem: WorkerProblem): NetworkSetup {
  const n = problem.network;
  if (!n) throw new Error("the nn regime needs the network (a dataset problem)");
  let s = setups.get(n);
  if (!s) {
    s = prepareNetwork(
      { N: n.N, d: n.d, x: n.x, y: n.y },
      { d: n.d, H: n.H, w1: n.w1, b1: n.b1, w2: n.w2 },
      {
        lambdaMax: n.lambdaMax,
        gram: n.gram,
        z0: n.z0,
        vectors: isDense(problem) ? problem.vectors : undefined,
      },
    );
    setups.set(n, s);
  }
  return s;
}

/** Creates the regime generator of a run and names the backend that computes it. */
export function startRegime(problem: WorkerProblem, spec: RunSpec): { run: RegimeRun; backend: string } {
  // sd and full integrate the classic form: a schedule in PyTorch's form is converted for them (the linearized
  // and network regimes take momentumConvention themselves)
  const pytorch = spec.momentumConvention === "pytorch" && (spec.regime === "sd" || spec.regime === "full");
  const schedule = pytorch ? fromPytorchMomentum(makeSchedule(spec.schedule)) : makeSchedule(spec.schedule);
  const common = {
    schedule,
    batchSize: spec.batchSize,
    nSteps: spec.nSteps,
    divergenceFactor: spec.divergenceFactor,
    trackEvery: spec.trackEvery,
  };
  switch (spec.regime) {
    case "sd": {
      const kernel = sdStepKernel();
      return { run: spectralDiagonal(problem, { ...common, tau: spec.tau ?? 1, kernel }), backend: kernel.name };
    }
    case "full": {
      if (!isDense(problem)) throw new Error("the full regime needs the dense problem");
      const kernels = denseKernels();
      return { run: full(problem, { ...common, kernels }), backend: kernels.name };
    }
    case "linearized":
      if (!isDense(problem)) throw new Error("the linearized regime needs the dense problem");
      return {
        run: linearized(problem, {
          ...common,
          optimizer: spec.optimizer ?? "sgd",
          seed: spec.seed,
          replicate: spec.replicate,
          momentumConvention: spec.momentumConvention,
          adam: spec.adam,
        }),
        backend: gatherBackend(),
      };
    case "nn": {
      const shared = networkSetup(problem);
      // a given lr_scale (train_nn.py's --lr_scale) replaces N/λ_max(K_emp)
      const setup = spec.lrScale === undefined ? shared : { ...shared, lrScale: spec.lrScale };
      const options = {
        ...common,
        seed: spec.seed,
        replicate: spec.replicate,
        applyLrScale: spec.applyLrScale ?? true,
        momentumConvention: spec.momentumConvention,
      };
      if (spec.engine === "tfjs") {
        if (!tfjs) throw new Error("TensorFlow.js is not loaded: call prepareRun(spec) before executeRun");
        return {
          run: tfjs.module.networkTf({ data: setup.data, params: setup.params, lrScale: setup.lrScale }, options),
          backend: `tfjs-${tfjs.backend}`,
        };
      }
      // the regime computes the full-train loss only at the stored steps, by the cheapest method for them
      const nnOptions = { ...options, recordSteps: recordedSteps(spec.record, spec.nSteps) };
      const fullLoss = networkFullLoss(setup, nnOptions);
      return { run: network(setup, { ...nnOptions, fullLoss }), backend: networkBackend(fullLoss) };
    }
  }
}

export function executeRun(
  problem: WorkerProblem,
  spec: RunSpec,
  sink: RunSink,
  options: ExecuteOptions = {},
): RunResult {
  const { run, backend } = startRegime(problem, spec);
  const flushMs = options.flushMs ?? 250;
  const batcher = new CurveBatcher(stepFilter(spec.record, spec.nSteps), options.batchRows ?? 4096, (s, l) =>
    sink.curve(s, l),
  );
  let lastFlush = performance.now();
  let lastCheck = lastFlush;
  // the clock is read every `checkEvery` steps, adapted so that reads happen about every 2–20 ms
  let checkEvery = 1;
  let sinceCheck = 0;
  let finalLoss = NaN;
  let r = run.next();
  while (!r.done) {
    const rec = r.value;
    finalLoss = rec.loss;
    batcher.push(rec.step, rec.loss);
    if (rec.modes && sink.modes) sink.modes(rec.step, rec.modes);
    if (++sinceCheck >= checkEvery) {
      sinceCheck = 0;
      const now = performance.now();
      if (now - lastCheck < 2) checkEvery *= 2;
      else if (now - lastCheck > 20 && checkEvery > 1) checkEvery >>= 1;
      lastCheck = now;
      if (now - lastFlush >= flushMs) {
        batcher.flush();
        sink.progress?.(rec.step);
        lastFlush = now;
      }
    }
    r = run.next();
  }
  batcher.finish();
  const outcome = r.value;
  return { status: outcome.status, divergedAt: outcome.divergedAt, steps: outcome.steps, finalLoss, backend };
}
