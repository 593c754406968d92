/**
 * Which SD step kernel (./sdStep.ts) runs: native → wasm → ts under POWERLAW_SGD_KERNELS=auto, or the one it
 * forces (lib/linalg/backend.ts). Kept apart from spectralDiagonal.ts, whose default TypeScript kernel needs no
 * Node API (the site bundles it for the browser).
 */
import { type BackendRequest, selectBackend } from "../linalg/backend.ts";
import type { SdStepKernel } from "./sdStep.ts";
import { loadSdStepNative } from "./native/sdStep.ts";
import { sdStepTsKernel } from "./ts/sdStep.ts";
import { loadSdStepWasm } from "./wasm/sdStep.ts";

let wasm: SdStepKernel | undefined;

/** The SD step kernel for `request` (default: the environment's); throws if a forced backend cannot load. */
export function sdStepKernel(request?: BackendRequest): SdStepKernel {
  return selectBackend<SdStepKernel>(
    "sdStep",
    { native: loadSdStepNative, wasm: () => (wasm ??= loadSdStepWasm()), ts: () => sdStepTsKernel },
    request,
  ).impl;
}
