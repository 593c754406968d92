// The network regime's Gram step (lib/regimes/gramStep.ts, the "gram" method of lib/regimes/network.ts) in C
// for the Node-API addon build/native/powerlaw.node, in one sweep over the N rows of Z and Q (N×H):
//   Q[n,:] ← β·Q[n,:] + (1/b)·Σ_r Ĝ[B_r, n]·Δ[r,:],   Z[n,:] ← Z[n,:] − lr·Q[n,:],
//   f[n] = (1/√H)·Σ_h w₂[h]·ReLU(Z[n,h]),   returns Σ_n (f[n] − y[n])².
// Rows go four at a time so each Δ chunk loaded from cache serves four rows; columns eight at a time in GCC
// vector types (one zmm with AVX-512, two ymm with AVX2, four xmm otherwise; target_clones picks at load time).
// Memory traffic is the point: Z and Q are read and written once a step (the GEMM-then-pass form does it twice).
#include "../../linalg/native/addon.h"

typedef double v8d __attribute__((vector_size(64)));
typedef long long v8l __attribute__((vector_size(64)));
typedef double v8du __attribute__((vector_size(64), aligned(8), may_alias));
#define LOAD8(ptr) (*(const v8du*)(ptr))
#define STORE8(ptr, v) (*(v8du*)(ptr) = (v))

#define ROWS 4

__attribute__((target_clones("avx512f", "avx2", "default")))
static double gram_run(int64_t N, int64_t H, int64_t b, const double* gb, const double* delta, double* Q, double* Z,
                       const double* w2, const double* y, double* f, double lr, double beta) {
  const double invB = 1.0 / (double)b, sH = 1.0 / sqrt((double)H);
  const int64_t H8 = H & ~(int64_t)7;
  const v8d zero = {0};
  double ss = 0;
  double c[ROWS][512]; // c[i][r] = Ĝ[B_r, n + i]/b for the block's rows (b ≤ 512 here; larger b: chunks of 512)
  for (int64_t n0 = 0; n0 < N; n0 += ROWS) {
    const int rows = (int)(N - n0 < ROWS ? N - n0 : ROWS);
    double acc_s[ROWS] = {0};
    v8d acc[ROWS];
    for (int i = 0; i < ROWS; i++) acc[i] = zero;
    for (int64_t h = 0; h < H8; h += 8) {
      v8d q[ROWS];
      for (int i = 0; i < rows; i++) q[i] = beta * LOAD8(Q + (n0 + i) * H + h);
      for (int64_t r0 = 0; r0 < b; r0 += 512) {
        const int64_t rend = b - r0 < 512 ? b : r0 + 512;
        if (h == 0 || b > 512)
          for (int i = 0; i < rows; i++)
            for (int64_t r = r0; r < rend; r++) c[i][r - r0] = gb[r * N + n0 + i] * invB;
        if (rows == ROWS) {
          for (int64_t r = r0; r < rend; r++) {
            const v8d dv = LOAD8(delta + r * H + h);
            q[0] += c[0][r - r0] * dv;
            q[1] += c[1][r - r0] * dv;
            q[2] += c[2][r - r0] * dv;
            q[3] += c[3][r - r0] * dv;
          }
        } else {
          for (int64_t r = r0; r < rend; r++) {
            const v8d dv = LOAD8(delta + r * H + h);
            for (int i = 0; i < rows; i++) q[i] += c[i][r - r0] * dv;
          }
        }
      }
      const v8d w = LOAD8(w2 + h);
      for (int i = 0; i < rows; i++) {
        STORE8(Q + (n0 + i) * H + h, q[i]);
        const v8d z = LOAD8(Z + (n0 + i) * H + h) - lr * q[i];
        STORE8(Z + (n0 + i) * H + h, z);
        const v8d absz = (v8d)((v8l)z & 0x7fffffffffffffffLL); // |z|: z + |z| = 2·ReLU(z) exactly, no branch
        acc[i] += (z + absz) * w;
      }
    }
    for (int64_t h = H8; h < H; h++) {
      for (int i = 0; i < rows; i++) {
        double q = beta * Q[(n0 + i) * H + h];
        for (int64_t r = 0; r < b; r++) q += gb[r * N + n0 + i] * invB * delta[r * H + h];
        Q[(n0 + i) * H + h] = q;
        const double z = Z[(n0 + i) * H + h] - lr * q;
        Z[(n0 + i) * H + h] = z;
        acc_s[i] += (z + fabs(z)) * w2[h];
      }
    }
    for (int i = 0; i < rows; i++) {
      double s = acc_s[i];
      for (int l = 0; l < 8; l++) s += acc[i][l];
      const double fn = 0.5 * s * sH;
      f[n0 + i] = fn;
      const double res = fn - y[n0 + i];
      ss += res * res;
    }
  }
  return ss;
}

// gramStep(gb, delta, Q, Z, w2, y, f, N, H, b, lr, beta) -> Σ (f − y)²
static napi_value gram_step(napi_env env, napi_callback_info info) {
  napi_value argv[12];
  if (addon_args(env, info, 12, argv, "gramStep") != 0) return NULL;
  static const char* names[7] = {"gramStep gb", "gramStep delta", "gramStep Q", "gramStep Z", "gramStep w2",
                                 "gramStep y", "gramStep f"};
  double* a[7];
  size_t len[7];
  for (int i = 0; i < 7; i++)
    if (addon_f64array(env, argv[i], names[i], &a[i], &len[i]) != 0) return NULL;
  int64_t N, H, b;
  double lr, beta;
  if (addon_int(env, argv[7], "gramStep N", 1, INT32_MAX, &N) ||
      addon_int(env, argv[8], "gramStep H", 1, INT32_MAX, &H) ||
      addon_int(env, argv[9], "gramStep b", 1, N, &b) || addon_double(env, argv[10], "gramStep lr", &lr) ||
      addon_double(env, argv[11], "gramStep beta", &beta) || addon_need(env, names[0], len[0], (size_t)(b * N)) ||
      addon_need(env, names[1], len[1], (size_t)(b * H)) || addon_need(env, names[2], len[2], (size_t)(N * H)) ||
      addon_need(env, names[3], len[3], (size_t)(N * H)) || addon_need(env, names[4], len[4], (size_t)H) ||
      addon_need(env, names[5], len[5], (size_t)N) || addon_need(env, names[6], len[6], (size_t)N)) {
    return NULL;
  }
  const double ss = gram_run(N, H, b, a[0], a[1], a[2], a[3], a[4], a[5], a[6], lr, beta);
  napi_value out;
  NAPI_CALL(env, napi_create_double(env, ss, &out));
  return out;
}

napi_value register_gramStep(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "gramStep", gram_step));
  return exports;
}
