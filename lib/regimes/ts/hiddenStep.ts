/** The hidden units' step (../hiddenStep.ts) in loops, W₁'s buffer by a GEMM on the given kernels: the reference. */
import type { DenseKernels } from "../../linalg/types.ts";
import { checkHiddenArgs, type HiddenStepArgs, type HiddenStepKernel } from "../hiddenStep.ts";

export function hiddenStepTs(kernels: DenseKernels): HiddenStepKernel {
  let gW2 = new Float64Array(0);
  let gB1 = new Float64Array(0);
  return {
    name: "ts",
    hiddenStep(a: HiddenStepArgs): void {
      checkHiddenArgs(a);
      const { H, b, zb, res, delta: D, w2, bufW2, b1, bufB1, lr, beta } = a;
      if (gW2.length !== H) [gW2, gB1] = [new Float64Array(H), new Float64Array(H)];
      gW2.fill(0);
      gB1.fill(0);
      for (let r = 0; r < b; r++) {
        const rr = res[r];
        const ro = r * H;
        for (let h = 0; h < H; h++) {
          const z = zb[ro + h];
          if (z > 0) {
            const dl = rr * w2[h];
            D[ro + h] = dl;
            gB1[h] += dl;
            gW2[h] += rr * z;
          } else D[ro + h] = 0;
        }
      }
      const invB = 1 / b;
      for (let h = 0; h < H; h++) {
        bufW2[h] = beta * bufW2[h] + gW2[h] * invB;
        w2[h] -= lr * bufW2[h];
        bufB1[h] = beta * bufB1[h] + gB1[h] * invB;
        b1[h] -= lr * bufB1[h];
      }
      if (a.first) {
        const { d, xb, W, buf } = a.first;
        kernels.gemm(true, false, H, d, b, invB / Math.sqrt(d), D, xb, beta, buf);
        for (let k = 0; k < H * d; k++) W[k] -= lr * buf[k];
      }
    },
  };
}
