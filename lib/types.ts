// Shared shapes of the engine. Conventions (docs/theory.md §1): K̂ = K/N has eigenvalues λ_1 = 1 ≥ λ_2 ≥ …,
// loss L = ‖d‖²/(2N), C_k = (u_kᵀ d)², so L = Σ_k C_k / (2N).

/** A problem seen through its spectrum: everything SD and the theory need. */
export interface Spectrum {
  /** number of training points = number of modes */
  readonly N: number;
  /** eigenvalues λ_k of K̂ = K/N, sorted descending, λ_1 = 1 after normalisation */
  readonly lambda: Float64Array;
  /** initial eigencomponents C_k(0) = (u_kᵀ d_0)²; L(0) = Σ C_k(0)/(2N) */
  readonly c0: Float64Array;
}

/** A problem with its dense representation (needed by the full and linearized regimes). */
export interface DenseProblem extends Spectrum {
  /** K̂ = K/N, N×N row-major, symmetric */
  readonly khat: Float64Array;
  /** initial residual d_0 = f(X) − y, length N */
  readonly d0: Float64Array;
  /** eigenvectors of K̂, N×N row-major: column k (entries vectors[i*N + k]) is u_k, paired with lambda[k] */
  readonly vectors: Float64Array;
}

/** One recorded point of a loss curve; step 0 is the initial loss. */
export interface StepRecord {
  readonly step: number;
  readonly loss: number;
  /** per-mode errors C_k(step) when requested (tracked steps only) */
  readonly modes?: Float64Array;
}

/** How a run ended. A divergence is a result, not an error. */
export interface RunOutcome {
  readonly status: "done" | "diverged";
  /** first step whose loss was non-finite or above the bound; null when done */
  readonly divergedAt: number | null;
  /** number of steps taken (== n_steps when done) */
  readonly steps: number;
}

/** A regime run: iterate the records step by step, stop whenever you like; the return value says how it ended. */
export type RegimeRun = Generator<StepRecord, RunOutcome, void>;

/**
 * Hyper-parameters for step n = 0, 1, …: step n+1 of the dynamics uses (lr(n), momentum(n)).
 * Momentum is in the "classic" heavy-ball convention of the moment equations, v_{n+1} = β_n v_n − α_n g_n
 * (equal to PyTorch's p ← g + βp, d ← d − αp while α is constant); lib/schedule/convention.ts converts.
 */
export interface Schedule {
  readonly name: string;
  lr(n: number): number;
  momentum(n: number): number;
}

/** Options common to every regime. */
export interface RunOptions {
  readonly schedule: Schedule;
  readonly batchSize: number;
  readonly nSteps: number;
  /** stop when loss > divergenceFactor · L(0) or non-finite (default 1e10) */
  readonly divergenceFactor?: number;
  /** record C_k every trackEvery steps (0 = never); step 0 and the last step are always tracked when > 0 */
  readonly trackEvery?: number;
}
