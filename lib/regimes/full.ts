/**
 * Full second-moment dynamics averaged over batch samplings (docs/theory.md §2.3), in the eigenbasis of K̂.
 *
 * With K̂ = U Λ Uᵀ and X̃ = Uᵀ X U for X ∈ {C, J, P} (C = E[ddᵀ], J = E[dvᵀ], P = E[vvᵀ] with the
 * velocity v_t = d_t − d_{t−1}, = −αp at constant α; step n+1 uses α = lr(n), β = momentum(n), the
 * momentum convention of lib/schedule/convention.ts),
 *   Π̃ = α² Λ[(1−γ) C̃ + γN·D̃] Λ − αβ(Λ J̃ + J̃ᵀ Λ) + β² P̃,     D̃ = Uᵀ Diag(c) U,  c = diag(U C̃ Uᵀ)
 *   C̃' = C̃ − α(Λ C̃ + C̃ Λ) + β(J̃ + J̃ᵀ) + Π̃,   J̃' = β J̃ − α C̃ Λ + Π̃,   P̃' = Π̃,
 * L = tr C̃ / (2N) (U orthogonal). Every term is elementwise except γN·D̃, which costs two
 * N³/2 products a step (≈ N³ multiply-adds in all, against 4 N³ for the direct matrix form):
 *   1. c_i = Σ_kl U_ik C̃_kl U_il = 2 Σ_l X_li U_il with X = L Uᵀ, C̃ = L + Lᵀ (L lower, half diagonal);
 *      X is built block-row by block-row, X[j0:j1,:] = L[j0:j1, 0:j1] · Uᵀ[0:j1, :] (GEMM, k = j1),
 *      so only the triangle of C̃ is multiplied;
 *   2. D̃ = A Aᵀ with A = Uᵀ Diag(√c) (SYRK, symmetric rank-N update; c ≥ 0 as the diagonal of the
 *      PSD matrix C). Should round-off make some c_i < 0, D̃ = Uᵀ Diag(c) U is formed instead by
 *      block-column GEMMs on its upper triangle (same cost).
 * C̃ and P̃ are stored as one triangle (the upper one, k ≤ l), so they are exactly symmetric by
 * construction: there is no antisymmetric sector to grow (the reference's defect, docs/theory.md §2.3).
 * J̃ is not symmetric; it is kept as two upper triangles (J̃_kl and J̃_lk for k ≤ l) so that every
 * elementwise pass reads memory contiguously.
 * Initial state C̃ = e eᵀ with e = Uᵀ d_0 (or a given C̃_0), J̃ = P̃ = 0.
 * Per-mode tracking records diag(C̃) = E[(u_kᵀ d)²].
 */
import type { DenseKernels } from "../linalg/types.ts";
import type { DenseProblem, RegimeRun, RunOptions } from "../types.ts";
import { batchNoise } from "../theory/batchNoise.ts";
import { denseKernels } from "../linalg/kernels.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { shouldTrack } from "./tracking.ts";

/** What the full regime needs from a problem: the eigenpairs of K̂ and d_0 (K̂ itself is not used). */
export type FullProblem = Pick<DenseProblem, "N" | "lambda" | "vectors" | "d0">;

export interface FullSetup {
  /**
   * dense kernels for the two N³ products a step (default: denseKernels(), one thread); for one large run with
   * idle cores, denseKernels({ threads: 2 }) splits each product over 2 threads (native kernels only)
   */
  readonly kernels?: DenseKernels;
  /**
   * Initial second moment in the eigenbasis, C̃_0 = Uᵀ C_0 U (N×N row-major, symmetric to 1e-12
   * relative). Default: e eᵀ with e = Uᵀ d_0, i.e. C_0 = d_0 d_0ᵀ.
   */
  readonly initialMoment?: Float64Array;
  /** block width of the triangular products (default: about N/16, at least 32) */
  readonly blockSize?: number;
}

