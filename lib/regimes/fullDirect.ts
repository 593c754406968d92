/**
 * The full second-moment dynamics in the direct (data-basis) matrix form of docs/theory.md §2.3, symmetrised:
 *   M  = (1−γ) C + γN·Diag(C)
 *   Π  = α² K̂ M K̂ − αβ(K̂ J + Jᵀ K̂) + β² P,               then Π ← (Π + Πᵀ)/2
 *   C' = C − α(K̂ C + C K̂) + β(J + Jᵀ) + Π,                 then C' ← (C' + C'ᵀ)/2
 *   J' = β J − α C K̂ + Π,   P' = Π,   L = tr C / (2N),  C_0 = d_0 d_0ᵀ (or given), J_0 = P_0 = 0.
 * Four N×N GEMMs a step (K̂C, K̂J, K̂M, (K̂M)K̂; C K̂ = (K̂C)ᵀ and Jᵀ K̂ = (K̂J)ᵀ by symmetry).
 * It uses K̂ directly, never its eigenvectors (except to project C for per-mode tracking), so it is the
 * independent check of the eigenbasis form in full.ts, and the "naive" cost in the benchmark.
 */
import type { DenseKernels } from "../linalg/types.ts";
import { gemmTs } from "../linalg/ts/dense.ts";
import type { DenseProblem, RegimeRun, RunOptions } from "../types.ts";
import { batchNoise } from "../theory/batchNoise.ts";
import { divergenceBound, isDiverged } from "./divergence.ts";
import { shouldTrack } from "./tracking.ts";

export type FullDirectProblem = Pick<DenseProblem, "N" | "khat" | "d0"> & Partial<Pick<DenseProblem, "vectors">>;

export interface FullDirectSetup {
  /** dense kernels (default: plain TypeScript GEMM) */
  readonly kernels?: Pick<DenseKernels, "gemm">;
  /** initial second moment C_0 in the data basis (N×N); default d_0 d_0ᵀ */
  readonly initialMoment?: Float64Array;
}

export interface FullDirectOptions extends RunOptions, FullDirectSetup {}

export class FullDirectDynamics {
  readonly N: number;
  readonly gamma: number;
  readonly C: Float64Array;
  readonly J: Float64Array;
  readonly P: Float64Array;
  private readonly K: Float64Array;
  private readonly gemm: DenseKernels["gemm"];
  private readonly KC: Float64Array;
  private readonly KJ: Float64Array;
  private readonly KM: Float64Array;
  private readonly KMK: Float64Array;
  private readonly M: Float64Array;

  constructor(problem: FullDirectProblem, batchSize: number, setup: FullDirectSetup = {}) {
    const N = problem.N;
    this.N = N;
    this.gamma = batchNoise(N, batchSize);
    this.K = problem.khat;
    if (this.K.length !== N * N) throw new RangeError(`khat must be N×N = ${N * N} entries, got ${this.K.length}`);
    const kernels = setup.kernels;
    this.gemm = kernels ? kernels.gemm.bind(kernels) : gemmTs;
    this.C = new Float64Array(N * N);
    if (setup.initialMoment) {
      if (setup.initialMoment.length !== N * N) throw new RangeError(`initialMoment must be N×N`);
      this.C.set(setup.initialMoment);
    } else {
      const d = problem.d0;
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) this.C[i * N + j] = d[i] * d[j];
    }
    this.J = new Float64Array(N * N);
    this.P = new Float64Array(N * N);
    this.KC = new Float64Array(N * N);
    this.KJ = new Float64Array(N * N);
    this.KM = new Float64Array(N * N);
    this.KMK = new Float64Array(N * N);
    this.M = new Float64Array(N * N);
  }

  loss(): number {
    let s = 0;
    for (let i = 0; i < this.N; i++) s += this.C[i * this.N + i];
    return s / (2 * this.N);
  }

  step(alpha: number, beta: number): void {
    const { N, C, J, P, K, KC, KJ, KM, KMK, M, gamma } = this;
    const gemm = this.gemm;
    gemm(false, false, N, N, N, 1, K, C, 0, KC);
    gemm(false, false, N, N, N, 1, K, J, 0, KJ);
    M.set(C);
    for (let i = 0; i < N * N; i++) M[i] *= 1 - gamma;
    for (let i = 0; i < N; i++) M[i * N + i] += gamma * N * C[i * N + i];
    gemm(false, false, N, N, N, 1, K, M, 0, KM);
    gemm(false, false, N, N, N, 1, KM, K, 0, KMK);
    const a2 = alpha * alpha;
    const ab = alpha * beta;
    const b2 = beta * beta;
    // Π (into KMK), symmetrised
    const Pi = KMK;
    for (let i = 0; i < N; i++) {
      for (let j = i; j < N; j++) {
        const ij = i * N + j;
        const ji = j * N + i;
        const vij = a2 * Pi[ij] - ab * (KJ[ij] + KJ[ji]) + b2 * P[ij];
        const vji = a2 * Pi[ji] - ab * (KJ[ji] + KJ[ij]) + b2 * P[ji];
        Pi[ij] = Pi[ji] = 0.5 * (vij + vji);
      }
    }
    // J' = βJ − α C K̂ + Π with (C K̂)_ij = (K̂ C)_ji; C' from the old J, so do C first into M
    for (let i = 0; i < N; i++) {
      for (let j = i; j < N; j++) {
        const ij = i * N + j;
        const ji = j * N + i;
        const cij = C[ij] - alpha * (KC[ij] + KC[ji]) + beta * (J[ij] + J[ji]) + Pi[ij];
        const cji = C[ji] - alpha * (KC[ji] + KC[ij]) + beta * (J[ji] + J[ij]) + Pi[ji];
        M[ij] = M[ji] = 0.5 * (cij + cji);
      }
    }
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const ij = i * N + j;
        J[ij] = beta * J[ij] - alpha * KC[j * N + i] + Pi[ij];
      }
    }
    C.set(M);
    P.set(Pi);
  }

  /** diag(Uᵀ C U) for the given eigenvectors (column k of `vectors` is u_k). */
  modes(vectors: Float64Array): Float64Array {
    const { N, C } = this;
    const out = new Float64Array(N);
    const cu = new Float64Array(N);
    for (let k = 0; k < N; k++) {
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += C[i * N + j] * vectors[j * N + k];
        cu[i] = s;
      }
      let s = 0;
      for (let i = 0; i < N; i++) s += vectors[i * N + k] * cu[i];
      out[k] = s;
    }
    return out;
  }
}

export function* fullDirect(problem: FullDirectProblem, options: FullDirectOptions): RegimeRun {
  const { schedule, nSteps } = options;
  const dyn = new FullDirectDynamics(problem, options.batchSize, options);
  const trackEvery = options.trackEvery ?? 0;
  if (trackEvery > 0 && !problem.vectors) throw new RangeError("per-mode tracking needs the problem's eigenvectors");
  const track = (t: number) => (shouldTrack(t, nSteps, trackEvery) ? { modes: dyn.modes(problem.vectors!) } : {});
  const loss0 = dyn.loss();
  const bound = divergenceBound(loss0, options.divergenceFactor);
  yield { step: 0, loss: loss0, ...track(0) };
  for (let t = 1; t <= nSteps; t++) {
    dyn.step(schedule.lr(t - 1), schedule.momentum(t - 1));
    const loss = dyn.loss();
    if (isDiverged(loss, bound)) {
      yield { step: t, loss };
      return { status: "diverged", divergedAt: t, steps: t };
    }
    yield { step: t, loss, ...track(t) };
  }
  return { status: "done", divergedAt: null, steps: nSteps };
}
