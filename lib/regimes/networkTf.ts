/**
 * The network of docs/theory.md §2.1 in TensorFlow.js (float32: tfjs has no float64 tensors), on the backend
 * chosen by lib/tf/backend.ts (native "tensorflow" when tfjs-node loads, else wasm, else cpu):
 *  - `forwardTf`: the plain forward pass f(X) (O(N·d·H));
 *  - `jacobianNtkTf`: the empirical NTK from per-example gradients by tfjs autodiff, K = J Jᵀ
 *    (independent of the closed form in lib/problem/ntk.ts; meant for small N);
 *  - `networkTf`: the reference's training loop — batch gradient of ½·MSE by autodiff, PyTorch's
 *    SGD-momentum update, and a plain forward pass over the whole training set every step. Same batches,
 *    same schedule conventions and the same records as lib/regimes/network.ts, which gets the full-train
 *    loss in O(N·b·H) instead; this one is the baseline and the independent check.
 * Call `await selectBackend()` (lib/tf/backend.ts) first; the functions here are synchronous after that.
 */
import * as tf from "@tensorflow/tfjs";
import { toPytorchMomentum } from "../schedule/convention.ts";
import { currentBackend, type BackendName } from "../tf/backend.ts";
import type { RunOptions, RunOutcome, StepRecord } from "../types.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { batchSequence } from "./network.ts";
import { checkRegression, type NetworkParams, type Regression } from "../model/network.ts";

function requireBackend(): BackendName {
  const b = currentBackend();
  if (b === null)
    throw new Error("no TensorFlow.js backend selected: call `await selectBackend()` from lib/tf/backend.ts first");
  return b;
}

/**
 * f = (1/√H)·ReLU(X W₁ᵀ/√d + b₁)·w₂ as a tfjs expression (shape [n]). W₁ is held transposed (w1t = W₁ᵀ,
 * d×H): tfjs-wasm's matMul with transposeB is ~10× slower than the plain product.
 */
function forwardExpr(x: tf.Tensor2D, w1t: tf.Tensor2D, b1: tf.Tensor1D, w2: tf.Tensor1D): tf.Tensor1D {
  const d = x.shape[1];
  const H = w1t.shape[1];
  const z = tf.add(tf.matMul(x, w1t).mul(1 / Math.sqrt(d)), b1);
  return tf
    .matMul(tf.relu(z), w2.reshape([H, 1]))
    .reshape([x.shape[0]])
    .mul(1 / Math.sqrt(H)) as tf.Tensor1D;
}

/** float64 → float32 (tfjs's only float type): the rounding happens here, explicitly. */
const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

/** [W₁ᵀ (d×H), b₁, w₂] as float32 tensors. */
function paramTensors(p: NetworkParams): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  const w1t = new Float32Array(p.d * p.H);
  for (let h = 0; h < p.H; h++) for (let k = 0; k < p.d; k++) w1t[k * p.H + h] = p.w1[h * p.d + k];
  return [tf.tensor2d(w1t, [p.d, p.H]), tf.tensor1d(f32(p.b1)), tf.tensor1d(f32(p.w2))];
}

/** The plain forward pass f(X) in tfjs (float32 outputs). */
export function forwardTf(params: NetworkParams, x: Float64Array, N: number): Float32Array {
  requireBackend();
  if (x.length !== N * params.d)
    throw new RangeError(`inputs must have N·d = ${N * params.d} entries, got ${x.length}`);
  return tf.tidy(() => {
    const [w1, b1, w2] = paramTensors(params);
    return forwardExpr(tf.tensor2d(f32(x), [N, params.d]), w1, b1, w2).dataSync() as Float32Array;
  });
}

/**
 * The empirical NTK by autodiff: J (N × P, P = H·d + 2H; the W₁ block in W₁ᵀ order) from one tf.grads per
 * example, then K = J Jᵀ in float64. Memory N·P floats; meant for tests on small N.
 */
