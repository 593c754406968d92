/**
 * The network regime (docs/theory.md §2.1): the two-layer ReLU network of lib/model/network.ts trained by
 * mini-batch SGD with momentum on ½·MSE of the batch, the full-train loss ½·mean((f(X) − y)²) recorded at
 * every step, or at the steps asked for (step 0 = the initial network).
 *
 * Optimiser: PyTorch's torch.optim.SGD rule, for every parameter θ with batch gradient g:
 *     buf ← β·buf + g,   θ ← θ − lr·buf          (buf starts at 0, no dampening, no Nesterov),
 * where lr = lr_scale·α_n. By default the schedule's momentum is read in the project's convention (the
 * moment equations', lib/schedule/convention.ts) and converted to PyTorch's β'_n = β_n·α_{n−1}/α_n, so
 * the network takes the same steps in function space as the kernel regimes; for a constant schedule
 * β' = β. `momentumConvention: "pytorch"` passes the schedule's momentum to the optimiser unchanged.
 *
 * lr_scale = N/λ_max(K_emp) (K_emp the empirical NTK Gram matrix of the initial network) makes α mean
 * the same as in the kernel regimes, whose kernel is rescaled to λ_max = N; it is applied by default
 * (`applyLrScale: false` reproduces the reference's four-regime script, which forgets it) and returned
 * with the outcome either way.
 *
 * The full-train loss, three ways that give the same numbers (docs/theory.md §11.4; test/regimes/network.test.ts
 * checks 1e-10):
 *  - "gram", O(N·b·H) a step instead of a forward pass's O(N·d·H): every first-layer gradient lies in the span
 *    of the batch inputs,
 *        ∂L_B/∂W₁ = (1/b) Σ_{i∈B} δ_i x_iᵀ/√d,   ∂L_B/∂b₁ = (1/b) Σ_{i∈B} δ_i,
 *        δ_i = r_i·w₂ ⊙ 1[z_i > 0]/√H,
 *    so the first-layer momentum buffer seen through the data, Q = X buf_W₁ᵀ/√d + 1 buf_b₁ᵀ (N×H), obeys
 *        Q ← β·Q + (1/b)·Ĝ[:, B]·Δ_B       (Ĝ = XXᵀ/d + 11ᵀ, Δ_B the b×H matrix of the δ_i)
 *    and the pre-activations of all N points follow exactly: Z ← Z − lr·Q, giving every output
 *    f = ReLU(Z)·w₂/√H, every step: the Gram step kernel (./gramStep.ts; natively one sweep over Z and Q).
 *  - "forward": the explicit W₁ (H×d) and its buffer, updated from the batch in O(b·d·H + d·H) by the hidden
 *    units' step kernel (./hiddenStep.ts), and a forward pass Z = XW₁ᵀ/√d + 1 b₁ᵀ by a GEMM every step (the
 *    reference's cost, kept as the baseline).
 *  - "sparse": the same explicit batch step, and the forward pass only at the steps whose loss is needed
 *    (recorded or tracked); the batch's own pre-activations X_B W₁ᵀ/√d + b₁ cost O(b·d·H).
 * `fullLoss: "auto"` (the default of `network`) takes the cheapest for the run's recorded steps by an operation
 * count (fullLossCosts). Everything is float64 (dense products through `denseKernels()`); the tests also check
 * against a plain forward pass and tfjs in float32. The explicit W₁ is kept by "forward" and "sparse", and by
 * "gram" only with `trackWeights: true`; b₁ and w₂ are always explicit (O(b·H)).
 *
 * Batches: as the linearized regime (lib/regimes/linearized.ts), `new Rng(replicateSeed(seed, replicate))`,
 * a permutation starting at the identity and `sampleWithoutReplacement` each step, so replicate r of a
 * network run and of a linearized run see the same batches.
 */
