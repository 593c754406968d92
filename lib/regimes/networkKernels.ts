/**
 * Which of the network regime's kernels run (./gramStep.ts, ./hiddenStep.ts): native where the addon loads,
 * else the loop and GEMM forms over the given dense kernels; POWERLAW_SGD_KERNELS as lib/linalg/backend.ts says.
 */
import { type BackendRequest, selectBackend } from "../linalg/backend.ts";
import type { DenseKernels } from "../linalg/types.ts";
import type { GramStepKernel } from "./gramStep.ts";
import type { HiddenStepKernel } from "./hiddenStep.ts";
import { loadGramStepNative } from "./native/gramStep.ts";
import { loadHiddenStepNative } from "./native/hiddenStep.ts";
import { gramStepTs } from "./ts/gramStep.ts";
import { hiddenStepTs } from "./ts/hiddenStep.ts";

/** The Gram step for `request` (default: the environment's); the fallback's GEMM runs on `kernels`. */
export function gramStepKernel(kernels: DenseKernels, request?: BackendRequest): GramStepKernel {
  const loaders = { native: loadGramStepNative, ts: () => gramStepTs(kernels) };
  return selectBackend<GramStepKernel>("gramStep", loaders, request).impl;
}

/** The hidden units' step for `request` (default: the environment's); the fallback's GEMM runs on `kernels`. */
export function hiddenStepKernel(kernels: DenseKernels, request?: BackendRequest): HiddenStepKernel {
  const loaders = { native: loadHiddenStepNative, ts: () => hiddenStepTs(kernels) };
  return selectBackend<HiddenStepKernel>("hiddenStep", loaders, request).impl;
}
