/**
 * The SD step kernel in C (native/sdStep.c, in the addon build/native/powerlaw.node): runs on the caller's
 * Float64Arrays in place, no copies. Throws on load if the addon is missing or was built without sdStep.
 */
import { nativeFunction } from "../../linalg/native/binding.ts";
import { checkSdArgs, type SdBlock, type SdState, type SdStepKernel } from "../sdStep.ts";

type SdStepNative = (
  lambda: Float64Array,
  C: Float64Array,
  J: Float64Array,
  P: Float64Array,
  alphas: Float64Array,
  betas: Float64Array,
  sums: Float64Array,
  steps: number,
  damp: number,
  gamma: number,
  sum: number,
  norm: number,
  bound: number,
) => number;

let kernel: SdStepKernel | undefined;

export function loadSdStepNative(): SdStepKernel {
  if (kernel) return kernel;
  const f = nativeFunction<SdStepNative>("sdStep");
  kernel = {
    name: "native",
    sdStep(state: SdState, block: SdBlock): number {
      checkSdArgs(state, block);
      const { steps, alphas, betas, damp, gamma, sum, norm, bound, sums } = block;
      return f(state.lambda, state.C, state.J, state.P, alphas, betas, sums, steps, damp, gamma, sum, norm, bound);
    },
  };
  return kernel;
}
