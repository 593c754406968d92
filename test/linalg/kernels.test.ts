// Dense kernels: native (OpenBLAS, 1 and 2–3 threads a call), WebAssembly SIMD and plain TypeScript
// against a naive triple loop written here from the definition, and against each other. Tolerance:
// max |C − C_ref| ≤ 1e-12 · (|α|·‖A‖_F·‖B‖_F + |β|·max|C₀|), the rounding of a length-k dot product
// bounded far above (k ≤ 1100 here gives ~k·2⁻⁵³ ≈ 1e-13 relative). The WASM and native builds must be
// present (npm ci builds them): a missing one fails, except native with the build script's "skipped:"
// marker (no compiler, headers or OpenBLAS on this machine). Also: the backend choice (backend.ts).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { requestedBackend, selectBackend } from "../../lib/linalg/backend.ts";
import { denseKernels, nativeKernels, tsKernels, wasmKernels } from "../../lib/linalg/kernels.ts";
import { nativeSkipReason } from "../../lib/linalg/native/binding.ts";
import type { DenseKernels } from "../../lib/linalg/types.ts";
import { Rng } from "../../lib/random/rng.ts";

const TOL = 1e-12;
const rng = new Rng(20240611);

function rand(len: number): Float64Array {
  const a = new Float64Array(len);
  for (let i = 0; i < len; i++) a[i] = 2 * rng.uniform() - 1;
  return a;
}
const frob = (a: Float64Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
const maxAbs = (a: Float64Array): number => a.reduce((s, x) => Math.max(s, Math.abs(x)), 0);

/** Naive dgemm from the definition, in the row-major storage convention of types.ts. */
function naiveGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  B: Float64Array,
  beta: number,
  C0: Float64Array,
): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (tA ? A[p * m + i] : A[i * k + p]) * (tB ? B[j * k + p] : B[p * n + j]);
      C[i * n + j] = (alpha === 0 ? 0 : alpha * s) + (beta === 0 ? 0 : beta * C0[i * n + j]);
    }
  return C;
}

function maxDiff(x: Float64Array, y: Float64Array): number {
  assert.equal(x.length, y.length);
  let d = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.abs(x[i] - y[i]);
    if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
  }
  return d;
}

/** The native kernels with `threads` threads, or null when the build script recorded why it skipped them. */
function nativeOrSkipped(threads: number): DenseKernels | null {
  try {
    return nativeKernels(threads);
  } catch (e) {
    const skip = nativeSkipReason();
    if (skip.addon !== null || skip.blas !== null) return null;
    throw new Error(`native kernels missing without a "skipped:" marker in build/native/: ${String(e)}`, { cause: e });
  }
}

interface Impl {
  label: string;
  K: DenseKernels;
}
const wasm = wasmKernels(); // throws (fails the file) if build/wasm/dense.wasm is missing
const native1 = nativeOrSkipped(1);
const native2 = nativeOrSkipped(2);
const native3 = nativeOrSkipped(3);
const impls: Impl[] = [
  { label: "ts", K: tsKernels },
  { label: "wasm", K: wasm },
  ...(native1 ? [{ label: "native", K: native1 }] : []),
  ...(native2 ? [{ label: "native×2", K: native2 }] : []),
];
const TRANS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

test("build outputs: wasm loads; native loads, or build/native/ says why it was skipped", (t) => {
  assert.equal(wasm.name, "wasm");
  const skip = nativeSkipReason();
  if (native1) {
    assert.equal(native1.name, "native");
    assert.equal(skip.addon, null, "addon loads but build/native/skipped.txt is stale");
  } else {
    assert.match(`${skip.addon ?? skip.blas}`, /^skipped: /);
    t.diagnostic(`native kernels not tested here: ${skip.addon ?? skip.blas}`);
  }
});

// Shapes: tiny, not multiples of the 4×4 tile, and ones crossing the wasm blocking (MC = 96 rows,
// KC = 256 deep, NC = 1024 columns).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [5, 1, 9],
  [3, 5, 1],
  [4, 4, 4],
  [7, 9, 11],
  [8, 8, 8],
  [13, 6, 17],
  [33, 31, 29],
  [97, 101, 5],
  [100, 96, 257],
  [203, 45, 513],
  [9, 1030, 260],
];

