// Problem construction: the Haar-random eigenvectors and the dense synthetic kernel (O(N³)).
// Reference measured in the same run: the unblocked Householder QR (blockSize ≥ n, no GEMM) at n = 1000.
import { haarOrthogonal } from "../lib/linalg/haarOrthogonal.ts";
import { syntheticDense } from "../lib/problem/synthetic.ts";

function seconds(f: () => void): number {
  const t0 = performance.now();
  f();
  return (performance.now() - t0) / 1000;
}

export async function run(): Promise<void> {
  const n = 1000;
  const blocked = seconds(() => haarOrthogonal(n, 1));
  const unblocked = seconds(() => haarOrthogonal(n, 1, { blockSize: n }));
  console.log(
    `Haar n = ${n}: blocked ${blocked.toFixed(2)} s, unblocked ${unblocked.toFixed(2)} s  ` +
      `(×${(unblocked / blocked).toFixed(1)})`,
  );
  for (const N of [1000, 3000]) {
    const t = seconds(() => syntheticDense({ N, nu: 1.5, kappa: 1, seed: 0 }));
    console.log(
      `syntheticDense N = ${N}: ${t.toFixed(2)} s ` +
        `(Haar QR + SYRK, ≈ ${((4 * N ** 3) / t / 1e9).toFixed(1)} GFLOP/s effective)`,
    );
  }
}
