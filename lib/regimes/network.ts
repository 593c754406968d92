/**
 * The network regime (THEORY §2.1): the two-layer ReLU network of lib/model/network.ts trained by
 * mini-batch SGD with momentum on ½·MSE of the batch, the full-train loss ½·mean((f(X) − y)²) recorded
 * every step (step 0 = the initial network).
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
 * Full-train loss in O(N·b·H) a step ("gram", the default) instead of a forward pass's O(N·d·H):
 * every first-layer gradient lies in the span of the batch inputs,
 *     ∂L_B/∂W₁ = (1/b) Σ_{i∈B} δ_i x_iᵀ/√d,   ∂L_B/∂b₁ = (1/b) Σ_{i∈B} δ_i,   δ_i = r_i·w₂ ⊙ 1[z_i > 0]/√H,
 * so the first-layer momentum buffer seen through the data, Q = X buf_W₁ᵀ/√d + 1 buf_b₁ᵀ (N×H), obeys
 *     Q ← β·Q + (1/b)·Ĝ[:, B]·Δ_B       (Ĝ = XXᵀ/d + 11ᵀ, Δ_B the b×H matrix of the δ_i)
 * and the pre-activations of all N points follow exactly: Z ← Z − lr·Q. One GEMM (N×b by b×H) and one
 * fused pass over Z and Q give every output f = ReLU(Z)·w₂/√H. Everything here is float64 (the dense
 * products through `denseKernels()`); test/regimes/network.test.ts checks the result against a plain
 * forward pass (float64, and tfjs in float32). `fullLoss: "forward"` recomputes Z = XW₁ᵀ/√d + b₁ by a
 * GEMM every step instead (the reference's cost, kept as the baseline; it needs the explicit W₁).
 *
 * The explicit first-layer weights W₁ (H×d) and their buffer cost O(b·d·H + d·H) a step; they are kept only
 * with `trackWeights: true` (or fullLoss "forward"). b₁ and w₂ are always explicit (O(b·H)).
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
import { replicateSeed } from "./linearized.ts";
import {
  augmentedGram, checkRegression, outputsFromPreActivations, preActivations,
  type NetworkParams, type Regression,
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
export function prepareNetwork(data: Regression, params: NetworkParams, options: PrepareNetworkOptions = {}): NetworkSetup {
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
    if (!(options.lrScale > 0 && Number.isFinite(options.lrScale))) throw new RangeError(`lrScale must be a positive finite number, got ${options.lrScale}`);
    lrScale = options.lrScale;
  } else {
    lambdaMax = options.lambdaMax ?? topEigenvalue(options.ntk ?? empiricalNtk(data, params, { kernels, gram, z: z0 }), N);
    if (!(lambdaMax > 0)) throw new RangeError(`the empirical NTK has no positive eigenvalue (λ_max = ${lambdaMax})`);
    lrScale = N / lambdaMax;
  }
  if (options.vectors && options.vectors.length !== N * N) throw new RangeError(`vectors must be N×N = ${N * N} entries`);
  return { data, params, gram, z0, lambdaMax, lrScale, vectors: options.vectors };
}

export type FullLossMethod = "gram" | "forward";

export interface TrainerOptions {
  readonly kernels?: DenseKernels;
  /** keep W₁ and its momentum buffer explicitly (default: only when fullLoss is "forward") */
  readonly trackWeights?: boolean;
  /** how the full-train outputs are updated each step (default "gram") */
  readonly fullLoss?: FullLossMethod;
}

/** The state of one network under training; `step` applies one PyTorch SGD-momentum step on a batch. */
export class NetworkTrainer {
  readonly N: number;
  readonly d: number;
  readonly H: number;
  readonly fullLoss: FullLossMethod;
  readonly trackWeights: boolean;
  private readonly kernels: DenseKernels;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly gram: Float64Array;
  /** current pre-activations of all N points (N×H) */
  private readonly Z: Float64Array;
  /** first-layer momentum buffer through the data, Q = X buf_W₁ᵀ/√d + 1 buf_b₁ᵀ (N×H; gram only) */
  private readonly Q: Float64Array;
  /** current outputs f(X) */
  private readonly f: Float64Array;
  private readonly w2: Float64Array;
  private readonly bufW2: Float64Array;
  private readonly b1: Float64Array;
  private readonly bufB1: Float64Array;
  private readonly w1: Float64Array | null;
  private readonly bufW1: Float64Array | null;
  private readonly gW2: Float64Array;
  private readonly gB1: Float64Array;
  private delta = new Float64Array(0);
  private gb = new Float64Array(0);
  private xb = new Float64Array(0);
  private res = new Float64Array(0);
  private lossValue: number;

