/**
 * Per-mode generating functions and the two propagators of the SD dynamics (docs/theory.md §3).
 *
 * Per mode k the SD map is linear in x = (C_k, J_k, P_k) plus the forcing γ a_k² Σ_l C_l (added to all
 * three components), with a = αλ_k, q = a²(1 − γτ) and
 *   A_k = [[1 − 2a + q, 2β(1 − a), β²], [−a + q, β(1 − 2a), β²], [q, −2βa, β²]].
 * Its generating functions (C-component of the resolvent) are
 *   S_k(z) = det(I − zA_k) = (1 − βz)(1 − [(1 + β − a)² − 2β] z + β²z²) + γτ a² z (1 + βz),
 *   U_k(z) = [(I − zA_k)⁻¹(1,1,1)ᵀ]_C = (1 + βz)/S_k(z),
 *   V_k(z) = [(I − zA_k)⁻¹(1,0,0)ᵀ]_C = ((1 − βz)(1 − β²z) + 2aβz)/S_k(z).
 * Expanded, S_k(z) = 1 + s₁z + s₂z² + s₃z³ with p = (1 + β − a)² − 2β:
 *   s₁ = −(p + β) + γτa²,   s₂ = β(β + p + γτa²),   s₃ = −β³,
 * so the Taylor coefficients c_t of N(z)/S_k(z) obey the linear recurrence
 *   c_t = n_t − s₁c_{t−1} − s₂c_{t−2} − s₃c_{t−3}   (n_t the numerator's coefficients),
 * with numerators U: (1, β), V: (1, 2aβ − β − β², β³). [U_k]_t = [A_k^t (1,1,1)]_C and
 * [V_k]_t = [A_k^t (1,0,0)]_C.
 *
 * Propagators (docs/theory.md §3): signal v_t = Σ_k C_k(0)[V_k]_t (the noiseless heavy-ball loss ×2N when γτ = 0),
 * noise u_t = γα² Σ_k λ_k² [U_k]_{t−1} (u_0 = 0). Then σ_t = 2N·L_t solves σ_t = v_t + Σ_{s=1..t} u_s σ_{t−s}.
 * Both propagators for t = 0..T cost O(N·T) (one pass of the two recurrences per mode).
 */
import type { Spectrum } from "../types.ts";
import type { SdParams } from "./params.ts";
import {
  requireFinite,
  requireNonNegative,
  requireNonNegativeInteger,
  requireSdParams,
  requireSpectrum,
} from "./validate.ts";

/** Coefficients (s₁, s₂, s₃) of S_k(z) = 1 + s₁z + s₂z² + s₃z³ for a = αλ_k, momentum β and g = γτ. */
export function denominatorCoefficients(a: number, beta: number, gammaTau: number): [number, number, number] {
  const p = (1 + beta - a) * (1 + beta - a) - 2 * beta;
  const ga2 = gammaTau * a * a;
  return [-(p + beta) + ga2, beta * (beta + p + ga2), -beta * beta * beta];
}

function checkMode(lambda: number, p: SdParams, z: number): void {
  requireNonNegative("lambda", lambda);
  requireSdParams(p);
  requireFinite("z", z);
}

/** S_k(z) = (1 − βz)(1 − [(1+β−a)² − 2β]z + β²z²) + γτa²z(1 + βz), a = αλ (docs/theory.md §3). */
export function modeS(z: number, lambda: number, p: SdParams): number {
  checkMode(lambda, p, z);
  const { beta } = p;
  const a = p.alpha * lambda;
  const pp = (1 + beta - a) * (1 + beta - a) - 2 * beta;
  return (1 - beta * z) * (1 - pp * z + beta * beta * z * z) + p.gamma * p.tau * a * a * z * (1 + beta * z);
}

/** U_k(z) = (1 + βz)/S_k(z) (docs/theory.md §3). */
export function modeU(z: number, lambda: number, p: SdParams): number {
  return (1 + p.beta * z) / modeS(z, lambda, p);
}

/** V_k(z) = ((1 − βz)(1 − β²z) + 2αλβz)/S_k(z) (docs/theory.md §3). */
export function modeV(z: number, lambda: number, p: SdParams): number {
  const { beta } = p;
  return ((1 - beta * z) * (1 - beta * beta * z) + 2 * p.alpha * lambda * beta * z) / modeS(z, lambda, p);
}