test("gemm: every backend = naive triple loop, every shape × transA × transB (α = 1.3, β = −0.6)", () => {
  for (const [m, n, k] of SHAPES)
    for (const [tA, tB] of TRANS) {
      const A = rand(m * k),
        B = rand(k * n),
        C0 = rand(m * n);
      const alpha = 1.3,
        beta = -0.6;
      const want = naiveGemm(tA, tB, m, n, k, alpha, A, B, beta, C0);
      const tol = TOL * (Math.abs(alpha) * frob(A) * frob(B) + Math.abs(beta) * maxAbs(C0));
      const A0 = A.slice(),
        B0 = B.slice();
      for (const { label, K } of impls) {
        const C = C0.slice();
        K.gemm(tA, tB, m, n, k, alpha, A, B, beta, C);
        const d = maxDiff(C, want);
        assert.ok(d <= tol, `${label} m=${m} n=${n} k=${k} tA=${tA} tB=${tB}: ${d} > ${tol}`);
        assert.deepEqual(A, A0, `${label} modified A`);
        assert.deepEqual(B, B0, `${label} modified B`);
      }
    }
});

test("gemm: wasm and native = TS on random sizes up to 150 (40 draws, random trans, α, β)", () => {
  for (let t = 0; t < 40; t++) {
    const m = 1 + Math.floor(150 * rng.uniform()),
      n = 1 + Math.floor(150 * rng.uniform());
    const k = 1 + Math.floor(150 * rng.uniform());
    const tA = rng.uniform() < 0.5,
      tB = rng.uniform() < 0.5;
    const alpha = 4 * rng.uniform() - 2,
      beta = [0, 1, 2 * rng.uniform() - 1][t % 3];
    const A = rand(m * k),
      B = rand(k * n),
      C0 = rand(m * n);
    const Ct = C0.slice();
    tsKernels.gemm(tA, tB, m, n, k, alpha, A, B, beta, Ct);
    const tol = TOL * (Math.abs(alpha) * frob(A) * frob(B) + Math.abs(beta) * maxAbs(C0));
    for (const { label, K } of impls.slice(1)) {
      const C = C0.slice();
      K.gemm(tA, tB, m, n, k, alpha, A, B, beta, C);
      assert.ok(maxDiff(C, Ct) <= tol, `${label} m=${m} n=${n} k=${k} tA=${tA} tB=${tB}`);
    }
  }
});

test("gemm (native, 2 and 3 threads): split by rows (m ≥ n) and by columns (n > m) = 1 thread = TS", (t) => {
  if (!native1 || !native2 || !native3) return t.skip("native kernels skipped by the build (see above)");
  // 2mnk ≥ 3·1.6e7 flops, so dense.c really splits these calls (MIN_PART_FLOPS)
  for (const [m, n, k] of [
    [403, 257, 311],
    [131, 509, 400],
  ])
    for (const [tA, tB] of TRANS) {
      const A = rand(m * k),
        B = rand(k * n),
        C0 = rand(m * n);
      const Ct = C0.slice();
      tsKernels.gemm(tA, tB, m, n, k, 0.8, A, B, 0.5, Ct);
      const tol = TOL * (0.8 * frob(A) * frob(B) + 0.5 * maxAbs(C0));
      const C1 = C0.slice();
      native1.gemm(tA, tB, m, n, k, 0.8, A, B, 0.5, C1);
      assert.ok(maxDiff(C1, Ct) <= tol, `1 thread m=${m} n=${n} tA=${tA} tB=${tB}`);
      for (const K of [native2, native3]) {
        const C = C0.slice();
        K.gemm(tA, tB, m, n, k, 0.8, A, B, 0.5, C);
        assert.ok(maxDiff(C, Ct) <= tol, `threads m=${m} n=${n} tA=${tA} tB=${tB}`);
      }
    }
});

