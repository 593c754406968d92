/**
 * Input checks shared by the theory modules. Every failure is a RangeError that names the offending
 * parameter, so a caller (CLI, site, sweep) can show it as is.
 */
import type { Spectrum } from "../types.ts";
import type { SdParams } from "./params.ts";

export function requireFinite(name: string, x: number): void {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new RangeError(`${name} must be a finite number, got ${x}`);
}

export function requirePositive(name: string, x: number): void {
  if (typeof x !== "number" || !(x > 0) || !Number.isFinite(x))
    throw new RangeError(`${name} must be a finite number > 0, got ${x}`);
}

export function requireNonNegative(name: string, x: number): void {
  if (typeof x !== "number" || !(x >= 0) || !Number.isFinite(x))
    throw new RangeError(`${name} must be a finite number ≥ 0, got ${x}`);
}

export function requireOpenInterval(name: string, x: number, lo: number, hi: number): void {
  if (typeof x !== "number" || !(x > lo && x < hi))
    throw new RangeError(`${name} must lie in (${lo}, ${hi}), got ${x}`);
}

export function requireNonNegativeInteger(name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${x}`);
}

/** Eigenvalues: non-empty, finite, ≥ 0 (order is not assumed; λ_max is found by a scan). */
export function requireEigenvalues(name: string, lambda: Float64Array): void {
  if (!(lambda instanceof Float64Array) || lambda.length === 0)
    throw new RangeError(`${name} must be a non-empty Float64Array`);
  for (let k = 0; k < lambda.length; k++) {
    const l = lambda[k];
    if (!(l >= 0) || !Number.isFinite(l)) throw new RangeError(`${name}[${k}] must be a finite number ≥ 0, got ${l}`);
  }
}

/** A spectrum: N modes, λ_k ≥ 0 and C_k(0) ≥ 0 finite, both of length N. */
export function requireSpectrum(spectrum: Spectrum): void {
  if (spectrum === null || typeof spectrum !== "object")
    throw new RangeError("spectrum must be an object {N, lambda, c0}");
  const { N, lambda, c0 } = spectrum;
  if (!Number.isInteger(N) || N < 1) throw new RangeError(`spectrum.N must be an integer ≥ 1, got ${N}`);
  requireEigenvalues("spectrum.lambda", lambda);
  if (lambda.length !== N) throw new RangeError(`spectrum.lambda must have length N = ${N}, got ${lambda.length}`);
  if (!(c0 instanceof Float64Array) || c0.length !== N)
    throw new RangeError(`spectrum.c0 must be a Float64Array of length N = ${N}`);
  for (let k = 0; k < N; k++) {
    const c = c0[k];
    if (!(c >= 0) || !Number.isFinite(c))
      throw new RangeError(`spectrum.c0[${k}] must be a finite number ≥ 0, got ${c}`);
  }
}

/** α > 0, −1 < β < 1, γ ≥ 0 finite, τ finite (docs/theory.md §2.4, §4). */
export function requireSdParams(p: SdParams): void {
  if (p === null || typeof p !== "object") throw new RangeError("params must be an object {alpha, beta, gamma, tau}");
  requirePositive("alpha", p.alpha);
  requireOpenInterval("beta", p.beta, -1, 1);
  requireNonNegative("gamma", p.gamma);
  requireFinite("tau", p.tau);
}

/** Largest eigenvalue by a scan (the spectrum is documented descending, but nothing here relies on it). */
export function lambdaMax(lambda: Float64Array): number {
  let m = 0;
  for (let k = 0; k < lambda.length; k++) if (lambda[k] > m) m = lambda[k];
  return m;
}
