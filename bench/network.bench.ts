// Network regime on MNIST (H = 1000): steps/s with the full-train loss every step, the O(N·b·H) Gram update
// against the plain forward pass measured in the same run — the same float64 trainer recomputing
// Z = XW₁ᵀ/√d + b₁ by a WASM GEMM, and the reference's loop in tfjs (float32, autodiff, forward pass) on the
// selected backend. Then the empirical NTK (closed form, float64) and the analytic NTK at N = 1000 and 3000.
// Targets (issue 4): Gram ≥ 10× the forward pass at b = 10; NTK ≤ 2 s at N = 1000, ≤ 30 s at N = 3000.
// POWERLAW_SGD_BENCH_NETWORK_N=1000 limits the sizes (default "1000,3000").
// Then whole runs as the runner does them (issue 10): N = H = 1000, b = 10, d = 64 (Gaussian inputs) and 784 (MNIST),
// T = 10⁴, the method `fullLoss: "auto"` picks for the recorded steps, every step recorded and log-spaced
// (100 per decade: 281 of 10⁴), against the reference that recomputes a forward pass every step ("forward").
// Targets: every step ≥ 2× the reference, log-spaced ≥ 10×. POWERLAW_SGD_BENCH_NETWORK_T overrides T.
import { loadMnist } from "../lib/data/mnist.ts";
import { denseKernels } from "../lib/linalg/kernels.ts";
import { analyticNtk, empiricalNtk } from "../lib/problem/ntk.ts";
import { initNetwork } from "../lib/model/network.ts";
import {
  NetworkTrainer,
  batchSequence,
  network,
  networkFullLoss,
  prepareNetwork,
  type FullLossMethod,
  type NetworkSetup,
} from "../lib/regimes/network.ts";
import { loadGaussian } from "../lib/data/gaussian.ts";
import { recordedSteps } from "../lib/run/record.ts";
import { networkTf } from "../lib/regimes/networkTf.ts";
import { constantSchedule } from "../lib/schedule/constant.ts";
import { selectBackend } from "../lib/tf/backend.ts";

const H = 1000;

/** Mean seconds per call of fn over at least `min` calls and `minSeconds`, after `warm` untimed calls. */
function timeIt(fn: () => void, warm: number, min: number, minSeconds: number): number {
  for (let i = 0; i < warm; i++) fn();
  let n = 0;
  const t0 = performance.now();
  while (n < min || performance.now() - t0 < minSeconds * 1000) {
    fn();
    n++;
  }
  return (performance.now() - t0) / 1000 / n;
}

function trainerStep(setup: NetworkSetup, b: number, fullLoss: "gram" | "forward"): () => void {
  const trainer = new NetworkTrainer(setup, { fullLoss });
  const batches = batchSequence(setup.data.N, b, 512, 1);
  let t = 0;
  return () => {
    trainer.step(batches[t++ % batches.length], 0.5 * setup.lrScale, 0.5);
  };
}

function tfStep(setup: NetworkSetup, b: number): () => void {
  const run = networkTf(setup, { schedule: constantSchedule(0.5, 0.5), batchSize: b, nSteps: 1_000_000, seed: 1 });
  run.next(); // step 0
  return () => {
    run.next();
  };
}

/** Steps/s of a whole run (generator drained) and the method auto chose; throws if the run diverged. */
function wholeRun(setup: NetworkSetup, T: number, recordSteps?: number[], fullLoss?: FullLossMethod) {
  const opts = { schedule: constantSchedule(0.5, 0.5), batchSize: 10, nSteps: T, seed: 1, recordSteps, fullLoss };
  const method = networkFullLoss(setup, opts);
  const t0 = performance.now();
  const g = network(setup, { ...opts, fullLoss: method });
  let r = g.next();
  while (!r.done) r = g.next();
  if (r.value.status !== "done") throw new Error(`benchmark run diverged at ${r.value.divergedAt}`);
  return { rate: T / ((performance.now() - t0) / 1000), method };
}