import { denseKernels } from "../linalg/kernels.ts";
import type { DenseKernels } from "../linalg/types.ts";
import { empiricalNtk, topEigenvalue } from "../problem/ntk.ts";
import { Rng } from "../random/rng.ts";
import { toPytorchMomentum } from "../schedule/convention.ts";
import type { RunOptions, RunOutcome, StepRecord } from "../types.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import type { GramStepKernel } from "./gramStep.ts";
import type { HiddenStepKernel } from "./hiddenStep.ts";
import { gramStepKernel, hiddenStepKernel } from "./networkKernels.ts";
import { replicateSeed } from "./linearized.ts";
import {
  augmentedGram,
  checkRegression,
  outputsFromPreActivations,
  preActivations,
  type NetworkParams,
  type Regression,
} from "../model/network.ts";
import { shouldTrack } from "./tracking.ts";

/** Everything the runs of one initial network share (computed once, read-only afterwards). */
export interface NetworkSetup {
  readonly data: Regression;
  /** the initial network (never modified) */
  readonly params: NetworkParams;
  /** Ĝ = XXᵀ/d + 11ᵀ (N×N) */
  readonly gram: Float64Array;
  /** initial pre-activations Z₀ (N×H) */
  readonly z0: Float64Array;
  /** λ_max(K_emp) of the initial network (null when lr_scale was given explicitly) */
  readonly lambdaMax: number | null;
  /** N/λ_max(K_emp), or the value given */
  readonly lrScale: number;
  /** eigenvectors of the rescaled NTK (column k = u_k), for per-mode tracking */
  readonly vectors?: Float64Array;
}

export interface PrepareNetworkOptions {
  readonly kernels?: DenseKernels;
  /** use this lr_scale instead of computing N/λ_max(K_emp) */
  readonly lrScale?: number;
  /** the empirical NTK of `params` if already computed (N×N), for λ_max */
  readonly ntk?: Float64Array;
  /** λ_max(K_emp) if already known */
  readonly lambdaMax?: number;
  readonly vectors?: Float64Array;
  /** Ĝ and Z₀ if already computed (e.g. by lib/problem/ntkProblem.ts networkProblem) */
  readonly gram?: Float64Array;
  readonly z0?: Float64Array;
}

/** Computes Ĝ, Z₀ and lr_scale = N/λ_max(K_emp) for an initial network. */
export function prepareNetwork(
  data: Regression,
  params: NetworkParams,
  options: PrepareNetworkOptions = {},
): NetworkSetup {
  checkRegression(data);
  const { N, d, x } = data;
  if (params.d !== d) throw new RangeError(`network input dimension ${params.d} does not match the data's ${d}`);
  const kernels = options.kernels ?? denseKernels();
  const gram = options.gram ?? augmentedGram(x, N, d, kernels);
  const z0 = options.z0 ?? preActivations(params, x, N, kernels);
  if (gram.length !== N * N) throw new RangeError(`gram must be N×N = ${N * N} entries, got ${gram.length}`);
  if (z0.length !== N * params.H) throw new RangeError(`z0 must be N×H = ${N * params.H} entries, got ${z0.length}`);
  let lambdaMax: number | null = null;
  let lrScale: number;
  if (options.lrScale !== undefined) {
    if (!(options.lrScale > 0 && Number.isFinite(options.lrScale)))
      throw new RangeError(`lrScale must be a positive finite number, got ${options.lrScale}`);
    lrScale = options.lrScale;
  } else {
    lambdaMax =
      options.lambdaMax ?? topEigenvalue(options.ntk ?? empiricalNtk(data, params, { kernels, gram, z: z0 }), N);
    if (!(lambdaMax > 0)) throw new RangeError(`the empirical NTK has no positive eigenvalue (λ_max = ${lambdaMax})`);
    lrScale = N / lambdaMax;
  }
  if (options.vectors && options.vectors.length !== N * N)
    throw new RangeError(`vectors must be N×N = ${N * N} entries`);
  return { data, params, gram, z0, lambdaMax, lrScale, vectors: options.vectors };
}

export type FullLossMethod = "gram" | "forward" | "sparse";