  constructor(setup: NetworkSetup, options: TrainerOptions = {}) {
    const { data, params } = setup;
    this.N = data.N;
    this.d = data.d;
    this.H = params.H;
    this.kernels = options.kernels ?? denseKernels();
    this.fullLoss = options.fullLoss ?? "gram";
    if (this.fullLoss !== "gram" && this.fullLoss !== "forward") throw new RangeError(`fullLoss must be "gram" or "forward", got ${String(this.fullLoss)}`);
    this.trackWeights = options.trackWeights ?? this.fullLoss === "forward";
    if (this.fullLoss === "forward" && !this.trackWeights) throw new RangeError(`fullLoss "forward" needs trackWeights`);
    this.x = data.x;
    this.y = data.y;
    this.gram = setup.gram;
    const { N, H, d } = this;
    if (setup.z0.length !== N * H) throw new RangeError(`z0 must be N×H = ${N * H} entries, got ${setup.z0.length}`);
    if (setup.gram.length !== N * N) throw new RangeError(`gram must be N×N = ${N * N} entries, got ${setup.gram.length}`);
    this.Z = setup.z0.slice();
    this.Q = new Float64Array(this.fullLoss === "gram" ? N * H : 0);
    this.w2 = params.w2.slice();
    this.b1 = params.b1.slice();
    this.bufW2 = new Float64Array(H);
    this.bufB1 = new Float64Array(H);
    this.w1 = this.trackWeights ? params.w1.slice() : null;
    this.bufW1 = this.trackWeights ? new Float64Array(H * d) : null;
    this.gW2 = new Float64Array(H);
    this.gB1 = new Float64Array(H);
    this.f = outputsFromPreActivations(this.Z, this.w2, N, H);
    this.lossValue = this.computeLoss();
  }

  /** ½·mean((f(X) − y)²) of the current network. */
  loss(): number {
    return this.lossValue;
  }

  /** The current outputs f(X) (a copy). */
  outputs(): Float64Array {
    return this.f.slice();
  }

  /** The current residual d = f(X) − y. */
  residual(): Float64Array {
    const d = new Float64Array(this.N);
    for (let i = 0; i < this.N; i++) d[i] = this.f[i] - this.y[i];
    return d;
  }

  /** The current parameters (copies); needs trackWeights for W₁. */
  params(): NetworkParams {
    if (!this.w1) throw new Error("the first-layer weights are not tracked: create the trainer with trackWeights: true");
    return { d: this.d, H: this.H, w1: this.w1.slice(), b1: this.b1.slice(), w2: this.w2.slice() };
  }

