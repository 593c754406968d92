/** Which Gram step kernel (./gramStep.ts) runs: native where the addon loads, else the GEMM-then-pass form. */
import { type BackendRequest, selectBackend } from "../linalg/backend.ts";
import type { DenseKernels } from "../linalg/types.ts";
import type { GramStepKernel } from "./gramStep.ts";
import { loadGramStepNative } from "./native/gramStep.ts";
import { gramStepTs } from "./ts/gramStep.ts";

/** The Gram step for `request` (default: POWERLAW_SGD_KERNELS); the fallback's GEMM runs on `kernels`. */
export function gramStepKernel(kernels: DenseKernels, request?: BackendRequest): GramStepKernel {
  const loaders = { native: loadGramStepNative, ts: () => gramStepTs(kernels) };
  return selectBackend<GramStepKernel>("gramStep", loaders, request).impl;
}