export interface TrainerOptions {
  readonly kernels?: DenseKernels;
  /** keep W₁ and its momentum buffer explicitly (default: only when fullLoss is "forward" or "sparse") */
  readonly trackWeights?: boolean;
  /** how the full-train outputs are obtained (default "gram"; see the module doc) */
  readonly fullLoss?: FullLossMethod;
  /** the Gram step kernel (default: gramStepKernel, native where it loads) */
  readonly gramStep?: GramStepKernel;
  /** the hidden units' step (default: hiddenStepKernel, native where it loads) */
  readonly hiddenStep?: HiddenStepKernel;
}

const METHODS: readonly FullLossMethod[] = ["gram", "forward", "sparse"];

/** 2·ReLU(z) summed against w₂ over one row of pre-activations: f = (1/√H)·Σ_h w₂[h]·ReLU(z[o + h]). */
function rowOutput(z: Float64Array, o: number, w2: Float64Array, H: number): number {
  let acc = 0;
  for (let h = 0; h < H; h++) {
    const v = z[o + h];
    acc += (v + Math.abs(v)) * w2[h]; // 2·ReLU(v), exactly and without a branch
  }
  return (0.5 * acc) / Math.sqrt(H);
}

/**
 * The state of one network under training. `train` applies one PyTorch SGD-momentum step on a batch and
 * returns that batch's loss; `loss` is the full-train loss of the current network (method "sparse" computes
 * it on demand by a forward pass); `step` is both.
 */
export class NetworkTrainer {
  readonly N: number;
  readonly d: number;
  readonly H: number;
  readonly fullLoss: FullLossMethod;
  readonly trackWeights: boolean;
  private readonly kernels: DenseKernels;
  /** the Gram step kernel (method "gram" only) */
  readonly gramStep: GramStepKernel | null;
  /** the hidden units' step: Δ_B and the momentum steps of w₂, b₁ and (explicit) W₁ */
  readonly hiddenStep: HiddenStepKernel;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly gram: Float64Array;
  /** pre-activations of all N points (N×H): current (gram, forward), or the last evaluation's scratch (sparse) */
  private readonly Z: Float64Array;
  /** first-layer momentum buffer through the data, Q = X buf_W₁ᵀ/√d + 1 buf_b₁ᵀ (N×H; gram only) */
  private readonly Q: Float64Array;
  /** outputs f(X), current while `fresh` */
  private readonly f: Float64Array;
  private fresh = true;
  private readonly w2: Float64Array;
  private readonly bufW2: Float64Array;
  private readonly b1: Float64Array;
  private readonly bufB1: Float64Array;
  private readonly w1: Float64Array | null;
  private readonly bufW1: Float64Array | null;
  private delta = new Float64Array(0);
  /** the batch's pre-activations (b×H) and scaled residuals (b) */
  private zb = new Float64Array(0);
  private res = new Float64Array(0);
  private gb = new Float64Array(0);
  private xb = new Float64Array(0);
  private lossValue: number;

  constructor(setup: NetworkSetup, options: TrainerOptions = {}) {
    const { data, params } = setup;
    this.N = data.N;
    this.d = data.d;
    this.H = params.H;
    this.kernels = options.kernels ?? denseKernels();
    this.fullLoss = options.fullLoss ?? "gram";
    this.gramStep = this.fullLoss === "gram" ? (options.gramStep ?? gramStepKernel(this.kernels)) : null;
    if (!METHODS.includes(this.fullLoss))
      throw new RangeError(`fullLoss must be "gram", "forward" or "sparse", got ${String(this.fullLoss)}`);
    this.trackWeights = options.trackWeights ?? this.fullLoss !== "gram";
    if (this.fullLoss !== "gram" && !this.trackWeights)
      throw new RangeError(`fullLoss "${this.fullLoss}" needs trackWeights`);
    this.hiddenStep = options.hiddenStep ?? hiddenStepKernel(this.kernels);
    this.x = data.x;
    this.y = data.y;
    this.gram = setup.gram;
    const { N, H, d } = this;
    if (setup.z0.length !== N * H) throw new RangeError(`z0 must be N×H = ${N * H} entries, got ${setup.z0.length}`);
    if (setup.gram.length !== N * N)
      throw new RangeError(`gram must be N×N = ${N * N} entries, got ${setup.gram.length}`);
    this.Z = setup.z0.slice();
    this.Q = new Float64Array(this.fullLoss === "gram" ? N * H : 0);
    this.w2 = params.w2.slice();
    this.b1 = params.b1.slice();
    this.bufW2 = new Float64Array(H);
    this.bufB1 = new Float64Array(H);
    this.w1 = this.trackWeights ? params.w1.slice() : null;
    this.bufW1 = this.trackWeights ? new Float64Array(H * d) : null;
    this.f = outputsFromPreActivations(this.Z, this.w2, N, H);
    this.lossValue = this.computeLoss();
  }

