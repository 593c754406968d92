/** Generating-function theory of SGD with momentum on the SD dynamics (docs/theory.md §3–§7). */
export * from "./params.ts";
export * from "./propagators.ts";
export * from "./atOne.ts";
export * from "./stability.ts";
export * from "./renewal.ts";
export * from "./asymptotics.ts";
export * from "./gamma.ts";
export {
  requireSpectrum,
  requireSdParams,
  lambdaMax,
} from "./validate.ts";