/** Taylor coefficients [U_k]_t, t = 0..T, by the cubic recurrence of S_k. */
export function modeTaylorU(lambda: number, p: SdParams, T: number): Float64Array {
  checkMode(lambda, p, 0);
  requireNonNegativeInteger("T", T);
  return taylor(p.alpha * lambda, p.beta, p.gamma * p.tau, 1, p.beta, 0, T);
}

/** Taylor coefficients [V_k]_t, t = 0..T, by the cubic recurrence of S_k. */
export function modeTaylorV(lambda: number, p: SdParams, T: number): Float64Array {
  checkMode(lambda, p, 0);
  requireNonNegativeInteger("T", T);
  const b = p.beta;
  const a = p.alpha * lambda;
  return taylor(a, b, p.gamma * p.tau, 1, 2 * a * b - b - b * b, b * b * b, T);
}

function taylor(a: number, beta: number, gt: number, n0: number, n1: number, n2: number, T: number): Float64Array {
  const [s1, s2, s3] = denominatorCoefficients(a, beta, gt);
  const out = new Float64Array(T + 1);
  let c1 = 0,
    c2 = 0,
    c3 = 0; // c_{t−1}, c_{t−2}, c_{t−3}
  for (let t = 0; t <= T; t++) {
    const n = t === 0 ? n0 : t === 1 ? n1 : t === 2 ? n2 : 0;
    const c = n - s1 * c1 - s2 * c2 - s3 * c3;
    out[t] = c;
    c3 = c2;
    c2 = c1;
    c1 = c;
  }
  return out;
}

export interface Propagators {
  /** signal propagator v_t = Σ_k C_k(0)[V_k]_t, t = 0..T (v_0 = Σ C_k(0) = 2N·L(0)) */
  readonly v: Float64Array;
  /** noise propagator u_t = γα² Σ_k λ_k² [U_k]_{t−1}, t = 0..T (u_0 = 0) */
  readonly u: Float64Array;
}

/** Both propagators for t = 0..T in one O(N·T) pass (docs/theory.md §3). */
export function propagators(spectrum: Spectrum, p: SdParams, T: number): Propagators {
  requireSpectrum(spectrum);
  requireSdParams(p);
  requireNonNegativeInteger("T", T);
  const { N, lambda, c0 } = spectrum;
  const { alpha, beta, gamma } = p;
  const gt = gamma * p.tau;
  const v = new Float64Array(T + 1);
  const u = new Float64Array(T + 1);
  const b2 = beta * beta;
  const b3 = b2 * beta;
  const noisy = gamma > 0;
  for (let k = 0; k < N; k++) {
    const a = alpha * lambda[k];
    const [s1, s2, s3] = denominatorCoefficients(a, beta, gt);
    const m1 = -s1,
      m2 = -s2,
      m3 = -s3;
    const w = c0[k];
    const wu = gamma * a * a; // γα²λ_k²
    // V recurrence: numerator (1, 2aβ − β − β², β³)
    let v1 = 0,
      v2 = 0,
      v3 = 0;
    if (w !== 0) {
      const n1 = 2 * a * beta - beta - b2;
      let c = 1;
      v[0] += w * c;
      v3 = v2;
      v2 = v1;
      v1 = c;
      if (T >= 1) {
        c = n1 + m1 * v1;
        v[1] += w * c;
        v3 = v2;
        v2 = v1;
        v1 = c;
      }
      if (T >= 2) {
        c = b3 + m1 * v1 + m2 * v2;
        v[2] += w * c;
        v3 = v2;
        v2 = v1;
        v1 = c;
      }
      for (let t = 3; t <= T; t++) {
        c = m1 * v1 + m2 * v2 + m3 * v3;
        v[t] += w * c;
        v3 = v2;
        v2 = v1;
        v1 = c;
      }
    }
    // U recurrence: numerator (1, β); u_t uses [U]_{t−1}
    if (noisy && wu !== 0 && T >= 1) {
      let c1 = 1,
        c2 = 0,
        c3 = 0;
      u[1] += wu;
      if (T >= 2) {
        const c = beta + m1 * c1;
        u[2] += wu * c;
        c3 = c2;
        c2 = c1;
        c1 = c;
      }
      for (let t = 3; t <= T; t++) {
        const c = m1 * c1 + m2 * c2 + m3 * c3;
        u[t] += wu * c;
        c3 = c2;
        c2 = c1;
        c1 = c;
      }
    }
  }
  return { v, u };
}
