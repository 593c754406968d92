// Dense kernels: float64 GEMM and SYRK throughput, WebAssembly SIMD vs the plain-TS reference, one thread.
// Target (issue 2): wasm GEMM ≥ 15 GFLOP/s at n = 1000 and 2000. The TS GEMM at n = 2000 is timed on a
// 125-row slice of C (same k and n, 1/16 of the work) so the whole file stays well under a minute.
import { tsKernels, wasmKernels } from "../lib/linalg/kernels.ts";
import type { DenseKernels } from "../lib/linalg/types.ts";

function rand(len: number, seed: number): Float64Array {
  const a = new Float64Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

/** Best wall time (ms) of `reps` runs of f, after one warm-up run if `warm`. */
function best(f: () => void, reps: number, warm = true): number {
  if (warm) f();
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    f();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
}

const gflops = (flops: number, ms: number): number => flops / ms / 1e6;
const fmt = (x: number): string => x.toFixed(2).padStart(6);

function line(what: string, flops: number, ms: number): number {
  const g = gflops(flops, ms);
  console.log(`${what.padEnd(44)} ${fmt(g)} GFLOP/s  (${ms.toFixed(1)} ms)`);
  return g;
}

function gemmRate(K: DenseKernels, tA: boolean, tB: boolean, m: number, n: number, k: number, reps: number, warm = true): number {
  const A = rand(m * k, 1), B = rand(k * n, 2), C = new Float64Array(m * n);
  const ms = best(() => K.gemm(tA, tB, m, n, k, 1, A, B, 0, C), reps, warm);
  const t = `${tA ? "T" : "N"}${tB ? "T" : "N"}`;
  return line(`gemm ${K.name.padEnd(4)} ${t} m=${m} n=${n} k=${k}`, 2 * m * n * k, ms);
}

function syrkRate(K: DenseKernels, n: number, k: number, reps: number, warm = true): number {
  const A = rand(n * k, 3), C = new Float64Array(n * n);
  const ms = best(() => K.syrk(false, n, k, 1, A, 0, C), reps, warm);
  // Useful flops: the n(n+1)/2 distinct entries, 2k each.
  return line(`syrk ${K.name.padEnd(4)} n=${n} k=${k}`, n * (n + 1) * k, ms);
}

export async function run(): Promise<void> {
  const W = wasmKernels();
  const T = tsKernels;
  T.gemm(false, false, 64, 64, 64, 1, rand(4096, 4), rand(4096, 5), 0, new Float64Array(4096)); // JIT warm-up

  const w1 = gemmRate(W, false, false, 1000, 1000, 1000, 3);
  for (const [tA, tB] of [[false, true], [true, false], [true, true]] as const) gemmRate(W, tA, tB, 1000, 1000, 1000, 2);
  const w2 = gemmRate(W, false, false, 2000, 2000, 2000, 2);
  const t1 = gemmRate(T, false, false, 1000, 1000, 1000, 1, false);
  const t2 = gemmRate(T, false, false, 125, 2000, 2000, 1, false);
  console.log(`gemm wasm/TS ratio: n=1000 ${(w1 / t1).toFixed(1)}×, n=2000 ${(w2 / t2).toFixed(1)}× (TS on a 125-row slice)`);
  const target = 15;
  console.log(`gemm wasm target ≥ ${target} GFLOP/s: n=1000 ${w1 >= target ? "met" : "MISSED"}, n=2000 ${w2 >= target ? "met" : "MISSED"}`);

  const s1 = syrkRate(W, 1000, 1000, 3);
  syrkRate(W, 2000, 2000, 1);
  const ts1 = syrkRate(T, 1000, 1000, 1, false);
  console.log(`syrk wasm/TS ratio: n=1000 ${(s1 / ts1).toFixed(1)}×`);
}
