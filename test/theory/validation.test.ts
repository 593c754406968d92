// Every public entry point rejects bad input with a RangeError that names the parameter.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as th from "../../lib/theory/index.ts";
import { powerLawSpectrum } from "./helpers.ts";

const SP = powerLawSpectrum(10, 1.5, 1);
const P = { alpha: 0.5, beta: 0.3, gamma: 0.1, tau: 1 };

function throwsNaming(fn: () => unknown, name: string): void {
  assert.throws(
    fn,
    (e: unknown) => e instanceof RangeError && e.message.includes(name),
    `expected a RangeError naming ${name}`,
  );
}

test("SD parameters: alpha > 0, beta ∈ (−1, 1), gamma ≥ 0, tau finite", () => {
  throwsNaming(() => th.uTildeAtOne(SP, { ...P, alpha: 0 }), "alpha");
  throwsNaming(() => th.uTildeAtOne(SP, { ...P, alpha: NaN }), "alpha");
  throwsNaming(() => th.vTildeAtOne(SP, { ...P, beta: 1 }), "beta");
  throwsNaming(() => th.vTildeAtOne(SP, { ...P, beta: -1 }), "beta");
  throwsNaming(() => th.propagators(SP, { ...P, gamma: -0.1 }, 10), "gamma");
  throwsNaming(() => th.renewalLoss(SP, { ...P, tau: Infinity }, 10), "tau");
  throwsNaming(() => th.modeS(0.5, -1, P), "lambda");
  throwsNaming(() => th.modeU(NaN, 1, P), "z");
});

test("spectrum and horizon", () => {
  throwsNaming(() => th.uTildeAtOne({ ...SP, N: 11 }, P), "spectrum.lambda");
  throwsNaming(() => th.vTildeAtOne({ ...SP, c0: new Float64Array(9) }, P), "spectrum.c0");
  const bad = SP.lambda.slice();
  bad[3] = -1;
  throwsNaming(() => th.propagators({ ...SP, lambda: bad }, P, 5), "spectrum.lambda[3]");
  throwsNaming(() => th.propagators(SP, P, 2.5), "T");
  throwsNaming(() => th.modeTaylorU(1, P, -1), "T");
  throwsNaming(() => th.solveRenewal(new Float64Array(5), new Float64Array(3)), "u");
});

test("stability and asymptotics inputs", () => {
  throwsNaming(() => th.alphaCrit(SP.lambda, 1.2, 0.1, 1), "beta");
  throwsNaming(() => th.alphaCritCurve(SP.lambda, new Float64Array([0, 1]), 0.1, 1), "betas[1]");
  throwsNaming(
    () => th.uTildeAtOneGrid(SP.lambda, new Float64Array([0.1, -1]), new Float64Array([0]), 0.1, 1),
    "alphas[1]",
  );
  throwsNaming(() => th.lambdaC(SP.lambda, 20), "tau");
  throwsNaming(() => th.alphaCritHighMomentum(SP.lambda, 0.9, 0, 1), "gamma");
  throwsNaming(() => th.alphaForUTilde(SP.lambda, 0, 0.1, 1, -1), "target");
  throwsNaming(() => th.deterministicEdge(0, 0), "lambdaMax");
  throwsNaming(() => th.phase(0, 1), "nu");
  throwsNaming(() => th.optimalUTildeNoise(1), "nu");
  throwsNaming(() => th.optimalUTildeSignal(-1), "zeta");
  throwsNaming(() => th.syntheticPowerLaw(0, 1.5, 1), "N");
  throwsNaming(() => th.gammaFn(-2), "x");
  const inp = { N: 10, powerLaw: th.syntheticPowerLaw(10, 2, 1), alphaEff: 0.5, gamma: 0.1, uTilde: 1.2, vTilde: 1 };
  throwsNaming(() => th.signalPhaseLoss(100, inp), "uTilde");
  throwsNaming(() => th.noisePhaseLoss(0, { ...inp, uTilde: 0.2 }), "t");
  throwsNaming(() => th.transitionTime({ ...inp, uTilde: 0.2 }), "noise-dominated"); // ζ = 0.5: signal phase
  throwsNaming(
    () => th.asymptoticLoss(10, { ...inp, uTilde: 0.2, powerLaw: { ...inp.powerLaw, nu: 0.9 } }),
    "powerLaw.nu",
  );
  throwsNaming(
    () =>
      th.negativeMomentumConditions({ N: 2, lambda: new Float64Array([1, 0]), c0: new Float64Array([0.5, 0.5]) }, 2),
    "spectrum.lambda[1]",
  );
});