  /** One optimiser step on the batch (distinct indices) with learning rate lr and PyTorch momentum beta; returns the new full-train loss. */
  step(batch: Int32Array, lr: number, beta: number): number {
    const { N, H, d, Z, f, y, w2 } = this;
    const b = batch.length;
    if (b < 1) throw new RangeError("empty batch");
    if (this.delta.length !== b * H) {
      this.delta = new Float64Array(b * H);
      this.gb = new Float64Array(this.fullLoss === "gram" ? b * N : 0);
      this.xb = new Float64Array(this.trackWeights ? b * d : 0);
      this.res = new Float64Array(b);
    }
    const D = this.delta;
    const sH = 1 / Math.sqrt(H);
    const gW2 = this.gW2.fill(0);
    const gB1 = this.gB1.fill(0);
    // residuals at the batch (f is current), δ_i and the batch gradients of w₂ and b₁
    for (let r = 0; r < b; r++) {
      const i = batch[r];
      const rr = (f[i] - y[i]) * sH;
      const zo = i * H;
      const ro = r * H;
      for (let h = 0; h < H; h++) {
        const z = Z[zo + h];
        if (z > 0) {
          const dl = rr * w2[h];
          D[ro + h] = dl;
          gB1[h] += dl;
          gW2[h] += rr * z;
        } else D[ro + h] = 0;
      }
    }
    const invB = 1 / b;
    const { bufW2, bufB1, b1 } = this;
    for (let h = 0; h < H; h++) {
      bufW2[h] = beta * bufW2[h] + gW2[h] * invB;
      w2[h] -= lr * bufW2[h];
      bufB1[h] = beta * bufB1[h] + gB1[h] * invB;
      b1[h] -= lr * bufB1[h];
    }
    if (this.w1 && this.bufW1) {
      const xb = this.xb;
      for (let r = 0; r < b; r++) xb.set(this.x.subarray(batch[r] * d, batch[r] * d + d), r * d);
      // buf_W₁ ← β·buf_W₁ + (1/(b√d))·Δ_Bᵀ X_B
      this.kernels.gemm(true, false, H, d, b, invB / Math.sqrt(d), D, xb, beta, this.bufW1);
      const w1 = this.w1, bw = this.bufW1;
      for (let k = 0; k < H * d; k++) w1[k] -= lr * bw[k];
    }
    if (this.fullLoss === "gram") {
      const gb = this.gb;
      for (let r = 0; r < b; r++) gb.set(this.gram.subarray(batch[r] * N, batch[r] * N + N), r * N); // rows of Ĝ = columns (symmetric)
      // Q ← β·Q + (1/b)·Ĝ[:, B]·Δ_B
      this.kernels.gemm(true, false, N, H, b, invB, gb, D, beta, this.Q);
      const Q = this.Q;
      let ss = 0;
      // Z ← Z − lr·Q and f = ReLU(Z)·w₂/√H in one pass. ReLU(z) = (z + |z|)/2 exactly in floating point
      // (z + |z| is 2z or 0), and branch-free: a data-dependent branch here costs ~3× (mispredictions).
      const H2 = H & ~1;
      for (let n = 0; n < N; n++) {
        const o = n * H;
        let a0 = 0, a1 = 0;
        for (let h = 0; h < H2; h += 2) {
          const z0 = Z[o + h] - lr * Q[o + h];
          const z1 = Z[o + h + 1] - lr * Q[o + h + 1];
          Z[o + h] = z0;
          Z[o + h + 1] = z1;
          a0 += (z0 + Math.abs(z0)) * w2[h];
          a1 += (z1 + Math.abs(z1)) * w2[h + 1];
        }
        if (H2 < H) {
          const z = Z[o + H2] - lr * Q[o + H2];
          Z[o + H2] = z;
          a0 += (z + Math.abs(z)) * w2[H2];
        }
        const fn = 0.5 * (a0 + a1) * sH;
        f[n] = fn;
        const r = fn - y[n];
        ss += r * r;
      }
      this.lossValue = ss / (2 * N);
    } else {
      preActivations({ d, H, w1: this.w1!, b1, w2 }, this.x, N, this.kernels, Z);
      f.set(outputsFromPreActivations(Z, w2, N, H));
      this.lossValue = this.computeLoss();
    }
    return this.lossValue;
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

export interface NetworkOptions extends RunOptions, TrainerOptions {
  /** base seed of the batches (as the linearized regime), integer in [0, 2³²); default 0 */
  readonly seed?: number;
  /** replicate index: the network run r uses the batches of linearized replicate r; default 0 */
  readonly replicate?: number;
  /** multiply α by the setup's lr_scale = N/λ_max(K_emp) (default true) */
  readonly applyLrScale?: boolean;
  /** "regimes" (default): the schedule's momentum is the moment equations' β, converted to PyTorch's; "pytorch": used as is */
  readonly momentumConvention?: "regimes" | "pytorch";
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

/** One training run of the network of `setup` (a RegimeRun whose outcome also records lr_scale). */
export function* network(setup: NetworkSetup, options: NetworkOptions): NetworkRun {
  const { N } = setup.data;
  const { nSteps } = options;
  const b = options.batchSize;
  if (!Number.isInteger(b) || b < 1 || b > N) throw new RangeError(`batch size must be an integer in 1..${N}, got ${b}`);
  if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`nSteps must be an integer ≥ 0, got ${nSteps}`);
  const convention = options.momentumConvention ?? "regimes";
  if (convention !== "regimes" && convention !== "pytorch") throw new RangeError(`momentumConvention must be "regimes" or "pytorch", got ${String(convention)}`);
  const schedule = convention === "pytorch" ? options.schedule : toPytorchMomentum(options.schedule);
  const applied = options.applyLrScale ?? true;
  const scale = applied ? setup.lrScale : 1;
  const trackEvery = options.trackEvery ?? 0;
  const U = setup.vectors;
  if (trackEvery > 0 && !U) throw new RangeError("per-mode tracking needs the eigenvectors of the NTK (setup.vectors)");
  const trainer = new NetworkTrainer(setup, options);
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
    status, divergedAt: status === "diverged" ? t : null, steps: t,
    lrScale: scale, lrScaleApplied: applied, lrScaleComputed: setup.lrScale, fullLoss: trainer.fullLoss,
  });

  const rng = new Rng(replicateSeed(options.seed ?? 0, options.replicate ?? 0));
  const perm = new Int32Array(N);
  for (let i = 0; i < N; i++) perm[i] = i;
  const batch = new Int32Array(b);
  const loss0 = trainer.loss();
  const bound = divergenceBound(loss0, options.divergenceFactor);
  yield { step: 0, loss: loss0, ...track(0) };
  for (let t = 1; t <= nSteps; t++) {
    const lr = scale * schedule.lr(t - 1);
    const beta = schedule.momentum(t - 1);
    rng.sampleWithoutReplacement(perm, b, batch);
    const loss = trainer.step(batch, lr, beta);
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