export function jacobianNtkTf(params: NetworkParams, data: Pick<Regression, "N" | "d" | "x">): Float64Array {
  requireBackend();
  const { N, d, x } = data;
  const { H } = params;
  const P = H * d + 2 * H;
  const J = new Float64Array(N * P);
  tf.tidy(() => {
    const [w1, b1, w2] = paramTensors(params);
    const grad = tf.grads((a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor, xi: tf.Tensor) =>
      forwardExpr(xi as tf.Tensor2D, a as tf.Tensor2D, bb as tf.Tensor1D, c as tf.Tensor1D).sum(),
    );
    for (let i = 0; i < N; i++) {
      const xi = tf.tensor2d(f32(x.subarray(i * d, i * d + d)), [1, d]);
      const [g1, gb, g2] = grad([w1, b1, w2, xi]);
      const row = i * P;
      J.set(g1.dataSync(), row);
      J.set(gb.dataSync(), row + H * d);
      J.set(g2.dataSync(), row + H * d + H);
      tf.dispose([xi, g1, gb, g2]);
    }
  });
  const K = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += J[i * P + p] * J[j * P + p];
      K[i * N + j] = s;
      K[j * N + i] = s;
    }
  }
  return K;
}

export interface NetworkTfSetup {
  readonly data: Regression;
  readonly params: NetworkParams;
  /** N/λ_max(K_emp) (from lib/regimes/network.ts prepareNetwork) */
  readonly lrScale: number;
}

export interface NetworkTfOptions extends RunOptions {
  readonly seed?: number;
  readonly replicate?: number;
  readonly applyLrScale?: boolean;
  readonly momentumConvention?: "regimes" | "pytorch";
}

export interface NetworkTfOutcome extends RunOutcome {
  readonly lrScale: number;
  readonly lrScaleApplied: boolean;
  readonly lrScaleComputed: number;
  readonly fullLoss: "tfjs-forward";
  readonly backend: BackendName;
}

/** The reference's training loop in tfjs (float32); records as lib/regimes/network.ts. */
export function* networkTf(
  setup: NetworkTfSetup,
  options: NetworkTfOptions,
): Generator<StepRecord, NetworkTfOutcome, void> {
  const backend = requireBackend();
  const { data, params } = setup;
  checkRegression(data);
  const { N, d } = data;
  const { nSteps } = options;
  const b = options.batchSize;
  if (!Number.isInteger(b) || b < 1 || b > N)
    throw new RangeError(`batch size must be an integer in 1..${N}, got ${b}`);
  if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`nSteps must be an integer ≥ 0, got ${nSteps}`);
  const schedule = options.momentumConvention === "pytorch" ? options.schedule : toPytorchMomentum(options.schedule);
  const applied = options.applyLrScale ?? true;
  const scale = applied ? setup.lrScale : 1;
  const batches = batchSequence(N, b, nSteps, options.seed ?? 0, options.replicate ?? 0);
  const outcome = (status: "done" | "diverged", t: number): NetworkTfOutcome => ({
    status,
    divergedAt: status === "diverged" ? t : null,
    steps: t,
    lrScale: scale,
    lrScaleApplied: applied,
    lrScaleComputed: setup.lrScale,
    fullLoss: "tfjs-forward",
    backend,
  });

  const X = tf.tensor2d(f32(data.x), [N, d]);
  const Y = tf.tensor1d(f32(data.y));
  let theta: tf.Tensor[] = paramTensors(params);
  let bufs: tf.Tensor[] = theta.map((p) => tf.zerosLike(p));
  const gradFn = tf.grads((w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, xb: tf.Tensor, yb: tf.Tensor) => {
    const r = tf.sub(forwardExpr(xb as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor1D), yb);
    return tf.mean(tf.square(r)).mul(0.5); // ½·MSE of the batch
  });
  const fullLoss = (): number => {
    const f = tf.tidy(() =>
      forwardExpr(X, theta[0] as tf.Tensor2D, theta[1] as tf.Tensor1D, theta[2] as tf.Tensor1D).dataSync(),
    );
    let ss = 0;
    for (let i = 0; i < N; i++) ss += (f[i] - data.y[i]) ** 2; // residual and mean in float64
    return ss / (2 * N);
  };
  try {
    const loss0 = fullLoss();
    const bound = divergenceBound(loss0, options.divergenceFactor);
    yield { step: 0, loss: loss0 };
    for (let t = 1; t <= nSteps; t++) {
      const lr = scale * schedule.lr(t - 1);
      const beta = schedule.momentum(t - 1);
      const idx = batches[t - 1];
      const next = tf.tidy(() => {
        const ib = tf.tensor1d(idx, "int32");
        const xb = tf.gather(X, ib);
        const yb = tf.gather(Y, ib);
        const grads = gradFn([theta[0], theta[1], theta[2], xb, yb]).slice(0, 3);
        // PyTorch SGD: buf ← β·buf + g; θ ← θ − lr·buf
        const nb = grads.map((g, k) => tf.add(tf.mul(bufs[k], beta), g));
        const nt = theta.map((p, k) => tf.sub(p, tf.mul(nb[k], lr)));
        return [...nt, ...nb];
      });
      tf.dispose([...theta, ...bufs]);
      theta = next.slice(0, 3);
      bufs = next.slice(3);
      const loss = fullLoss();
      if (isDiverged(loss, bound)) {
        yield { step: t, loss };
        return outcome("diverged", t);
      }
      yield { step: t, loss };
    }
    return outcome("done", nSteps);
  } finally {
    tf.dispose([X, Y, ...theta, ...bufs]);
  }
}