  /** ½·mean((f(X) − y)²) of the current network (method "sparse": one forward pass after each step). */
  loss(): number {
    this.evaluate();
    return this.lossValue;
  }

  /** The current outputs f(X) (a copy). */
  outputs(): Float64Array {
    this.evaluate();
    return this.f.slice();
  }

  /** The current residual d = f(X) − y. */
  residual(): Float64Array {
    this.evaluate();
    const d = new Float64Array(this.N);
    for (let i = 0; i < this.N; i++) d[i] = this.f[i] - this.y[i];
    return d;
  }

  /** The current parameters (copies); needs trackWeights for W₁. */
  params(): NetworkParams {
    if (!this.w1)
      throw new Error("the first-layer weights are not tracked: create the trainer with trackWeights: true");
    return { d: this.d, H: this.H, w1: this.w1.slice(), b1: this.b1.slice(), w2: this.w2.slice() };
  }

  /** One optimiser step on the batch, then the new full-train loss. */
  step(batch: Int32Array, lr: number, beta: number): number {
    this.train(batch, lr, beta);
    return this.loss();
  }

  /**
   * One optimiser step on the batch (distinct indices) with learning rate lr and PyTorch momentum beta; returns
   * the batch loss ½·mean_{i∈B}(f(x_i) − y_i)² of the network before the step (the loss it differentiates).
   */
  train(batch: Int32Array, lr: number, beta: number): number {
    const { N, H, d, Z, y, w2 } = this;
    const b = batch.length;
    if (b < 1) throw new RangeError("empty batch");
    if (this.delta.length !== b * H) {
      this.delta = new Float64Array(b * H);
      this.zb = new Float64Array(b * H);
      this.res = new Float64Array(b);
      this.gb = new Float64Array(this.fullLoss === "gram" ? b * N : 0);
      this.xb = new Float64Array(this.trackWeights ? b * d : 0);
    }
    const { delta: D, zb, xb } = this;
    if (this.w1) for (let r = 0; r < b; r++) xb.set(this.x.subarray(batch[r] * d, batch[r] * d + d), r * d);
    // the batch's pre-activations: rows of Z, or (sparse) Z_B = X_B W₁ᵀ/√d + 1 b₁ᵀ in O(b·d·H)
    if (this.fullLoss === "sparse") {
      for (let r = 0; r < b; r++) zb.set(this.b1, r * H);
      this.kernels.gemm(false, true, b, H, d, 1 / Math.sqrt(d), xb, this.w1!, 1, zb);
    } else for (let r = 0; r < b; r++) zb.set(Z.subarray(batch[r] * H, batch[r] * H + H), r * H);
    // the batch's residuals, then Δ_B and the momentum steps of w₂, b₁ (and W₁) by the hidden-step kernel
    const sH = 1 / Math.sqrt(H);
    const res = this.res;
    let batchSs = 0;
    for (let r = 0; r < b; r++) {
      const e = rowOutput(zb, r * H, w2, H) - y[batch[r]];
      batchSs += e * e;
      res[r] = e * sH;
    }
    const first = this.w1 && this.bufW1 ? { d, xb, W: this.w1, buf: this.bufW1 } : null;
    const { bufW2, b1, bufB1 } = this;
    this.hiddenStep.hiddenStep({ H, b, zb, res, delta: D, w2, bufW2, b1, bufB1, first, lr, beta });
    this.fresh = false;
    if (this.fullLoss === "gram") this.gramUpdate(batch, lr, beta);
    else if (this.fullLoss === "forward") this.evaluate();
    return batchSs / (2 * b);
  }

