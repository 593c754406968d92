/** The SD step kernel in plain TypeScript: the reference the WebAssembly and native kernels are tested against. */
import { checkSdArgs, type SdBlock, type SdState, type SdStepKernel } from "../sdStep.ts";

export function sdStepTs(state: SdState, block: SdBlock): number {
  checkSdArgs(state, block);
  const { lambda, C, J, P } = state;
  const { steps, alphas, betas, damp, gamma, norm, bound, sums } = block;
  const N = lambda.length;
  let sum = block.sum;
  for (let t = 0; t < steps; t++) {
    const alpha = alphas[t];
    const beta = betas[t];
    const beta2 = beta * beta;
    const noise = gamma * sum;
    let next = 0;
    for (let k = 0; k < N; k++) {
      const a = alpha * lambda[k];
      const c = C[k];
      const j = J[k];
      const pi = a * a * (damp * c + noise) - 2 * beta * a * j + beta2 * P[k];
      const cNew = (1 - 2 * a) * c + 2 * beta * j + pi;
      C[k] = cNew;
      J[k] = beta * j - a * c + pi;
      P[k] = pi;
      next += cNew;
    }
    sum = next;
    sums[t] = sum;
    if (!(sum * norm <= bound)) return t + 1; // as isDiverged(loss, bound) in ../divergence.ts
  }
  return steps;
}

export const sdStepTsKernel: SdStepKernel = { name: "ts", sdStep: sdStepTs };
