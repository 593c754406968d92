// Dense kernels: float64 GEMM and SYRK throughput of every backend, native (OpenBLAS through the addon, 1 and
// 2 threads a call), WebAssembly SIMD (the previous default: the reference of the ratios) and plain TS.
// Targets: native GEMM ≥ 60 GFLOP/s on one thread at n = 1000 and 2000 (issue 10), wasm ≥ 15 (issue 2).
// The TS kernels at n = 2000 are timed on 1/16 of the work so the file stays well under a minute: GEMM on
// a 125-row slice of C (same k and n), SYRK with k = 125.
import { nativeKernels, tsKernels, wasmKernels } from "../lib/linalg/kernels.ts";
import { nativeAddon } from "../lib/linalg/native/binding.ts";
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

const fmt = (x: number): string => x.toFixed(2).padStart(6);

function line(what: string, flops: number, ms: number): number {
  const g = flops / ms / 1e6;
  console.log(`${what.padEnd(46)} ${fmt(g)} GFLOP/s  (${ms.toFixed(1)} ms)`);
  return g;
}

function label(K: DenseKernels, threads: number): string {
  return `${K.name}${threads > 1 ? `×${threads}` : ""}`.padEnd(8);
}

function gemmRate(
  K: DenseKernels,
  threads: number,
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  reps: number,
  warm = true,
): number {
  const A = rand(m * k, 1);
  const B = rand(k * n, 2);
  const C = new Float64Array(m * n);
  const ms = best(() => K.gemm(tA, tB, m, n, k, 1, A, B, 0, C), reps, warm);
  const t = `${tA ? "T" : "N"}${tB ? "T" : "N"}`;
  return line(`gemm ${label(K, threads)} ${t} m=${m} n=${n} k=${k}`, 2 * m * n * k, ms);
}

function syrkRate(K: DenseKernels, threads: number, n: number, k: number, reps: number, warm = true): number {
  const A = rand(n * k, 3);
  const C = new Float64Array(n * n);
  const ms = best(() => K.syrk(false, n, k, 1, A, 0, C), reps, warm);
  // Useful flops: the n(n+1)/2 distinct entries, 2k each.
  return line(`syrk ${label(K, threads)} n=${n} k=${k}`, n * (n + 1) * k, ms);
}

type Rates = Record<string, { gemm: number[]; syrk: number[] }>;

export async function run(): Promise<void> {
  const W = wasmKernels();
  const T = tsKernels;
  let N1: DenseKernels | null = null;
  let N2: DenseKernels | null = null;
  try {
    N1 = nativeKernels(1);
    N2 = nativeKernels(2);
    const info = nativeAddon().blasInfo();
    const forced = process.env.OPENBLAS_CORETYPE ? ` (OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE})` : "";
    console.log(`native: ${info.library}, ${info.config}; kernels ${info.core}${forced}`);
  } catch (e) {
    console.log(`native kernels unavailable, not measured: ${(e as Error).message}`);
  }
  T.gemm(false, false, 64, 64, 64, 1, rand(4096, 4), rand(4096, 5), 0, new Float64Array(4096)); // JIT warm-up

  const rates: Rates = {};
  const record = (name: string, gemm: number[], syrk: number[]) => {
    rates[name] = { gemm, syrk };
  };
  for (const [name, K, threads] of [
    ["native", N1, 1],
    ["native×2", N2, 2],
    ["wasm", W, 1],
  ] as const) {
    if (!K) continue;
    const reps = name === "wasm" ? 2 : 4;
    const g1 = gemmRate(K, threads, false, false, 1000, 1000, 1000, reps + 1);
    if (threads === 1)
      for (const [tA, tB] of [
        [false, true],
        [true, false],
        [true, true],
      ] as const) {
        gemmRate(K, threads, tA, tB, 1000, 1000, 1000, reps);
      }
    const g2 = gemmRate(K, threads, false, false, 2000, 2000, 2000, reps);
    const s1 = syrkRate(K, threads, 1000, 1000, reps + 1);
    const s2 = syrkRate(K, threads, 2000, 2000, reps === 2 ? 1 : reps);
    record(name, [g1, g2], [s1, s2]);
  }
  record(
    "ts",
    [gemmRate(T, 1, false, false, 1000, 1000, 1000, 1, false), gemmRate(T, 1, false, false, 125, 2000, 2000, 1, false)],
    [syrkRate(T, 1, 1000, 1000, 1, false), syrkRate(T, 1, 2000, 125, 1, false)],
  );

  const w = rates.wasm;
  for (const [name, r] of Object.entries(rates)) {
    if (name === "wasm") continue;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(
      `${name.padEnd(8)} / wasm: gemm n=1000 ${ratio(r.gemm[0], w.gemm[0])}, n=2000 ${ratio(r.gemm[1], w.gemm[1])};` +
        ` syrk n=1000 ${ratio(r.syrk[0], w.syrk[0])}, n=2000 ${ratio(r.syrk[1], w.syrk[1])}`,
    );
  }
  const met = (g: number, target: number) => (g >= target ? "met" : "MISSED");
  if (rates.native) {
    const [a, b] = rates.native.gemm;
    console.log(`gemm native target ≥ 60 GFLOP/s (1 thread): n=1000 ${met(a, 60)}, n=2000 ${met(b, 60)}`);
  }
  console.log(`gemm wasm target ≥ 15 GFLOP/s: n=1000 ${met(w.gemm[0], 15)}, n=2000 ${met(w.gemm[1], 15)}`);
}
