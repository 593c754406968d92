// The SD(τ) step kernel (lib/regimes/sdStep.ts; docs/theory.md §2.4) in C for the Node-API addon
// build/native/powerlaw.node. Per step t and mode k, in the reference's operation order:
//   a = α_t λ_k,   Π = ((a·a)·((1−γτ)·C + γS) − ((2β)·a)·J) + β²·P,
//   C ← ((1 − 2a)·C + (2β)·J) + Π,   J ← (β·J − a·C) + Π,   P ← Π,
// eight modes at a time in GCC vector types (one zmm with AVX-512, two ymm with AVX2, four xmm otherwise,
// chosen at load time by target_clones), S summed in one 8-lane accumulator plus a scalar tail.
// No FMA contraction, so each mode's update is bit-identical to the TypeScript reference.
#include "../../linalg/native/addon.h"

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

typedef double v8d __attribute__((vector_size(64)));
// the same, for loads and stores: typed arrays are only 8-byte aligned, and it aliases double (as __m512d_u)
typedef double v8du __attribute__((vector_size(64), aligned(8), may_alias));
#define LOAD8(ptr) (*(const v8du*)(ptr))
#define STORE8(ptr, v) (*(v8du*)(ptr) = (v))

__attribute__((target_clones("avx512f", "avx2", "default")))
static int32_t sd_run(int32_t n, const double* lam, double* c, double* j, double* p, const double* alphas,
                      const double* betas, double* sums, int32_t steps, double damp, double gamma, double sum,
                      double norm, double bound) {
  const int32_t n8 = n & ~7;
  const v8d one = {1, 1, 1, 1, 1, 1, 1, 1};
  const v8d zero = {0};
  for (int32_t t = 0; t < steps; t++) {
    const double alpha = alphas[t], beta = betas[t];
    const double tb = 2 * beta, beta2 = beta * beta, noise = gamma * sum;
    const v8d va = one * alpha, vb = one * beta, vtb = one * tb, vb2 = one * beta2, vn = one * noise, vd = one * damp;
    v8d acc = zero;
    int32_t k = 0;
    for (; k < n8; k += 8) {
      const v8d a = va * LOAD8(lam + k);
      const v8d cv = LOAD8(c + k);
      const v8d jv = LOAD8(j + k);
      const v8d pi = ((a * a) * ((vd * cv) + vn) - (vtb * a) * jv) + vb2 * LOAD8(p + k);
      const v8d cn = ((one - (a + a)) * cv + vtb * jv) + pi;
      STORE8(c + k, cn);
      STORE8(j + k, ((vb * jv) - (a * cv)) + pi);
      STORE8(p + k, pi);
      acc += cn;
    }
    double tail = 0;
    for (; k < n; k++) {
      const double a = alpha * lam[k], cv = c[k], jv = j[k];
      const double pi = ((a * a) * ((damp * cv) + noise) - (tb * a) * jv) + beta2 * p[k];
      const double cn = ((1 - (a + a)) * cv + tb * jv) + pi;
      c[k] = cn;
      j[k] = ((beta * jv) - (a * cv)) + pi;
      p[k] = pi;
      tail += cn;
    }
    sum = (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) + tail;
    sums[t] = sum;
    if (!(sum * norm <= bound)) return t + 1;
  }
  return steps;
}
#pragma GCC pop_options

// sdStep(lambda, C, J, P, alphas, betas, sums, steps, damp, gamma, sum, norm, bound) -> steps taken
static napi_value sd_step(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  if (addon_args(env, info, 13, argv, "sdStep") != 0) return NULL;
  static const char* names[7] = {"sdStep lambda", "sdStep C", "sdStep J", "sdStep P", "sdStep alphas",
                                 "sdStep betas", "sdStep sums"};
  double* a[7];
  size_t len[7];
  for (int i = 0; i < 7; i++)
    if (addon_f64array(env, argv[i], names[i], &a[i], &len[i]) != 0) return NULL;
  const size_t n = len[0];
  int64_t steps;
  double damp, gamma, sum, norm, bound;
  if (addon_need(env, "sdStep C", len[1], n) || addon_need(env, "sdStep J", len[2], n) ||
      addon_need(env, "sdStep P", len[3], n) || addon_int(env, argv[7], "sdStep steps", 0, INT32_MAX, &steps) ||
      addon_need(env, "sdStep alphas", len[4], (size_t)steps) ||
      addon_need(env, "sdStep betas", len[5], (size_t)steps) ||
      addon_need(env, "sdStep sums", len[6], (size_t)steps) || addon_double(env, argv[8], "sdStep damp", &damp) ||
      addon_double(env, argv[9], "sdStep gamma", &gamma) || addon_double(env, argv[10], "sdStep sum", &sum) ||
      addon_double(env, argv[11], "sdStep norm", &norm) || addon_double(env, argv[12], "sdStep bound", &bound)) {
    return NULL;
  }
  if (n > INT32_MAX) {
    napi_throw_range_error(env, NULL, "sdStep lambda: more than 2^31 - 1 modes");
    return NULL;
  }
  int32_t taken = sd_run((int32_t)n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], (int32_t)steps, damp, gamma, sum,
                         norm, bound);
  napi_value out;
  NAPI_CALL(env, napi_create_int32(env, taken, &out));
  return out;
}

napi_value register_sdStep(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "sdStep", sd_step));
  return exports;
}
