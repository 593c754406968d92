// Symmetric eigendecomposition by LAPACK dsyevd (divide and conquer, from OpenBLAS: openblas.c):
//   eighNative(A, n, wantVectors) -> {values, vectors}
// exactly the EighResult of lib/linalg/eigh.ts: values descending; vectors n×n row-major with column k
// (vectors[i·n + k]) the unit eigenvector of values[k], its largest-magnitude component positive (the
// first such row on ties); vectors null when wantVectors is false. A (n×n row-major, finite) is not
// modified: dsyevd works on (A + Aᵀ)/2 (exact for symmetric A), which is the same matrix in row- and
// column-major order; its eigenvector columns (column-major) are rows of the row-major work array, so
// the output is their transpose, in reverse order (dsyevd's values ascend).
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "addon.h"
#include "openblas.h"

#define TILE 64

static napi_value fail(napi_env env, const char* msg, double* a, double* work, int* iwork) {
  free(a);
  free(work);
  free(iwork);
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value new_f64array(napi_env env, size_t length, double** data) {
  napi_value buffer, array;
  NAPI_CALL(env, napi_create_arraybuffer(env, length * sizeof(double), (void**)data, &buffer));
  NAPI_CALL(env, napi_create_typedarray(env, napi_float64_array, length, buffer, 0, &array));
  return array;
}

/** out[i·n + k] = ±a[(n−1−k)·n + i]: eigenvector n−1−k of dsyevd as column k, sign-normalised. */
static void vectors_out(const double* a, double* out, size_t n) {
  double* sign = malloc(n * sizeof(double));
  for (size_t k = 0; k < n; k++) {
    const double* v = a + (n - 1 - k) * n;
    size_t best = 0;
    for (size_t i = 1; i < n; i++) if (fabs(v[i]) > fabs(v[best])) best = i;
    if (sign) sign[k] = v[best] < 0 ? -1.0 : 1.0;
  }
  for (size_t i0 = 0; i0 < n; i0 += TILE) {
    const size_t i1 = i0 + TILE < n ? i0 + TILE : n;
    for (size_t k0 = 0; k0 < n; k0 += TILE) {
      const size_t k1 = k0 + TILE < n ? k0 + TILE : n;
      for (size_t k = k0; k < k1; k++) {
        const double* v = a + (n - 1 - k) * n;
        const double s = sign ? sign[k] : 1.0;
        for (size_t i = i0; i < i1; i++) out[i * n + k] = s * v[i];
      }
    }
  }
  if (!sign) { // out of memory for 8n bytes: normalise the signs in place, column by column
    for (size_t k = 0; k < n; k++) {
      size_t best = 0;
      for (size_t i = 1; i < n; i++) if (fabs(out[i * n + k]) > fabs(out[best * n + k])) best = i;
      if (out[best * n + k] < 0) for (size_t i = 0; i < n; i++) out[i * n + k] = -out[i * n + k];
    }
  }
  free(sign);
}

static napi_value eigh_native(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double* A;
  size_t lenA;
  int64_t n64;
  bool wantVectors;
  // n ≤ 16383 keeps dsyevd's workspace 1 + 6n + 2n² within LAPACK's 32-bit integers
  if (addon_args(env, info, 3, argv, "eighNative") || addon_f64array(env, argv[0], "eighNative A", &A, &lenA) ||
      addon_int(env, argv[1], "eighNative n", 0, 16383, &n64) ||
      addon_bool(env, argv[2], "eighNative wantVectors", &wantVectors)) {
    return NULL;
  }
  const size_t n = (size_t)n64;
  if (addon_need(env, "eighNative A", lenA, n * n)) return NULL;
  for (size_t i = 0; i < n * n; i++) {
    if (!isfinite(A[i])) {
      char msg[120];
      snprintf(msg, sizeof msg, "eighNative A: entry %zu is not finite (%g)", i, A[i]);
      napi_throw_range_error(env, NULL, msg);
      return NULL;
    }
  }
  const char* why = blas_load();
  if (why) {
    char msg[700];
    snprintf(msg, sizeof msg, "eighNative: %s", why);
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  double *values, *vectors = NULL;
  napi_value result, jsValues, jsVectors;
  NAPI_CALL(env, napi_create_object(env, &result));
  if (!(jsValues = new_f64array(env, n, &values))) return NULL;
  if (wantVectors) {
    if (!(jsVectors = new_f64array(env, n * n, &vectors))) return NULL;
  } else {
    NAPI_CALL(env, napi_get_null(env, &jsVectors));
  }
  NAPI_CALL(env, napi_set_named_property(env, result, "values", jsValues));
  NAPI_CALL(env, napi_set_named_property(env, result, "vectors", jsVectors));
  if (n == 0) return result;

  double* a = malloc(n * n * sizeof(double));
  double* w = malloc(n * sizeof(double));
  if (!a || !w) {
    free(w);
    return fail(env, "eighNative: out of memory", a, NULL, NULL);
  }
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 0.5 * (A[i * n + j] + A[j * n + i]);
  }
  const char jobz = wantVectors ? 'V' : 'N', uplo = 'U';
  const int ni = (int)n;
  int info_ = 0, lwork = -1, liwork = -1, iworkQuery = 0;
  double workQuery = 0;
  blas.dsyevd(&jobz, &uplo, &ni, a, &ni, w, &workQuery, &lwork, &iworkQuery, &liwork, &info_, 1, 1);
  if (info_ != 0 || !(workQuery >= 1 && workQuery < (double)INT_MAX)) {
    free(w);
    return fail(env, "eighNative: dsyevd workspace query failed", a, NULL, NULL);
  }
  lwork = (int)workQuery;
  liwork = iworkQuery > 1 ? iworkQuery : 1;
  double* work = malloc((size_t)lwork * sizeof(double));
  int* iwork = malloc((size_t)liwork * sizeof(int));
  if (!work || !iwork) {
    free(w);
    return fail(env, "eighNative: out of memory for the dsyevd workspace", a, work, iwork);
  }
  blas.dsyevd(&jobz, &uplo, &ni, a, &ni, w, work, &lwork, iwork, &liwork, &info_, 1, 1);
  free(work);
  free(iwork);
  if (info_ != 0) {
    char msg[120];
    snprintf(msg, sizeof msg, "eighNative: dsyevd failed (info = %d)", info_);
    free(w);
    return fail(env, msg, a, NULL, NULL);
  }
  for (size_t k = 0; k < n; k++) values[k] = w[n - 1 - k];
  if (wantVectors) vectors_out(a, vectors, n);
  free(w);
  free(a);
  return result;
}

napi_value register_eigh(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "eighNative", eigh_native));
  return exports;
}