  /** Q ← β·Q + (1/b)·Ĝ[:, B]·Δ_B, Z ← Z − lr·Q and the outputs, in O(N·b·H) (see the module doc). */
  private gramUpdate(batch: Int32Array, lr: number, beta: number): void {
    const { N, H, gb } = this;
    const b = batch.length;
    for (let r = 0; r < b; r++) gb.set(this.gram.subarray(batch[r] * N, batch[r] * N + N), r * N); // Ĝ symmetric
    const { Z, Q, f, y, w2, delta } = this;
    const ss = this.gramStep!.gramStep({ N, H, b, gb, delta, Q, Z, w2, y, f, lr, beta });
    this.lossValue = ss / (2 * N);
    this.fresh = true;
  }

  /** Makes f and the loss current: a forward pass Z = XW₁ᵀ/√d + 1 b₁ᵀ (O(N·d·H)) unless they are. */
  private evaluate(): void {
    if (this.fresh) return;
    const { N, H, d, Z, w2 } = this;
    preActivations({ d, H, w1: this.w1!, b1: this.b1, w2 }, this.x, N, this.kernels, Z);
    this.f.set(outputsFromPreActivations(Z, w2, N, H));
    this.lossValue = this.computeLoss();
    this.fresh = true;
  }

  private computeLoss(): number {
    let ss = 0;
    for (let n = 0; n < this.N; n++) {
      const r = this.f[n] - this.y[n];
      ss += r * r;
    }
    return ss / (2 * this.N);
  }
}

/** The shape a run's cost depends on. */
export interface NetworkShape {
  readonly N: number;
  readonly d: number;
  readonly H: number;
  readonly b: number;
}

/**
 * Estimated cost of a run of nSteps steps of which nFull need the full-train loss (recorded or tracked), by
 * method, in multiply-adds of a GEMM, with a pass over an array element weighing what the measured times
 * (bench/network.bench.ts, N = H = 1000, b = 10) say: ~14 for the Gram sweep over Z and Q (memory-bound),
 * ~30 for the passes of a forward evaluation (Z written, read back in JS), ~30 per W₁ element and ~40 per
 * batch pre-activation for the batch step's JS loops:
 *   gram:    every step, N·H·(b + 14);
 *   forward: every step, the batch step on the explicit W₁, 3·b·d·H + 30·d·H + 40·b·H, and a forward
 *            evaluation N·H·(d + 30);
 *   sparse:  every step, the batch step; at the nFull steps, a forward evaluation.
 */
export function fullLossCosts(shape: NetworkShape, nSteps: number, nFull: number): Record<FullLossMethod, number> {
  const { N, d, H, b } = shape;
  const batchStep = 3 * b * d * H + 30 * d * H + 40 * b * H;
  const forwardPass = N * H * (d + 30);
  return {
    gram: nSteps * N * H * (b + 14),
    forward: nSteps * (batchStep + forwardPass),
    sparse: nSteps * batchStep + nFull * forwardPass,
  };
}

/**
 * What computes a run of this method, as recorded on it: "<method>-f64:native" when its step kernel (Gram or
 * hidden units') is the native one, else "<method>-f64:<dense kernels>" (wasm, ts): e.g. "gram-f64:native".
 */
export function networkBackend(fullLoss: FullLossMethod, kernels: DenseKernels = denseKernels()): string {
  const step = (fullLoss === "gram" ? gramStepKernel(kernels) : hiddenStepKernel(kernels)).name;
  return `${fullLoss}-f64:${step === "ts" ? kernels.name : step}`;
}

