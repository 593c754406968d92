// The engine's own code for the browser. scripts/site.mjs bundles this file with esbuild into
// src/components/engine.bundle.js (git-ignored) before every build/preview; pages import the bundle:
//   import {spectralDiagonal, syntheticSpectrum, constantSchedule} from "./components/engine.bundle.js";
// Re-export only pure modules of lib/ (typed arrays, no Node APIs).
export { syntheticSpectrum } from "../../lib/problem/synthetic.ts";
export { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";
export { batchNoise } from "../../lib/theory/batchNoise.ts";
export { constantSchedule } from "../../lib/schedule/constant.ts";
// the generating-function theory (docs/theory.md §3–§7)
export { uTildeAtOne, vTildeAtOne } from "../../lib/theory/atOne.ts";
export {
  alphaCritCurve,
  alphaCritInfo,
  alphaCritHighMomentum,
  alphaCritSmall,
  lambdaC,
  verdict,
} from "../../lib/theory/stability.ts";
export {
  phase,
  syntheticPowerLaw,
  signalPhaseLoss,
  noisePhaseLoss,
  transitionTime,
  finiteNTime,
  optimalUTildeSignal,
  optimalUTildeNoise,
} from "../../lib/theory/asymptotics.ts";
export { keepLogSpaced, logSpacedSteps } from "../../lib/display/logSpaced.ts";
