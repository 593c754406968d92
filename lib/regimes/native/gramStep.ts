/** The Gram step in C (native/gramStep.c, in build/native/powerlaw.node): one fused sweep on the caller's arrays. */
import { nativeFunction } from "../../linalg/native/binding.ts";
import { checkGramArgs, type GramStepArgs, type GramStepKernel } from "../gramStep.ts";

type GramStepNative = (
  gb: Float64Array,
  delta: Float64Array,
  Q: Float64Array,
  Z: Float64Array,
  w2: Float64Array,
  y: Float64Array,
  f: Float64Array,
  N: number,
  H: number,
  b: number,
  lr: number,
  beta: number,
) => number;

let kernel: GramStepKernel | undefined;

export function loadGramStepNative(): GramStepKernel {
  if (kernel) return kernel;
  const step = nativeFunction<GramStepNative>("gramStep");
  kernel = {
    name: "native",
    gramStep(a: GramStepArgs): number {
      checkGramArgs(a);
      return step(a.gb, a.delta, a.Q, a.Z, a.w2, a.y, a.f, a.N, a.H, a.b, a.lr, a.beta);
    },
  };
  return kernel;
}