/** The cheapest method by fullLossCosts ("gram" on ties). */
export function cheapestFullLoss(shape: NetworkShape, nSteps: number, nFull: number): FullLossMethod {
  const cost = fullLossCosts(shape, nSteps, nFull);
  return METHODS.reduce((best, m) => (cost[m] < cost[best] ? m : best), "gram" as FullLossMethod);
}

export interface NetworkOptions extends RunOptions, Omit<TrainerOptions, "fullLoss"> {
  /** base seed of the batches (as the linearized regime), integer in [0, 2³²); default 0 */
  readonly seed?: number;
  /** replicate index: the network run r uses the batches of linearized replicate r; default 0 */
  readonly replicate?: number;
  /** multiply α by the setup's lr_scale = N/λ_max(K_emp) (default true) */
  readonly applyLrScale?: boolean;
  /**
   * "regimes" (default): the schedule's momentum is the moment equations' β, converted to PyTorch's;
   * "pytorch": used as is
   */
  readonly momentumConvention?: "regimes" | "pytorch";
  /**
   * The steps whose full-train loss is recorded, in 0..nSteps (e.g. lib/run/record.ts recordedSteps); the
   * others are never yielded. Default every step; steps 0, nSteps and the tracked steps (trackEvery) are added.
   */
  readonly recordSteps?: ArrayLike<number>;
  /** how the full-train loss is obtained: a method, or "auto" (default), the cheapest for the recorded steps */
  readonly fullLoss?: FullLossMethod | "auto";
}

export interface NetworkOutcome extends RunOutcome {
  /** the factor α was multiplied by (1 when not applied) */
  readonly lrScale: number;
  readonly lrScaleApplied: boolean;
  /** the setup's N/λ_max(K_emp), applied or not */
  readonly lrScaleComputed: number;
  readonly fullLoss: FullLossMethod;
}

export type NetworkRun = Generator<StepRecord, NetworkOutcome, void>;

/** Steps 1..nSteps whose full-train loss the run needs: the recorded ones and the tracked ones. */
function fullLossSteps(options: NetworkOptions): Uint8Array {
  const { nSteps } = options;
  const trackEvery = options.trackEvery ?? 0;
  const need = new Uint8Array(nSteps + 1);
  if (options.recordSteps === undefined) need.fill(1);
  else {
    for (let i = 0; i < options.recordSteps.length; i++) {
      const s = options.recordSteps[i];
      if (!Number.isInteger(s) || s < 0 || s > nSteps)
        throw new RangeError(`recordSteps must hold integer steps in 0..${nSteps}, got ${s}`);
      need[s] = 1;
    }
  }
  for (let s = 0; s <= nSteps; s++) if (shouldTrack(s, nSteps, trackEvery)) need[s] = 1;
  need[0] = need[nSteps] = 1; // the first and the last step are always yielded
  return need;
}

/** The method a run with these options uses: the one asked for, or for "auto" the cheapest (cheapestFullLoss). */
export function networkFullLoss(setup: NetworkSetup, options: NetworkOptions): FullLossMethod {
  const asked = options.fullLoss ?? "auto";
  if (asked !== "auto") {
    if (!METHODS.includes(asked))
      throw new RangeError(`fullLoss must be "auto", "gram", "forward" or "sparse", got ${String(asked)}`);
    return asked;
  }
  const need = fullLossSteps(options);
  let nFull = 0;
  for (let s = 1; s < need.length; s++) nFull += need[s];
  const shape = { N: setup.data.N, d: setup.data.d, H: setup.params.H, b: options.batchSize };
  return cheapestFullLoss(shape, options.nSteps, nFull);
}