function benchRecording(): void {
  const N = 1000;
  const T = Number(process.env.POWERLAW_SGD_BENCH_NETWORK_T ?? 10_000);
  const log = recordedSteps({ mode: "log", per_decade: 100 }, T);
  console.log(`whole runs, N = ${N}, H = ${H}, b = 10, T = ${T} (${denseKernels().name} dense kernels):`);
  for (const d of [64, 784]) {
    const data = d === 784 ? loadMnist({ N }) : loadGaussian({ N, inputDim: d });
    const setup = prepareNetwork(data, initNetwork(d, H, 1), { lrScale: 1 });
    wholeRun(setup, 50); // warm-up
    const ref = wholeRun(setup, d === 784 ? 60 : 300, undefined, "forward");
    const every = wholeRun(setup, T);
    const sparse = wholeRun(setup, T, log);
    const ratio = (r: number) => `×${(r / ref.rate).toFixed(1)}`;
    console.log(
      `  d = ${String(d).padStart(3)}: reference (forward pass every step) ${ref.rate.toFixed(0)} steps/s; ` +
        `every step recorded (${every.method}) ${every.rate.toFixed(0)} steps/s ${ratio(every.rate)} (target ≥ 2: ` +
        `${every.rate >= 2 * ref.rate ? "met" : "MISSED"}); log-spaced, ${log.length} recorded (${sparse.method}) ` +
        `${sparse.rate.toFixed(0)} steps/s ${ratio(sparse.rate)} ` +
        `(target ≥ 10: ${sparse.rate >= 10 * ref.rate ? "met" : "MISSED"})`,
    );
  }
}

export async function run(): Promise<void> {
  benchRecording();
  const backend = await selectBackend("auto");
  const sizes = (process.env.POWERLAW_SGD_BENCH_NETWORK_N ?? "1000,3000").split(",").map(Number);
  console.log(`tfjs backend: ${backend}; dense kernels: ${denseKernels().name}; MNIST, H = ${H}, d = 784`);
  for (const N of sizes) {
    const data = loadMnist({ N });
    const params = initNetwork(784, H, 1);
    let t0 = performance.now();
    const K = empiricalNtk(data, params);
    const tNtk = (performance.now() - t0) / 1000;
    t0 = performance.now();
    analyticNtk(data);
    const tAn = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const setup = prepareNetwork(data, params, { ntk: K });
    const tPrep = (performance.now() - t0) / 1000;
    console.log(
      `N = ${N}: empirical NTK ${tNtk.toFixed(2)} s (target ${N <= 1000 ? "≤ 2" : "≤ 30"} s), ` +
        `analytic NTK ${tAn.toFixed(2)} s, ` +
        `setup (Gram Ĝ, Z₀, λ_max by power iteration) ${tPrep.toFixed(2)} s, lr_scale ${setup.lrScale.toFixed(4)}`,
    );
    const big = N > 1000;
    for (const b of [10, 100]) {
      const gram = timeIt(trainerStep(setup, b, "gram"), 3, big ? 10 : 30, big ? 0.5 : 1);
      const fwd = timeIt(trainerStep(setup, b, "forward"), 1, 3, 0);
      const tfs = timeIt(tfStep(setup, b), 1, big ? 2 : 3, 0);
      console.log(
        `  b = ${String(b).padStart(3)}: Gram ${(1 / gram).toFixed(1)} steps/s (${(gram * 1e3).toFixed(1)} ms); ` +
          `float64 forward pass ${(1 / fwd).toFixed(2)} steps/s (${(fwd * 1e3).toFixed(0)} ms) ` +
          `→ ×${(fwd / gram).toFixed(1)}; ` +
          `tfjs-${backend} reference loop ${(1 / tfs).toFixed(2)} steps/s (${(tfs * 1e3).toFixed(0)} ms) ` +
          `→ ×${(tfs / gram).toFixed(1)}` +
          (b === 10 ? " (target ≥ 10×)" : ""),
      );
    }
  }
}
