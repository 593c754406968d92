/**
 * SD loss by the renewal equation (docs/theory.md §3), an independent route to the SD curve:
 *   σ_t = v_t + Σ_{s=1..t} u_s σ_{t−s},   L_t = σ_t/(2N),
 * with the signal and noise propagators v, u of propagators.ts. Equivalent to the loss generating
 * function Σ_t L_t z^t = Ṽ(z)/(2N(1 − Ũ(z))). Direct convolution: O(T²/2) multiply-adds
 * (T = 10⁴: 5·10⁷, tens of milliseconds), on top of the O(N·T) propagators.
 */
import type { Spectrum } from "../types.ts";
import type { SdParams } from "./params.ts";
import { propagators } from "./propagators.ts";
import { requireNonNegativeInteger } from "./validate.ts";

/** Solve σ_t = v_t + Σ_{s=1..t} u_s σ_{t−s} for t = 0..v.length − 1 (u_0 is ignored). */
export function solveRenewal(v: Float64Array, u: Float64Array): Float64Array {
  if (!(v instanceof Float64Array) || !(u instanceof Float64Array))
    throw new RangeError("v and u must be Float64Arrays");
  if (u.length < v.length) throw new RangeError(`u must have at least v.length = ${v.length} entries, got ${u.length}`);
  const T1 = v.length;
  const sigma = new Float64Array(T1);
  for (let t = 0; t < T1; t++) {
    let s = v[t];
    // Σ_{s=1..t} u_s σ_{t−s}, two accumulators
    let acc0 = 0,
      acc1 = 0;
    let j = 1;
    for (; j + 1 <= t; j += 2) {
      acc0 += u[j] * sigma[t - j];
      acc1 += u[j + 1] * sigma[t - j - 1];
    }
    if (j <= t) acc0 += u[j] * sigma[t - j];
    s += acc0 + acc1;
    sigma[t] = s;
  }
  return sigma;
}

/** SD loss L_t, t = 0..T, through the propagators and the renewal equation. */
export function renewalLoss(spectrum: Spectrum, p: SdParams, T: number): Float64Array {
  requireNonNegativeInteger("T", T);
  const { v, u } = propagators(spectrum, p, T);
  const sigma = solveRenewal(v, u);
  const norm = 1 / (2 * spectrum.N);
  for (let t = 0; t <= T; t++) sigma[t] *= norm;
  return sigma;
}