test("gemm: β = 0 ignores NaN/Inf in C; α = 0 and k = 0 leave A, B unread; m = 0 or n = 0 is a no-op", () => {
  const m = 6,
    n = 5,
    k = 7;
  const A = rand(m * k),
    B = rand(k * n);
  for (const { label, K } of impls) {
    for (const [tA, tB] of TRANS) {
      const C = new Float64Array(m * n).fill(NaN);
      C[3] = Infinity;
      K.gemm(tA, tB, m, n, k, 2, A, B, 0, C);
      const want = naiveGemm(tA, tB, m, n, k, 2, A, B, 0, C);
      assert.ok(maxDiff(C, want) <= 1e-13 * frob(A) * frob(B), `${label} β = 0 with NaN in C`);
    }
    // α = 0: C ← βC, NaN in A and B must not leak in.
    const nanA = new Float64Array(m * k).fill(NaN),
      nanB = new Float64Array(k * n).fill(NaN);
    const C0 = rand(m * n),
      C = C0.slice();
    K.gemm(false, false, m, n, k, 0, nanA, nanB, 0.5, C);
    assert.deepEqual(
      C,
      C0.map((x) => 0.5 * x),
      `${label} α = 0`,
    );
    const Cz = new Float64Array(m * n).fill(NaN);
    K.gemm(false, true, m, n, k, 0, nanA, nanB, 0, Cz);
    assert.deepEqual(Cz, new Float64Array(m * n), `${label} α = 0, β = 0`);
    // k = 0: empty product.
    const Ck = C0.slice();
    K.gemm(true, false, m, n, 0, 3, new Float64Array(0), new Float64Array(0), -1, Ck);
    assert.deepEqual(
      Ck,
      C0.map((x) => -x),
      `${label} k = 0`,
    );
    // β = 1 keeps C exactly where the product is zero.
    const C1 = C0.slice();
    K.gemm(false, false, m, n, k, 1, new Float64Array(m * k), B, 1, C1);
    assert.deepEqual(C1, C0, `${label} zero A, β = 1`);
    // Empty C.
    K.gemm(false, false, 0, n, k, 1, A, B, 0, new Float64Array(0));
    K.gemm(false, false, m, 0, k, 1, A, B, 0, new Float64Array(0));
  }
});

test("gemm: subarray views and SharedArrayBuffer operands, arrays longer than needed, short arrays throw", () => {
  const m = 9,
    n = 10,
    k = 11;
  const bufA = rand(m * k + 20),
    bufB = new Float64Array(new SharedArrayBuffer(8 * (k * n + 7)));
  bufB.set(rand(k * n + 7));
  const A = bufA.subarray(13, 13 + m * k),
    B = bufB.subarray(3);
  const want = naiveGemm(false, false, m, n, k, 1, A, B, 0, new Float64Array(m * n));
  for (const { label, K } of impls) {
    const bufC = new Float64Array(m * n + 10).fill(-7);
    const C = bufC.subarray(5, 5 + m * n);
    K.gemm(false, false, m, n, k, 1, A, B, 0, C);
    assert.ok(maxDiff(C, want) <= 1e-13 * frob(A) * frob(B), label);
    assert.ok(
      bufC.subarray(0, 5).every((x) => x === -7) && bufC.subarray(5 + m * n).every((x) => x === -7),
      `${label} wrote outside C`,
    );
    assert.throws(() => K.gemm(false, false, m, n, k, 1, A.subarray(1), B, 0, C), RangeError);
    assert.throws(() => K.gemm(false, false, m, n, k, 1, A, B, 0, C.subarray(1)), RangeError);
  }
});