export interface FullOptions extends RunOptions, FullSetup {}

/** The state of the full dynamics and its one-step map; full() below drives it as a RegimeRun. */
export class FullDynamics {
  readonly N: number;
  readonly gamma: number;
  readonly kernels: DenseKernels;
  readonly blockSize: number;
  /** multiply-adds of the two dense products of one step */
  readonly multiplyAddsPerStep: number;
  private readonly lambda: Float64Array;
  /** Uᵀ row-major: row k is u_k */
  private readonly vt: Float64Array;
  /** upper triangles (k ≤ l) of C̃, P̃, J̃ and J̃ᵀ; the strict lower parts are unused */
  private readonly C: Float64Array;
  private readonly P: Float64Array;
  private readonly J: Float64Array;
  private readonly JT: Float64Array;
  private readonly c: Float64Array;
  /** scratch N×N: A = Uᵀ Diag(√c) (or Uᵀ Diag(c)) */
  private readonly B: Float64Array;
  /** D̃ = Uᵀ Diag(c) U (N×N; the upper triangle is what the update reads) */
  private readonly D: Float64Array;
  private readonly blockA: Float64Array;
  private readonly blockX: Float64Array;

  constructor(problem: FullProblem, batchSize: number, setup: FullSetup = {}) {
    const N = problem.N;
    if (problem.lambda.length !== N)
      throw new RangeError(`lambda must have length N = ${N}, got ${problem.lambda.length}`);
    if (problem.vectors.length !== N * N)
      throw new RangeError(`vectors must be N×N = ${N * N} entries, got ${problem.vectors.length}`);
    this.N = N;
    this.gamma = batchNoise(N, batchSize);
    this.kernels = setup.kernels ?? denseKernels();
    const nb = setup.blockSize ?? Math.max(32, Math.ceil(N / 16));
    if (!Number.isInteger(nb) || nb < 1) throw new RangeError(`blockSize must be an integer ≥ 1, got ${nb}`);
    this.blockSize = Math.min(nb, N);
    let madds = (N * (N + 1) * N) / 2; // SYRK: one triangle of D̃
    for (let j0 = 0; j0 < N; j0 += this.blockSize) {
      const j1 = Math.min(N, j0 + this.blockSize);
      madds += (j1 - j0) * j1 * N;
    }
    this.multiplyAddsPerStep = madds;
    this.lambda = Float64Array.from(problem.lambda);
    const vt = new Float64Array(N * N);
    const U = problem.vectors;
    for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) vt[k * N + i] = U[i * N + k];
    this.vt = vt;
    this.C = new Float64Array(N * N);
    this.P = new Float64Array(N * N);
    this.J = new Float64Array(N * N);
    this.JT = new Float64Array(N * N);
    this.c = new Float64Array(N);
    this.B = new Float64Array(N * N);
    this.D = new Float64Array(N * N);
    this.blockA = new Float64Array(this.blockSize * N);
    this.blockX = new Float64Array(this.blockSize * N);
    if (setup.initialMoment) {
      const M = setup.initialMoment;
      if (M.length !== N * N) throw new RangeError(`initialMoment must be N×N = ${N * N} entries, got ${M.length}`);
      let scale = 0;
      for (let i = 0; i < N * N; i++) {
        if (!Number.isFinite(M[i])) throw new RangeError(`initialMoment has a non-finite entry at ${i}`);
        scale = Math.max(scale, Math.abs(M[i]));
      }
      for (let k = 0; k < N; k++) {
        for (let l = k; l < N; l++) {
          const a = M[k * N + l];
          const b = M[l * N + k];
          if (Math.abs(a - b) > 1e-12 * scale)
            throw new RangeError(`initialMoment is not symmetric at (${k}, ${l}): ${a} vs ${b}`);
          this.C[k * N + l] = 0.5 * (a + b);
        }
      }
    } else {
      const d0 = problem.d0;
      if (d0.length !== N) throw new RangeError(`d0 must have length N = ${N}, got ${d0.length}`);
      const e = new Float64Array(N);
      for (let k = 0; k < N; k++) {
        let s = 0;
        const r = k * N;
        for (let i = 0; i < N; i++) s += vt[r + i] * d0[i];
        e[k] = s;
      }
      for (let k = 0; k < N; k++) for (let l = k; l < N; l++) this.C[k * N + l] = e[k] * e[l];
    }
  }

  /** tr C = tr C̃ = E‖d‖² */
  trace(): number {
    const { N, C } = this;
    let s = 0;
    for (let k = 0; k < N; k++) s += C[k * N + k];
    return s;
  }

  loss(): number {
    return this.trace() / (2 * this.N);
  }

  /** diag(C̃): the per-mode errors E[(u_kᵀ d)²] */
  modes(): Float64Array {
    const { N, C } = this;
    const out = new Float64Array(N);
    for (let k = 0; k < N; k++) out[k] = C[k * N + k];
    return out;
  }

  /** A full N×N copy of C̃, J̃ or P̃ (eigenbasis, row-major; C̃ and P̃ exactly symmetric). */
  eigenMoment(which: "C" | "J" | "P"): Float64Array {
    const { N } = this;
    const out = new Float64Array(N * N);
    for (let k = 0; k < N; k++) {
      for (let l = k; l < N; l++) {
        if (which === "J") {
          out[k * N + l] = this.J[k * N + l];
          out[l * N + k] = this.JT[k * N + l];
        } else {
          const src = which === "C" ? this.C : this.P;
          out[k * N + l] = out[l * N + k] = src[k * N + l];
        }
      }
    }
    return out;
  }

  /** c = diag(U C̃ Uᵀ), the diagonal of C in the data basis (N³/2 multiply-adds). */
  dataDiagonal(out: Float64Array = this.c): Float64Array {
    const { N, C, vt, blockA, blockX, kernels } = this;
    const nb = this.blockSize;
    out.fill(0);
    for (let j0 = 0; j0 < N; j0 += nb) {
      const j1 = Math.min(N, j0 + nb);
      const m = j1 - j0;
      // blockA (m × j1) = L[j0:j1, 0:j1], L_lk = C̃_lk (k < l), C̃_ll/2, 0 (k > l); C̃_lk = C[k*N + l]
      for (let r = 0; r < m; r++) {
        const l = j0 + r;
        const row = r * j1;
        for (let k = 0; k < l; k++) blockA[row + k] = C[k * N + l];
        blockA[row + l] = 0.5 * C[l * N + l];
        for (let k = l + 1; k < j1; k++) blockA[row + k] = 0;
      }
      // blockX (m × N) = L[j0:j1, 0:j1] · Uᵀ[0:j1, :]
      kernels.gemm(
        false,
        false,
        m,
        N,
        j1,
        1,
        blockA.subarray(0, m * j1),
        vt.subarray(0, j1 * N),
        0,
        blockX.subarray(0, m * N),
      );
      for (let r = 0; r < m; r++) {
        const x = r * N;
        const v = (j0 + r) * N;
        for (let i = 0; i < N; i++) out[i] += blockX[x + i] * vt[v + i];
      }
    }
    for (let i = 0; i < N; i++) out[i] *= 2;
    return out;
  }

  /** D̃ = Uᵀ Diag(c) U into this.D (upper triangle at least; N³/2 multiply-adds). */
  private eigenDiagonalProjector(c: Float64Array): Float64Array {
    const { N, B, D, vt, blockX, kernels } = this;
    let nonNegative = true;
    for (let i = 0; i < N; i++) if (!(c[i] >= 0)) nonNegative = false;
    if (nonNegative) {
      const s = blockX.subarray(0, N);
      for (let i = 0; i < N; i++) s[i] = Math.sqrt(c[i]);
      for (let k = 0; k < N; k++) {
        const r = k * N;
        for (let i = 0; i < N; i++) B[r + i] = vt[r + i] * s[i];
      }
      kernels.syrk(false, N, N, 1, B, 0, D);
      return D;
    }
    for (let k = 0; k < N; k++) {
      const r = k * N;
      for (let i = 0; i < N; i++) B[r + i] = vt[r + i] * c[i];
    }
    const nb = this.blockSize;
    for (let j0 = 0; j0 < N; j0 += nb) {
      const j1 = Math.min(N, j0 + nb);
      const m = j1 - j0;
      // X (j1 × m) = Uᵀ[0:j1, :] · (Uᵀ Diag(c))[j0:j1, :]ᵀ = D̃[0:j1, j0:j1]
      const X = blockX.subarray(0, j1 * m);
      kernels.gemm(false, true, j1, m, N, 1, vt.subarray(0, j1 * N), B.subarray(j0 * N, j1 * N), 0, X);
      for (let k = 0; k < j1; k++) {
        const src = k * m - j0;
        const dst = k * N;
        for (let l = Math.max(k, j0); l < j1; l++) D[dst + l] = X[src + l];
      }
    }
    return D;
  }

  /** One step of the dynamics with learning rate alpha and momentum beta. */
  step(alpha: number, beta: number): void {
    const { N, C, P, J, JT, lambda } = this;
    const D = this.eigenDiagonalProjector(this.dataDiagonal());
    const g = this.gamma;
    const w = (1 - g) * alpha * alpha;
    const wd = g * N * alpha * alpha;
    const ab = alpha * beta;
    const b2 = beta * beta;
    for (let k = 0; k < N; k++) {
      const lk = lambda[k];
      const row = k * N;
      for (let l = k; l < N; l++) {
        const ll = lambda[l];
        const idx = row + l;
        const ckl = C[idx];
        const jkl = J[idx];
        const jlk = JT[idx];
        const pi = lk * ll * (w * ckl + wd * D[idx]) - ab * (lk * jkl + ll * jlk) + b2 * P[idx];
        C[idx] = ckl - alpha * (lk + ll) * ckl + beta * (jkl + jlk) + pi;
        J[idx] = beta * jkl - alpha * ll * ckl + pi;
        JT[idx] = beta * jlk - alpha * lk * ckl + pi;
        P[idx] = pi;
      }
    }
  }
}

