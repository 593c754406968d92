// The SD(τ) step kernel (lib/regimes/sdStep.ts; docs/theory.md §2.4) in AssemblyScript, compiled to
// WebAssembly SIMD128 (build/wasm/sdStep.wasm). Per step t and mode k, in the reference's operation order:
//   a = α_t λ_k,   Π = ((a·a)·((1−γτ)·C + γS) − ((2β)·a)·J) + β²·P,
//   C ← ((1 − 2a)·C + (2β)·J) + Π,   J ← (β·J − a·C) + Π,   P ← Π,
// four modes per iteration (two f64x2 per array, for instruction-level parallelism) and S summed in two f64x2
// accumulators plus a scalar tail. All pointers are byte offsets into this module's memory, which the
// caller (lib/regimes/wasm/sdStep.ts) owns and grows.

/** First byte free for the caller's arrays (64-byte aligned, after the module's static data). */
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}

/** Runs `steps` steps; sums[t] = S_t; stops after the first step with !(S_t·norm ≤ bound); returns steps taken. */
export function sdStep(n: i32, lam: usize, c: usize, j: usize, p: usize, alphas: usize, betas: usize, sums: usize,
  steps: i32, damp: f64, gamma: f64, sum: f64, norm: f64, bound: f64): i32 {
  const n4 = n & ~3;
  const n2 = n & ~1;
  const one = f64x2.splat(1.0);
  const vd = f64x2.splat(damp);
  for (let t = 0; t < steps; t++) {
    const alpha = load<f64>(alphas + ((<usize>t) << 3));
    const beta = load<f64>(betas + ((<usize>t) << 3));
    const tb = 2 * beta;
    const beta2 = beta * beta;
    const noise = gamma * sum;
    const va = f64x2.splat(alpha);
    const vb = f64x2.splat(beta);
    const vtb = f64x2.splat(tb);
    const vb2 = f64x2.splat(beta2);
    const vn = f64x2.splat(noise);
    let s0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let k = 0;
    for (; k < n4; k += 4) {
      const o = (<usize>k) << 3;
      const a0 = f64x2.mul(va, v128.load(lam + o));
      const a1 = f64x2.mul(va, v128.load(lam + o, 16));
      const c0 = v128.load(c + o);
      const c1 = v128.load(c + o, 16);
      const j0 = v128.load(j + o);
      const j1 = v128.load(j + o, 16);
      const pi0 = f64x2.add(f64x2.sub(f64x2.mul(f64x2.mul(a0, a0), f64x2.add(f64x2.mul(vd, c0), vn)),
        f64x2.mul(f64x2.mul(vtb, a0), j0)), f64x2.mul(vb2, v128.load(p + o)));
      const pi1 = f64x2.add(f64x2.sub(f64x2.mul(f64x2.mul(a1, a1), f64x2.add(f64x2.mul(vd, c1), vn)),
        f64x2.mul(f64x2.mul(vtb, a1), j1)), f64x2.mul(vb2, v128.load(p + o, 16)));
      const cn0 = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(one, f64x2.add(a0, a0)), c0), f64x2.mul(vtb, j0)), pi0);
      const cn1 = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(one, f64x2.add(a1, a1)), c1), f64x2.mul(vtb, j1)), pi1);
      v128.store(c + o, cn0);
      v128.store(c + o, cn1, 16);
      v128.store(j + o, f64x2.add(f64x2.sub(f64x2.mul(vb, j0), f64x2.mul(a0, c0)), pi0));
      v128.store(j + o, f64x2.add(f64x2.sub(f64x2.mul(vb, j1), f64x2.mul(a1, c1)), pi1), 16);
      v128.store(p + o, pi0);
      v128.store(p + o, pi1, 16);
      s0 = f64x2.add(s0, cn0);
      s1 = f64x2.add(s1, cn1);
    }
    if (k < n2) {
      const o = (<usize>k) << 3;
      const a0 = f64x2.mul(va, v128.load(lam + o));
      const c0 = v128.load(c + o);
      const j0 = v128.load(j + o);
      const pi0 = f64x2.add(f64x2.sub(f64x2.mul(f64x2.mul(a0, a0), f64x2.add(f64x2.mul(vd, c0), vn)),
        f64x2.mul(f64x2.mul(vtb, a0), j0)), f64x2.mul(vb2, v128.load(p + o)));
      const cn0 = f64x2.add(f64x2.add(f64x2.mul(f64x2.sub(one, f64x2.add(a0, a0)), c0), f64x2.mul(vtb, j0)), pi0);
      v128.store(c + o, cn0);
      v128.store(j + o, f64x2.add(f64x2.sub(f64x2.mul(vb, j0), f64x2.mul(a0, c0)), pi0));
      v128.store(p + o, pi0);
      s0 = f64x2.add(s0, cn0);
      k += 2;
    }
    let tail = 0.0;
    if (k < n) {
      const o = (<usize>k) << 3;
      const a = alpha * load<f64>(lam + o);
      const cv = load<f64>(c + o);
      const jv = load<f64>(j + o);
      const pi = a * a * (damp * cv + noise) - tb * a * jv + beta2 * load<f64>(p + o);
      const cn = (1 - 2 * a) * cv + tb * jv + pi;
      store<f64>(c + o, cn);
      store<f64>(j + o, beta * jv - a * cv + pi);
      store<f64>(p + o, pi);
      tail = cn;
    }
    const s = f64x2.add(s0, s1);
    sum = (f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1)) + tail;
    store<f64>(sums + ((<usize>t) << 3), sum);
    if (!(sum * norm <= bound)) return t + 1;
  }
  return steps;
}
