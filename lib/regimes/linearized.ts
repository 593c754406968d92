/**
 * Linearized (kernel) mini-batch dynamics in function space (docs/theory.md §2.2), one replicate per call.
 *
 *   g_t = (1/b)·K[:, B_t]·d_t[B_t] = (N/b)·Σ_{i∈B_t} K̂[:, i]·d_t[i]          (K = N·K̂, E[g] = K̂d)
 *   'sgd'  (heavy ball):  v_{t+1} = β v_t − α g_t,  d_{t+1} = d_t + v_{t+1}  (α, β from schedule index t).
 *          With v = −αp this is PyTorch's p_{t+1} = g_t + β p_t, d_{t+1} = d_t − α p_{t+1} whenever α is
 *          constant; under a varying α it is the convention of the moment equations that SD and full
 *          integrate (momentumConvention 'pytorch' takes PyTorch-style momenta, lib/schedule/convention.ts).
 *   'adam' (on g, bias-corrected, PyTorch semantics, lr = α; the schedule's momentum is ignored):
 *          m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
 *          d ← d − (α/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε),   β₁ = 0.9, β₂ = 0.999, ε = 1e-8 by default;
 *          biasCorrection 'reference' divides by 1 − β^(t+1) instead, as the reference's optim/adam.py.
 * Loss L = ‖d‖²/(2N); step 0 is the initial loss. O(N·b) a step: K̂ is symmetric (DenseProblem
 * contract), so column i of K̂ is its contiguous row i and only the b batch rows are read.
 * Engines: 'wasm' gathers the rows with WebAssembly SIMD from a copy of K̂ kept per K̂ array
 * (lib/linalg/wasm/gather.ts; K̂ must not be mutated afterwards), 'js' in plain TypeScript
 * (lib/linalg/ts/gather.ts); both sum in the same order and give bit-identical curves. 'auto' (default)
 * is wasm when it can be instantiated, unless POWERLAW_SGD_KERNELS=ts (lib/linalg/gather.ts).
 * kernelPrecision 'float32' reads K̂ rounded to float32 (half the memory traffic; the dynamics is then
 * exactly that of the rounded, still symmetric, kernel; arithmetic stays float64).
 * Per-mode tracking records (u_kᵀ d_t)² (O(N²), only at tracked steps; needs problem.vectors).
 *
 * Randomness (reproducible on every platform): the replicate's generator is
 * `new Rng(replicateSeed(seed, replicate))` (lib/random/rng.ts, xoshiro256** seeded by splitmix64);
 * a permutation `perm` starts as the identity 0..N−1 and step t draws its batch with
 * `rng.sampleWithoutReplacement(perm, b, batch)` (partial Fisher–Yates, b distinct indices, uniform
 * over b-subsets). Nothing else consumes random numbers.
 * replicateSeed(seed, r) = seed·2²¹ + r with 0 ≤ seed < 2³² and 0 ≤ r < 2²¹: distinct (seed, r)
 * pairs give distinct generator seeds, and splitmix64 makes neighbouring seeds independent streams.
 */
import { Rng } from "../random/rng.ts";
import { chooseGather, gatherTs, type KernelPrecision } from "../linalg/gather.ts";
import { fromPytorchMomentum } from "../schedule/convention.ts";
import type { DenseProblem, RegimeRun, RunOptions } from "../types.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { shouldTrack } from "./tracking.ts";

/** K̂ and d_0 are required; the eigenvectors only for per-mode tracking. */
export type LinearizedProblem = Pick<DenseProblem, "N" | "khat" | "d0"> & Partial<Pick<DenseProblem, "vectors">>;

export type LinearizedOptimizer = "sgd" | "adam";

export interface AdamParams {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** 'standard' (default): 1 − βᵗ at step t = 1, 2, …; 'reference': 1 − β^(t+1) (docs/reference-differences.md) */
  readonly biasCorrection?: "standard" | "reference";
}

export interface LinearizedOptions extends RunOptions {
  /** default 'sgd' */
  readonly optimizer?: LinearizedOptimizer;
  /** base seed, integer in [0, 2³²); default 0 */
  readonly seed?: number;
  /** replicate index, integer in [0, 2²¹); default 0 */
  readonly replicate?: number;
  readonly adam?: AdamParams;
  /** how the batch rows of K̂ are gathered (default 'auto': wasm when available) */
  readonly engine?: "auto" | "wasm" | "js";
  /** precision K̂ is read in (default 'float64') */
  readonly kernelPrecision?: KernelPrecision;
  /**
   * 'regimes' (default): the schedule's momentum is the moment equations' β (v ← βv − αg), as in SD
   * and full; 'pytorch': it is PyTorch's β' (p ← g + β'p, d ← d − αp), converted with
   * fromPytorchMomentum. The two differ only when the learning rate varies. Ignored by 'adam'.
   */
  readonly momentumConvention?: "regimes" | "pytorch";
}

