/** The hidden units' step in C (native/hiddenStep.c, in build/native/powerlaw.node): one sweep over the units. */
import { nativeFunction } from "../../linalg/native/binding.ts";
import { checkHiddenArgs, type HiddenStepArgs, type HiddenStepKernel } from "../hiddenStep.ts";

type HiddenStepNative = (
  zb: Float64Array,
  res: Float64Array,
  delta: Float64Array,
  w2: Float64Array,
  bufW2: Float64Array,
  b1: Float64Array,
  bufB1: Float64Array,
  xb: Float64Array | null,
  W: Float64Array | null,
  buf: Float64Array | null,
  H: number,
  b: number,
  d: number,
  lr: number,
  beta: number,
) => void;

let kernel: HiddenStepKernel | undefined;

export function loadHiddenStepNative(): HiddenStepKernel {
  if (kernel) return kernel;
  const step = nativeFunction<HiddenStepNative>("hiddenStep");
  kernel = {
    name: "native",
    hiddenStep(a: HiddenStepArgs): void {
      checkHiddenArgs(a);
      const f = a.first;
      step(
        a.zb,
        a.res,
        a.delta,
        a.w2,
        a.bufW2,
        a.b1,
        a.bufB1,
        f?.xb ?? null,
        f?.W ?? null,
        f?.buf ?? null,
        a.H,
        a.b,
        f?.d ?? 1,
        a.lr,
        a.beta,
      );
    },
  };
  return kernel;
}