/**
 * The full regime as a RegimeRun: yields step 0 (initial loss), then every step 1..nSteps, with
 * diag(C̃) at tracked steps; stops with status 'diverged' at the first step whose loss is
 * non-finite or above divergenceFactor·L(0).
 */
export function* full(problem: FullProblem, options: FullOptions): RegimeRun {
  const { schedule, nSteps } = options;
  if (!Number.isInteger(nSteps) || nSteps < 0) throw new RangeError(`nSteps must be an integer ≥ 0, got ${nSteps}`);
  const dyn = new FullDynamics(problem, options.batchSize, options);
  const trackEvery = options.trackEvery ?? 0;
  const loss0 = dyn.loss();
  const bound = divergenceBound(loss0, options.divergenceFactor);
  yield { step: 0, loss: loss0, ...(shouldTrack(0, nSteps, trackEvery) ? { modes: dyn.modes() } : {}) };
  for (let t = 1; t <= nSteps; t++) {
    dyn.step(schedule.lr(t - 1), schedule.momentum(t - 1));
    const loss = dyn.loss();
    if (isDiverged(loss, bound)) {
      yield { step: t, loss };
      return { status: "diverged", divergedAt: t, steps: t };
    }
    yield { step: t, loss, ...(shouldTrack(t, nSteps, trackEvery) ? { modes: dyn.modes() } : {}) };
  }
  return { status: "done", divergedAt: null, steps: nSteps };
}