const float32Copies = new WeakMap<Float64Array, Float32Array>();

export const MAX_BASE_SEED = 2 ** 32;
export const MAX_REPLICATES = 2 ** 21;

/** The generator seed of replicate r of a run with base seed `seed`: seed·2²¹ + r (collision-free). */
export function replicateSeed(seed: number, replicate: number): number {
  if (!Number.isInteger(seed) || seed < 0 || seed >= MAX_BASE_SEED)
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  if (!Number.isInteger(replicate) || replicate < 0 || replicate >= MAX_REPLICATES) {
    throw new RangeError(`replicate must be an integer in [0, 2^21), got ${replicate}`);
  }
  return seed * MAX_REPLICATES + replicate;
}

export function* linearized(problem: LinearizedProblem, options: LinearizedOptions): RegimeRun {
  const { N, khat: K, d0 } = problem;
  const { nSteps } = options;
  const convention = options.momentumConvention ?? "regimes";
  if (convention !== "regimes" && convention !== "pytorch")
    throw new RangeError(`momentumConvention must be 'regimes' or 'pytorch', got ${String(convention)}`);
  const schedule = convention === "pytorch" ? fromPytorchMomentum(options.schedule) : options.schedule;
  const b = options.batchSize;
  const optimizer = options.optimizer ?? "sgd";
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`N must be an integer ≥ 1, got ${N}`);
  if (K.length !== N * N) throw new RangeError(`khat must be N×N = ${N * N} entries, got ${K.length}`);
  if (d0.length !== N) throw new RangeError(`d0 must have length N = ${N}, got ${d0.length}`);
  if (!Number.isInteger(b) || b < 1 || b > N)
    throw new RangeError(`batch size must be an integer in 1..${N}, got ${b}`);
  if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`nSteps must be an integer ≥ 0, got ${nSteps}`);
  if (optimizer !== "sgd" && optimizer !== "adam")
    throw new RangeError(`optimizer must be 'sgd' or 'adam', got ${String(optimizer)}`);
  const beta1 = options.adam?.beta1 ?? 0.9;
  const beta2 = options.adam?.beta2 ?? 0.999;
  const eps = options.adam?.eps ?? 1e-8;
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`adam beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`adam beta2 must be in [0, 1), got ${beta2}`);
  if (!(eps > 0)) throw new RangeError(`adam eps must be > 0, got ${eps}`);
  const biasCorrection = options.adam?.biasCorrection ?? "standard";
  if (biasCorrection !== "standard" && biasCorrection !== "reference")
    throw new RangeError(`adam biasCorrection must be "standard" or "reference", got ${String(biasCorrection)}`);
  const trackEvery = options.trackEvery ?? 0;
  const U = problem.vectors;
  if (trackEvery > 0 && (!U || U.length !== N * N))
    throw new RangeError("per-mode tracking needs the problem's eigenvectors (N×N)");

  const engine = options.engine ?? "auto";
  const precision = options.kernelPrecision ?? "float64";
  if (engine !== "auto" && engine !== "wasm" && engine !== "js")
    throw new RangeError(`engine must be 'auto', 'wasm' or 'js', got ${String(engine)}`);
  if (precision !== "float64" && precision !== "float32")
    throw new RangeError(`kernelPrecision must be 'float64' or 'float32', got ${String(precision)}`);

  const rng = new Rng(replicateSeed(options.seed ?? 0, options.replicate ?? 0));
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const kernel = chooseGather(K, N, engine, precision);
  let Kjs: Float64Array | Float32Array = K;
  if (!kernel && precision === "float32") {
    let copy = float32Copies.get(K);
    if (!copy) {
      copy = Float32Array.from(K);
      float32Copies.set(K, copy);
    }
    Kjs = copy;
  }
  // With the wasm engine the batch, weights and g live in the kernel's memory (filled and consumed
  // within one step, so interleaved runs sharing the kernel do not interfere), and for 'sgd' the
  // state (d, v) too, in a slot given back when the generator finishes or is closed.
  const slot = kernel && optimizer === "sgd" ? kernel.allocate(d0) : null;
  try {
    let d = slot ? kernel!.state(slot).d : Float64Array.from(d0);
    let p = slot ? kernel!.state(slot).v : new Float64Array(N); // heavy-ball velocity v, or Adam's first moment
    let seen = kernel?.memory;
    const v = optimizer === "adam" ? new Float64Array(N) : p; // Adam's second moment
    const batchJs = new Int32Array(kernel ? 0 : b);
    const weightJs = new Float64Array(kernel ? 0 : b);
    const gJs = new Float64Array(kernel ? 0 : N);
    const norm = 1 / (2 * N);
    const scale = N / b;

    const modes = (): Float64Array => {
      const out = new Float64Array(N);
      const u = U!;
      for (let i = 0; i < N; i++) {
        const di = d[i];
        const r = i * N;
        for (let k = 0; k < N; k++) out[k] += u[r + k] * di;
      }
      for (let k = 0; k < N; k++) out[k] *= out[k];
      return out;
    };
    const track = (t: number) => (shouldTrack(t, nSteps, trackEvery) ? { modes: modes() } : {});

    let ss = 0;
    for (let i = 0; i < N; i++) ss += d[i] * d[i];
    const loss0 = ss * norm;
    const bound = divergenceBound(loss0, options.divergenceFactor);
    yield { step: 0, loss: loss0, ...track(0) };

    // β^t after the update of step t; the reference's correction runs one power ahead (β^(t+1))
    let pow1 = biasCorrection === "reference" ? beta1 : 1;
    let pow2 = biasCorrection === "reference" ? beta2 : 1;
    for (let t = 1; t <= nSteps; t++) {
      const alpha = schedule.lr(t - 1);
      if (slot && kernel!.memory !== seen) {
        // another run sharing the kernel grew its memory since our last step: re-take the views
        seen = kernel!.memory;
        ({ d, v: p } = kernel!.state(slot));
      }
      const batch = kernel ? kernel.rows : batchJs;
      const weight = kernel ? kernel.weights : weightJs;
      rng.sampleWithoutReplacement(perm, b, batch);
      for (let r = 0; r < b; r++) weight[r] = scale * d[batch[r]];
      if (optimizer === "sgd") {
        const beta = schedule.momentum(t - 1);
        if (slot) ss = kernel!.sgd(slot, b, alpha, beta);
        else {
          const g = kernel ? kernel.gather(b) : gatherTs(Kjs, N, batch, weight, b, gJs);
          ss = sgdUpdate(g, d, p, N, alpha, beta);
        }
      } else {
        const g = kernel ? kernel.gather(b) : gatherTs(Kjs, N, batch, weight, b, gJs);
        pow1 *= beta1;
        pow2 *= beta2;
        const step = alpha / (1 - pow1);
        const root2 = Math.sqrt(1 - pow2);
        let s0 = 0;
        let s1 = 0;
        for (let j = 0; j < N; j++) {
          const gj = g[j];
          const mj = beta1 * p[j] + (1 - beta1) * gj;
          const vj = beta2 * v[j] + (1 - beta2) * gj * gj;
          p[j] = mj;
          v[j] = vj;
          const dj = d[j] - (step * mj) / (Math.sqrt(vj) / root2 + eps);
          d[j] = dj;
          if ((j & 1) === 0) s0 += dj * dj;
          else s1 += dj * dj;
        }
        ss = s0 + s1;
      }
      const loss = ss * norm;
      if (isDiverged(loss, bound)) {
        yield { step: t, loss };
        return { status: "diverged", divergedAt: t, steps: t };
      }
      yield { step: t, loss, ...track(t) };
    }
    return { status: "done", divergedAt: null, steps: nSteps };
  } finally {
    if (slot) kernel!.release(slot);
  }
}

/**
 * v ← βv − αg, d ← d + v; returns ‖d‖² summed in two lanes (even j, odd j; then lane 0 + lane 1),
 * the order of the wasm kernel.
 */
function sgdUpdate(g: Float64Array, d: Float64Array, p: Float64Array, N: number, alpha: number, beta: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < N; j += 2) {
    const v0 = beta * p[j] - alpha * g[j];
    const v1 = beta * p[j + 1] - alpha * g[j + 1];
    p[j] = v0;
    p[j + 1] = v1;
    const d0 = d[j] + v0;
    const d1 = d[j + 1] + v1;
    d[j] = d0;
    d[j + 1] = d1;
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (j < N) {
    const v0 = beta * p[j] - alpha * g[j];
    p[j] = v0;
    const d0 = d[j] + v0;
    d[j] = d0;
    s0 += d0 * d0;
  }
  return s0 + s1;
}