/** The current parameters of a tfjs-trained network are not exposed; this trains and returns them (tests). */
export function trainTfParams(setup: NetworkTfSetup, options: NetworkTfOptions): NetworkParams {
  requireBackend();
  const { data, params } = setup;
  const { N, d } = data;
  const schedule = options.momentumConvention === "pytorch" ? options.schedule : toPytorchMomentum(options.schedule);
  const scale = (options.applyLrScale ?? true) ? setup.lrScale : 1;
  const batches = batchSequence(N, options.batchSize, options.nSteps, options.seed ?? 0, options.replicate ?? 0);
  const [w1, b1, w2] = tf.tidy(() => {
    const X = tf.tensor2d(f32(data.x), [N, d]);
    const Y = tf.tensor1d(f32(data.y));
    let theta: tf.Tensor[] = paramTensors(params);
    let bufs: tf.Tensor[] = theta.map((p) => tf.zerosLike(p));
    const gradFn = tf.grads((w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, xb: tf.Tensor, yb: tf.Tensor) =>
      tf
        .mean(
          tf.square(
            tf.sub(forwardExpr(xb as tf.Tensor2D, w1 as tf.Tensor2D, b1 as tf.Tensor1D, w2 as tf.Tensor1D), yb),
          ),
        )
        .mul(0.5),
    );
    for (let t = 1; t <= options.nSteps; t++) {
      const ib = tf.tensor1d(batches[t - 1], "int32");
      const grads = gradFn([theta[0], theta[1], theta[2], tf.gather(X, ib), tf.gather(Y, ib)]).slice(0, 3);
      const beta = schedule.momentum(t - 1);
      const lr = scale * schedule.lr(t - 1);
      bufs = grads.map((g, k) => tf.add(tf.mul(bufs[k], beta), g));
      theta = theta.map((p, k) => tf.sub(p, tf.mul(bufs[k], lr)));
    }
    return theta.map((p) => p.dataSync() as Float32Array);
  });
  const H = params.H;
  const w1d = new Float64Array(H * d);
  for (let h = 0; h < H; h++) for (let k = 0; k < d; k++) w1d[h * d + k] = w1[k * H + h]; // back from W₁ᵀ
  return { d, H, w1: w1d, b1: Float64Array.from(b1), w2: Float64Array.from(w2) };
}