/**
 * One training run of the network of `setup` (a RegimeRun whose outcome also records lr_scale). Yields step 0
 * and every step whose full-train loss is needed (recordSteps and tracked steps; by default all).
 *
 * Divergence (the same rule for every method, so they agree): the run stops at the first step t ≥ 1 where
 *  - t is a yielded step and its full-train loss L_t is not ≤ bound = divergenceFactor·L_0, or
 *  - the batch loss L_B of step t (the network after step t − 1, on the batch of step t) is not
 *    ≤ (N/b)·bound, which proves L_{t−1} ≥ (b/N)·L_B > bound: the network had already diverged;
 * the last record is then (t, L_t). With every step yielded the second test never fires first, and the rule is
 * the per-step one of the other regimes.
 */
export function* network(setup: NetworkSetup, options: NetworkOptions): NetworkRun {
  const { N } = setup.data;
  const { nSteps } = options;
  const b = options.batchSize;
  if (!Number.isInteger(b) || b < 1 || b > N)
    throw new RangeError(`batch size must be an integer in 1..${N}, got ${b}`);
  if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`nSteps must be an integer ≥ 0, got ${nSteps}`);
  const convention = options.momentumConvention ?? "regimes";
  if (convention !== "regimes" && convention !== "pytorch")
    throw new RangeError(`momentumConvention must be "regimes" or "pytorch", got ${String(convention)}`);
  const schedule = convention === "pytorch" ? options.schedule : toPytorchMomentum(options.schedule);
  const applied = options.applyLrScale ?? true;
  const scale = applied ? setup.lrScale : 1;
  const trackEvery = options.trackEvery ?? 0;
  const U = setup.vectors;
  if (trackEvery > 0 && !U) throw new RangeError("per-mode tracking needs the eigenvectors of the NTK (setup.vectors)");
  const need = fullLossSteps(options);
  const trainer = new NetworkTrainer(setup, { ...options, fullLoss: networkFullLoss(setup, options) });
  const modes = (): Float64Array => {
    const d = trainer.residual();
    const out = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const di = d[i];
      const o = i * N;
      for (let k = 0; k < N; k++) out[k] += U![o + k] * di;
    }
    for (let k = 0; k < N; k++) out[k] *= out[k];
    return out;
  };
  const track = (t: number) => (shouldTrack(t, nSteps, trackEvery) ? { modes: modes() } : {});
  const outcome = (status: "done" | "diverged", t: number): NetworkOutcome => ({
    status,
    divergedAt: status === "diverged" ? t : null,
    steps: t,
    lrScale: scale,
    lrScaleApplied: applied,
    lrScaleComputed: setup.lrScale,
    fullLoss: trainer.fullLoss,
  });

  const rng = new Rng(replicateSeed(options.seed ?? 0, options.replicate ?? 0));
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const batch = new Int32Array(b);
  const loss0 = trainer.loss();
  const bound = divergenceBound(loss0, options.divergenceFactor);
  const batchBound = (N / b) * bound;
  yield { step: 0, loss: loss0, ...track(0) };
  for (let t = 1; t <= nSteps; t++) {
    const lr = scale * schedule.lr(t - 1);
    const beta = schedule.momentum(t - 1);
    rng.sampleWithoutReplacement(perm, b, batch);
    const batchLoss = trainer.train(batch, lr, beta);
    if (!(batchLoss <= batchBound)) {
      yield { step: t, loss: trainer.loss() };
      return outcome("diverged", t);
    }
    if (!need[t]) continue;
    const loss = trainer.loss();
    if (isDiverged(loss, bound)) {
      yield { step: t, loss };
      return outcome("diverged", t);
    }
    yield { step: t, loss, ...track(t) };
  }
  return outcome("done", nSteps);
}

/** The batch sequence a network (or linearized) replicate uses: nSteps×b indices, row t−1 = batch of step t. */
export function batchSequence(N: number, b: number, nSteps: number, seed = 0, replicate = 0): Int32Array[] {
  const rng = new Rng(replicateSeed(seed, replicate));
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const out: Int32Array[] = [];
  for (let t = 0; t < nSteps; t++) {
    const batch = new Int32Array(b);
    rng.sampleWithoutReplacement(perm, b, batch);
    out.push(batch);
  }
  return out;
}
