// Symmetric eigendecomposition (values + vectors), one thread. Targets (issue 2): n = 1000 ≤ 2 s,
// n = 2000 ≤ 15 s, n = 3000 ≤ 45 s. Prints wall seconds with the phase split, the accuracy of each
// result (residual max_k ‖Au − λu‖/‖A‖ and ‖UᵀU − I‖_max, computed with the dense GEMM), and the
// speed-up over the plain-TS path of the same algorithm at n = 500, measured in the same run. CPU seconds
// are printed too: on a shared machine they show what the wall time would be without contention.
import { eigh, eighBackend, type EighResult } from "../lib/linalg/eigh.ts";
import { denseKernels } from "../lib/linalg/kernels.ts";
import { Rng } from "../lib/random/rng.ts";

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.uniform() - 0.5;
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  return A;
}

/** Residual max_k ‖A u_k − λ_k u_k‖ / max|λ| and ‖UᵀU − I‖_max. */
function accuracy(A: Float64Array, n: number, r: EighResult): { residual: number; orthogonality: number } {
  const K = denseKernels();
  const U = r.vectors!;
  const AU = new Float64Array(n * n);
  K.gemm(false, false, n, n, n, 1, A, U, 0, AU);
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const d = AU[i * n + k] - r.values[k] * U[i * n + k];
      col[k] += d * d;
    }
  }
  const norm = Math.max(Math.abs(r.values[0]), Math.abs(r.values[n - 1]));
  const residual = Math.sqrt(Math.max(...col)) / norm;
  const G = new Float64Array(n * n);
  K.gemm(true, false, n, n, n, 1, U, U, 0, G);
  let orthogonality = 0;
  for (let k = 0; k < n; k++) for (let l = 0; l < n; l++) orthogonality = Math.max(orthogonality, Math.abs(G[k * n + l] - (k === l ? 1 : 0)));
  return { residual, orthogonality };
}

function timed(A: Float64Array, n: number, backend: "wasm" | "ts", vectors = true) {
  const timings: Record<string, number> = {};
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = eigh(A, n, { backend, vectors, timings });
  const c = process.cpuUsage(c0);
  return { r, seconds: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, timings };
}

const split = (t: Record<string, number>): string =>
  Object.entries(t).filter(([, s]) => s >= 0.005).map(([k, s]) => `${k} ${s.toFixed(2)}`).join(", ");

export async function run(): Promise<void> {
  if (eighBackend() !== "wasm") {
    console.log("eigh: build/wasm/eigh.wasm not available (run `node scripts/build-wasm.mjs`); skipping");
    return;
  }
  console.log(`eigh (wasm path; forming Q with the ${denseKernels().name} GEMM)`);
  eigh(randomSymmetric(200, 1), 200, { backend: "wasm" }); // let V8 compile the kernels with its optimising tier

  // ratio to the plain-TS path of the same algorithm
  const n0 = 500;
  const A0 = randomSymmetric(n0, 500);
  const w0 = timed(A0, n0, "wasm");
  const t0 = timed(A0, n0, "ts");
  console.log(`n = ${n0}: wasm ${w0.seconds.toFixed(2)} s, ts ${t0.seconds.toFixed(2)} s, speed-up ×${(t0.seconds / w0.seconds).toFixed(1)}`);

  const targets: [number, number][] = [[1000, 2], [2000, 15], [3000, 45]];
  for (const [n, target] of targets) {
    const A = randomSymmetric(n, n);
    const { r, seconds, cpu, timings } = timed(A, n, "wasm");
    const acc = accuracy(A, n, r);
    const verdict = seconds <= target ? "ok" : "MISSED";
    console.log(`n = ${n}: ${seconds.toFixed(2)} s wall, ${cpu.toFixed(2)} s cpu (target ≤ ${target} s: ${verdict})  [${split(timings)}]  ` +
      `residual ${acc.residual.toExponential(1)}·‖A‖, ‖UᵀU − I‖ ${acc.orthogonality.toExponential(1)}`);
    if (n === 2000) {
      const v = timed(A, n, "wasm", false);
      console.log(`n = ${n}, eigenvalues only: ${v.seconds.toFixed(2)} s  [${split(v.timings)}]`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
