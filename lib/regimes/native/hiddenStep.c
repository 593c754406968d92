// The network regime's step for everything attached to the hidden units (lib/regimes/hiddenStep.ts) in C for the
// Node-API addon build/native/powerlaw.node. For each unit h, from the batch's pre-activations Z_B (b×H) and
// scaled residuals a_r:
//   Δ[r,h] = a_r·w₂[h]·1[Z_B[r,h] > 0],   g_b = (1/b)·Σ_r Δ[r,h],   g_w = (1/b)·Σ_r a_r·ReLU(Z_B[r,h]),
//   the momentum steps of w₂[h] and b₁[h], and with the explicit first layer (X_B b×d, W₁ and buf H×d)
//   buf[h,:] ← β·buf[h,:] + (1/(b√d))·Σ_r Δ[r,h]·X_B[r,:],   W₁[h,:] ← W₁[h,:] − lr·buf[h,:],
// in one sweep over the units, so W₁ and its buffer cross memory once a step (a GEMM and then a pass: twice), and
// no branch on the sign of z (the JavaScript loop mispredicts about half of them). Columns of W₁ eight at a time
// in GCC vector types (target_clones picks AVX-512, AVX2 or SSE2 at load time).
#include "../../linalg/native/addon.h"

typedef double v8d __attribute__((vector_size(64)));
typedef double v8du __attribute__((vector_size(64), aligned(8), may_alias));
#define LOAD8(ptr) (*(const v8du*)(ptr))
#define STORE8(ptr, v) (*(v8du*)(ptr) = (v))

#define MAX_B 256 // batch rows per chunk of W₁ coefficients

/** buf ← β·buf + Σ_q c[q]·xs[q][:], W ← W − lr·buf over one row of d. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void row_update(int64_t d, int64_t m, const double* c, const double* const* xs, double* bh, double* wh,
                       double beta, double lr, bool scale, bool last) {
  const int64_t d8 = d & ~(int64_t)7;
  for (int64_t k = 0; k < d8; k += 8) {
    v8d acc = LOAD8(bh + k);
    if (scale) acc *= beta;
    for (int64_t q = 0; q < m; q++) acc += c[q] * LOAD8(xs[q] + k);
    STORE8(bh + k, acc);
    if (last) STORE8(wh + k, LOAD8(wh + k) - lr * acc);
  }
  for (int64_t k = d8; k < d; k++) {
    double acc = scale ? beta * bh[k] : bh[k];
    for (int64_t q = 0; q < m; q++) acc += c[q] * xs[q][k];
    bh[k] = acc;
    if (last) wh[k] -= lr * acc;
  }
}

static void hidden_run(int64_t H, int64_t b, int64_t d, const double* zb, const double* res, double* delta, double* w2,
                       double* bufW2, double* b1, double* bufB1, const double* xb, double* W, double* buf, double lr,
                       double beta) {
  const double invB = 1.0 / (double)b, s = invB / sqrt((double)d);
  double c[MAX_B];
  const double* xs[MAX_B];
  for (int64_t h = 0; h < H; h++) {
    const double w = w2[h];
    double gb = 0, gw = 0;
    for (int64_t r = 0; r < b; r++) {
      const double z = zb[r * H + h], a = res[r];
      const double dl = z > 0 ? a * w : 0; // a select, not a branch
      delta[r * H + h] = dl;
      gb += dl;
      gw += z > 0 ? a * z : 0;
    }
    bufW2[h] = beta * bufW2[h] + gw * invB;
    w2[h] -= lr * bufW2[h];
    bufB1[h] = beta * bufB1[h] + gb * invB;
    b1[h] -= lr * bufB1[h];
    if (!W) continue;
    for (int64_t r0 = 0; r0 < b; r0 += MAX_B) {
      const int64_t rn = b - r0 < MAX_B ? b - r0 : MAX_B;
      int64_t m = 0; // the nonzero coefficients only (an inactive unit contributes nothing), compacted branch-free
      for (int64_t r = 0; r < rn; r++) {
        const double v = delta[(r0 + r) * H + h];
        c[m] = s * v;
        xs[m] = xb + (r0 + r) * d;
        m += v != 0;
      }
      row_update(d, m, c, xs, buf + h * d, W + h * d, beta, lr, r0 == 0, r0 + MAX_B >= b);
    }
  }
}

/** An optional Float64Array argument: NULL data for null or undefined. */
static int optional_f64array(napi_env env, napi_value v, const char* what, double** data, size_t* length) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return addon_type_error(env, what, "a Float64Array or null");
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *length = 0;
    return 0;
  }
  return addon_f64array(env, v, what, data, length);
}

// hiddenStep(zb, res, delta, w2, bufW2, b1, bufB1, xb | null, W | null, buf | null, H, b, d, lr, beta)
static napi_value hidden_step(napi_env env, napi_callback_info info) {
  napi_value argv[15];
  if (addon_args(env, info, 15, argv, "hiddenStep") != 0) return NULL;
  static const char* names[10] = {"hiddenStep zb", "hiddenStep res", "hiddenStep delta", "hiddenStep w2",
                                  "hiddenStep bufW2", "hiddenStep b1", "hiddenStep bufB1", "hiddenStep xb",
                                  "hiddenStep W", "hiddenStep buf"};
  double* a[10];
  size_t len[10];
  for (int i = 0; i < 7; i++)
    if (addon_f64array(env, argv[i], names[i], &a[i], &len[i]) != 0) return NULL;
  for (int i = 7; i < 10; i++)
    if (optional_f64array(env, argv[i], names[i], &a[i], &len[i]) != 0) return NULL;
  int64_t H, b, d;
  double lr, beta;
  if (addon_int(env, argv[10], "hiddenStep H", 1, INT32_MAX, &H) ||
      addon_int(env, argv[11], "hiddenStep b", 1, INT32_MAX, &b) ||
      addon_int(env, argv[12], "hiddenStep d", 1, INT32_MAX, &d) ||
      addon_double(env, argv[13], "hiddenStep lr", &lr) || addon_double(env, argv[14], "hiddenStep beta", &beta) ||
      addon_need(env, names[0], len[0], (size_t)(b * H)) || addon_need(env, names[1], len[1], (size_t)b) ||
      addon_need(env, names[2], len[2], (size_t)(b * H))) {
    return NULL;
  }
  for (int i = 3; i < 7; i++)
    if (addon_need(env, names[i], len[i], (size_t)H)) return NULL;
  const bool first = a[7] && a[8] && a[9];
  if (!first && (a[7] || a[8] || a[9])) {
    napi_throw_type_error(env, NULL, "hiddenStep: xb, W and buf must be given together, or all null");
    return NULL;
  }
  if (first && (addon_need(env, names[7], len[7], (size_t)(b * d)) ||
                addon_need(env, names[8], len[8], (size_t)(H * d)) ||
                addon_need(env, names[9], len[9], (size_t)(H * d)))) {
    return NULL;
  }
  hidden_run(H, b, d, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], first ? a[8] : NULL, a[9], lr, beta);
  return NULL;
}

napi_value register_hiddenStep(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "hiddenStep", hidden_step));
  return exports;
}