test("gemm (wasm): memory grows for a large call and stays correct for small calls after it", () => {
  const small = (): void => {
    const A = rand(12),
      B = rand(15),
      C = new Float64Array(20);
    wasm.gemm(false, false, 4, 5, 3, 1, A, B, 0, C);
    assert.ok(maxDiff(C, naiveGemm(false, false, 4, 5, 3, 1, A, B, 0, C)) <= 1e-14);
  };
  small();
  const n = 700; // 3 × 3.9 MB of operands, beyond the initial 1 MiB of linear memory
  const A = rand(n * n),
    B = rand(n * n),
    Cw = new Float64Array(n * n),
    Ct = new Float64Array(n * n);
  wasm.gemm(false, true, n, n, n, 1, A, B, 0, Cw);
  tsKernels.gemm(false, true, n, n, n, 1, A, B, 0, Ct);
  assert.ok(maxDiff(Cw, Ct) <= TOL * frob(A) * frob(B));
  small();
});

/** Naive syrk: α·op(A)·op(A)ᵀ + β·C0 with op(A) = A (n×k) or Aᵀ (A k×n). */
function naiveSyrk(
  trans: boolean,
  n: number,
  k: number,
  alpha: number,
  A: Float64Array,
  beta: number,
  C0: Float64Array,
) {
  return trans
    ? naiveGemm(true, false, n, n, k, alpha, A, A, beta, C0)
    : naiveGemm(false, true, n, n, k, alpha, A, A, beta, C0);
}

test("syrk: every backend = naive α·A·Aᵀ + β·C and α·AᵀA + β·C (C not symmetric), odd and blocked sizes", () => {
  for (const [n, k] of [
    [1, 1],
    [1, 5],
    [5, 1],
    [3, 7],
    [4, 4],
    [9, 13],
    [37, 20],
    [98, 300],
    [130, 61],
    [1030, 6],
    [301, 400], // large enough for native×2 to split into row bands
  ]) {
    for (const trans of [false, true])
      for (const [alpha, beta] of [
        [1, 0],
        [-0.7, 0.4],
        [2, 1],
      ]) {
        const A = rand(n * k),
          C0 = rand(n * n);
        const want = naiveSyrk(trans, n, k, alpha, A, beta, C0);
        const tol = TOL * (Math.abs(alpha) * frob(A) ** 2 + Math.abs(beta) * maxAbs(C0));
        for (const { label, K } of [...impls, ...(native3 ? [{ label: "native×3", K: native3 }] : [])]) {
          const C = C0.slice();
          K.syrk(trans, n, k, alpha, A, beta, C);
          const d = maxDiff(C, want);
          assert.ok(d <= tol, `${label} n=${n} k=${k} trans=${trans} α=${alpha} β=${beta}: ${d} > ${tol}`);
        }
      }
  }
});

test("syrk: result exactly symmetric for symmetric C; β = 0 ignores NaN; α = 0 leaves A unread", () => {
  for (const { label, K } of impls)
    for (const trans of [false, true]) {
      const n = 67,
        k = 45;
      const A = rand(n * k);
      const S = rand(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) S[j * n + i] = S[i * n + j];
      const C = S.slice();
      K.syrk(trans, n, k, 0.9, A, -1.1, C);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < i; j++) {
          assert.equal(C[i * n + j], C[j * n + i], `${label} trans=${trans} asymmetric at (${i}, ${j})`);
        }
      const Cn = new Float64Array(n * n).fill(NaN);
      K.syrk(trans, n, k, 1, A, 0, Cn);
      assert.ok(maxDiff(Cn, naiveSyrk(trans, n, k, 1, A, 0, Cn)) <= TOL * frob(A) ** 2, `${label} β = 0 with NaN`);
      const Ca = S.slice();
      K.syrk(trans, n, k, 0, new Float64Array(n * k).fill(NaN), 2, Ca);
      assert.deepEqual(
        Ca,
        S.map((x) => 2 * x),
        `${label} α = 0`,
      );
      K.syrk(trans, 0, k, 1, A, 0, new Float64Array(0));
    }
});

