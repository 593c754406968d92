/**
 * The Gram step (../gramStep.ts) as a GEMM by the given dense kernels, Q ← β·Q + (1/b)·Gbᵀ·Δ, then one pass
 * Z ← Z − lr·Q with the outputs: the reference, and the fallback where the native addon is missing.
 */
import type { DenseKernels } from "../../linalg/types.ts";
import { checkGramArgs, type GramStepArgs, type GramStepKernel } from "../gramStep.ts";

export function gramStepTs(kernels: DenseKernels): GramStepKernel {
  return {
    name: "ts",
    gramStep(args: GramStepArgs): number {
      checkGramArgs(args);
      const { N, H, b, Q, Z, w2, y, f, lr } = args;
      kernels.gemm(true, false, N, H, b, 1 / b, args.gb, args.delta, args.beta, Q);
      const sH = 1 / Math.sqrt(H);
      let ss = 0;
      // ReLU(z) = (z + |z|)/2 exactly in floating point (z + |z| is 2z or 0), and branch-free: a data-dependent
      // branch here costs ~3× (mispredictions). Two accumulators for instruction-level parallelism.
      const H2 = H & ~1;
      for (let n = 0; n < N; n++) {
        const o = n * H;
        let a0 = 0,
          a1 = 0;
        for (let h = 0; h < H2; h += 2) {
          const z0 = Z[o + h] - lr * Q[o + h];
          const z1 = Z[o + h + 1] - lr * Q[o + h + 1];
          Z[o + h] = z0;
          Z[o + h + 1] = z1;
          a0 += (z0 + Math.abs(z0)) * w2[h];
          a1 += (z1 + Math.abs(z1)) * w2[h + 1];
        }
        if (H2 < H) {
          const z = Z[o + H2] - lr * Q[o + H2];
          Z[o + H2] = z;
          a0 += (z + Math.abs(z)) * w2[H2];
        }
        const fn = 0.5 * (a0 + a1) * sH;
        f[n] = fn;
        const r = fn - y[n];
        ss += r * r;
      }
      return ss;
    },
  };
}
