import { test } from "node:test";
import assert from "node:assert/strict";
import { GatherKernel, gatherKernel } from "../../lib/linalg/gather.ts";
import { linearized } from "../../lib/regimes/linearized.ts";
import { constantSchedule } from "../../lib/schedule/index.ts";
import { Rng } from "../../lib/random/rng.ts";
import { collect, maxRelDiff } from "./helpers.ts";

test("wasm gather (f64, f32) = plain loops: g = Σ_r w_r K[rows_r, :], odd N over several 512-column chunks", () => {
  for (const N of [1, 7, 1031]) {
    const rng = new Rng(N);
    const K = rng.normals(N * N);
    for (const precision of ["float64", "float32"] as const) {
      const kern = new GatherKernel(K, N, precision);
      for (const b of [1, 2, 5, 9].filter((x) => x <= N)) {
        const rows = Array.from({ length: b }, () => rng.int(N));
        const w = Array.from({ length: b }, () => rng.normal());
        rows.forEach((x, r) => {
          kern.rows[r] = x;
          kern.weights[r] = w[r];
        });
        const g = kern.gather(b);
        const Kr = precision === "float32" ? Float32Array.from(K) : K;
        for (let j = 0; j < N; j++) {
          let want = w[0] * Kr[rows[0] * N + j];
          for (let r = 1; r < b; r++) want += w[r] * Kr[rows[r] * N + j];
          assert.equal(g[j], want, `N=${N} ${precision} b=${b} j=${j}`); // same order, no FMA: bit-identical
        }
      }
    }
  }
});

test(
  "linearized: wasm and js engines give bit-identical curves (sgd, adam; float64 and float32); " +
    "float32 ≈ float64 (1e-5)",
  () => {
    const N = 1031;
    const rng = new Rng(99);
    // a Gaussian (RBF) kernel on a line, PSD, scaled so that λ_max ≤ row sum ≤ 1
    const K = new Float64Array(N * N);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) K[i * N + j] = Math.exp(-(((i - j) / 20) ** 2)) / (20 * Math.sqrt(Math.PI) + 1);
    // d₀ = K̂z: its weight sits on the top modes, so the loss visibly decreases
    const z = rng.normals(N);
    const d0 = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) d0[i] += K[i * N + j] * z[j];
    const problem = { N, khat: K, d0 };
    const cases = [
      { schedule: constantSchedule(0.1, 0.6), optimizer: "sgd" as const },
      { schedule: constantSchedule(0.01, 0), optimizer: "adam" as const },
    ];
    for (const c of cases) {
      const base = { ...c, batchSize: 7, nSteps: 200, seed: 4 };
      const curves: Record<string, number[]> = {};
      for (const engine of ["wasm", "js"] as const) {
        for (const kernelPrecision of ["float64", "float32"] as const) {
          curves[`${engine}/${kernelPrecision}`] = collect(
            linearized(problem, { ...base, engine, kernelPrecision }),
          ).losses;
        }
      }
      assert.deepEqual(curves["wasm/float64"], curves["js/float64"]);
      assert.deepEqual(curves["wasm/float32"], curves["js/float32"]);
      const e = maxRelDiff(curves["wasm/float32"], curves["wasm/float64"]);
      assert.ok(e > 0 && e <= 1e-5, `${c.optimizer}: float32 vs float64 ${e}`);
      const [first, last] = [curves["wasm/float64"][0], curves["wasm/float64"][200]];
      assert.ok(last < first, `${c.optimizer}: the run should make progress (${first} → ${last})`);
    }
  },
);

test("gather kernels are cached per K̂ array and precision", () => {
  const K = new Float64Array(16).fill(0.25);
  assert.equal(gatherKernel(K, 4), gatherKernel(K, 4, "float64"));
  assert.notEqual(gatherKernel(K, 4, "float32"), gatherKernel(K, 4, "float64"));
  assert.notEqual(gatherKernel(new Float64Array(16), 4), gatherKernel(K, 4));
  assert.throws(() => new GatherKernel(K, 5, "float64"), RangeError);
});

test(
  "linearized (wasm sgd): interleaved runs sharing one kernel, with memory growth mid-run, " +
    "= separate runs; slots are reused",
  () => {
    const N = 300;
    const rng = new Rng(5);
    const K = new Float64Array(N * N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) K[i * N + j] = Math.exp(-(((i - j) / 5) ** 2)) / 10;
    const problem = { N, khat: K, d0: rng.normals(N) };
    const opts = (replicate: number) => ({
      schedule: constantSchedule(0.2, 0.5),
      batchSize: 4,
      nSteps: 40,
      seed: 1,
      replicate,
      engine: "wasm" as const,
    });
    const alone = [0, 1, 2].map((r) => collect(linearized(problem, opts(r))).losses);
    const runs = [0, 1].map((r) => linearized(problem, opts(r)));
    const got: number[][] = [[], []];
    let third: ReturnType<typeof linearized> | undefined;
    const thirdLosses: number[] = [];
    const extra: ReturnType<typeof linearized>[] = [];
    let bufferBefore: ArrayBuffer | undefined;
    for (let t = 0; t <= 40; t++) {
      for (const [i, run] of runs.entries()) got[i].push((run.next().value as { loss: number }).loss);
      if (t === 10) {
        bufferBefore = gatherKernel(K, N).memory;
        third = linearized(problem, opts(2)); // starts later
        // 30 more open runs: 30 slots of 2·N doubles force the shared memory to grow mid-run
        for (let i = 0; i < 30; i++) {
          extra.push(linearized(problem, opts(3 + i)));
          extra[i].next();
        }
      }
      if (third) thirdLosses.push((third.next().value as { loss: number }).loss);
    }
    assert.notEqual(gatherKernel(K, N).memory, bufferBefore, "memory should have grown mid-run");
    for (const run of extra) run.return(undefined as never);
    assert.deepEqual(got[0], alone[0]);
    assert.deepEqual(got[1], alone[1]);
    assert.deepEqual(thirdLosses, alone[2].slice(0, thirdLosses.length));
    // closing a generator early gives its slot back: the next run reuses it instead of growing memory
    third!.return(undefined as never);
    const kern = gatherKernel(K, N);
    const before = kern.memory.byteLength;
    for (let i = 0; i < 20; i++) {
      const run = linearized(problem, opts(i));
      run.next();
      run.next();
      run.return(undefined as never);
    }
    assert.equal(kern.memory.byteLength, before);
  },
);