test("native kernels reject bad arguments with the argument's name (not a crash)", (t) => {
  if (!native1) return t.skip("native kernels skipped by the build");
  assert.throws(() => nativeKernels(0), /threads must be an integer in \[1, 64\], got 0/);
  assert.throws(() => denseKernels({ threads: 1.5 }), /threads must be an integer in \[1, 64\], got 1.5/);
  assert.throws(() => native1.gemm(false, false, -1, 2, 2, 1, rand(4), rand(4), 0, rand(4)), /gemm m must be/);
  assert.throws(() => native1.syrk(false, 3, 2, 1, rand(5), 0, rand(9)), /syrk A: length 5 < required 6/);
});

test("backend choice: POWERLAW_SGD_KERNELS parsing and selectBackend's order and errors", () => {
  assert.equal(requestedBackend(undefined), "auto");
  assert.equal(requestedBackend(""), "auto");
  assert.equal(requestedBackend(" Native "), "native");
  assert.equal(requestedBackend("ts"), "ts");
  assert.throws(() => requestedBackend("gpu"), /POWERLAW_SGD_KERNELS must be one of auto, native, wasm, ts.*"gpu"/);
  const broken = (): string => {
    throw new Error("not built");
  };
  const all = { native: () => "N", wasm: () => "W", ts: () => "T" };
  assert.deepEqual(selectBackend("k", all, "auto"), { name: "native", impl: "N" });
  assert.deepEqual(selectBackend("k", { ...all, native: broken }, "auto"), { name: "wasm", impl: "W" });
  assert.deepEqual(selectBackend("k", all, "wasm"), { name: "wasm", impl: "W" });
  assert.deepEqual(selectBackend("k", all, "ts"), { name: "ts", impl: "T" });
  // forced and present for this kernel: must load, and the error says which variable and why
  assert.throws(
    () => selectBackend("k", { ...all, native: broken }, "native"),
    /k: POWERLAW_SGD_KERNELS=native but the native backend cannot load: not built/,
  );
  // forced but this kernel has no such backend: the auto order after it
  assert.deepEqual(selectBackend("k", { wasm: () => "W", ts: () => "T" }, "native"), { name: "wasm", impl: "W" });
  assert.throws(() => selectBackend("k", { native: broken, wasm: broken, ts: broken }), /k: no backend loads/);
});

const cwd = fileURLToPath(new URL("../..", import.meta.url));
const kernelsUrl = new URL("../../lib/linalg/kernels.ts", import.meta.url).href;

/** denseKernels().name in a fresh process with `env` added (status, stdout, stderr). */
function nameIn(env: Record<string, string>) {
  const script = `import(${JSON.stringify(kernelsUrl)}).then((m) => console.log(m.denseKernels().name))`;
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
}

test("denseKernels(): native by default (else wasm), cached; POWERLAW_SGD_KERNELS=native|wasm|ts forces one", () => {
  const env = requestedBackend();
  const K = denseKernels();
  assert.equal(K, denseKernels());
  if (env === "auto") assert.equal(K.name, native1 ? "native" : "wasm");
  for (const force of native1 ? ["native", "wasm", "ts"] : ["wasm", "ts"]) {
    const r = nameIn({ POWERLAW_SGD_KERNELS: force });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), force);
  }
  const bad = nameIn({ POWERLAW_SGD_KERNELS: "blas" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /POWERLAW_SGD_KERNELS must be one of auto, native, wasm, ts/);
});

test("a missing addon: POWERLAW_SGD_KERNELS=native fails saying so, auto falls back to wasm", () => {
  const empty = mkdtempSync(join(tmpdir(), "powerlaw-native-"));
  try {
    const forced = nameIn({ POWERLAW_SGD_KERNELS: "native", POWERLAW_SGD_NATIVE_DIR: empty });
    assert.notEqual(forced.status, 0);
    assert.match(forced.stderr, /dense kernels: POWERLAW_SGD_KERNELS=native but the native backend cannot load: /);
    assert.match(forced.stderr, /native addon .*powerlaw\.node is missing: run `node scripts\/build-native\.mjs`/);
    const auto = nameIn({ POWERLAW_SGD_KERNELS: "auto", POWERLAW_SGD_NATIVE_DIR: empty });
    assert.equal(auto.status, 0, auto.stderr);
    assert.equal(auto.stdout.trim(), "wasm");
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
