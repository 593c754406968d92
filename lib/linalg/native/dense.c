// Dense float64 GEMM and SYRK, row-major, with the semantics of DenseKernels (lib/linalg/types.ts):
//   gemm(transA, transB, m, n, k, α, A, B, β, C, threads):  C ← α·op(A)·op(B) + β·C
//   syrk(trans, n, k, α, A, β, C, threads):  C ← α·op(A)·op(A)ᵀ + β·C, op(A) = A (n×k) or Aᵀ (A k×n)
// over OpenBLAS's cblas_dgemm / cblas_dsyrk (openblas.c). Arrays are read and written in place (no
// copies). Edge cases are handled here, not left to the library: m = 0 or n = 0 is a no-op; α = 0 or
// k = 0 only scales C (A and B unread); β = 0 writes C without reading it (NaN/Inf in C ignored).
// SYRK computes the upper triangle of the product once and mirrors it, so its contribution is exactly
// symmetric; with β ≠ 0 the product goes to a scratch matrix first, because C (not necessarily
// symmetric) is scaled triangle by triangle: C_ij ← P_min(i,j),max(i,j) + β·C_ij.
// threads > 1 splits one call into independent single-threaded BLAS calls on POSIX threads: GEMM by
// rows (or columns) of C, SYRK by row bands of the upper triangle of equal work (band i ends at row
// n·(1 − √(1 − i/T))), each band one dsyrk on its diagonal block and one dgemm right of it.
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "addon.h"
#include "openblas.h"

#define MAX_THREADS 64
// A part gets at least this many flops (≈ 0.2 ms here), so threads are never started for small calls.
#define MIN_PART_FLOPS 1.6e7

typedef struct {
  int transA, transB, m, n, k, lda, ldb, ldc;
  double alpha, beta;
  const double* A;
  const double* B;
  double* C;
} gemm_job;

typedef struct {
  int trans, n, k, lda, r0, r1;
  double alpha;
  const double* A;
  double* C; // target of the product's upper triangle (n×n, row stride n)
} syrk_job;

static void* gemm_run(void* p) {
  const gemm_job* j = p;
  blas.dgemm(BLAS_ROW_MAJOR, j->transA ? BLAS_TRANS : BLAS_NO_TRANS, j->transB ? BLAS_TRANS : BLAS_NO_TRANS,
    j->m, j->n, j->k, j->alpha, j->A, j->lda, j->B, j->ldb, j->beta, j->C, j->ldc);
  return NULL;
}

// Rows r0..r1 of the upper triangle: the diagonal block by dsyrk, the block right of it by dgemm.
static void* syrk_run(void* p) {
  const syrk_job* j = p;
  const int rows = j->r1 - j->r0, right = j->n - j->r1;
  // row r of op(A): A + r·k (trans = 0, A n×k) or column r of A, A + r (trans = 1, A k×n)
  const double* a0 = j->trans ? j->A + j->r0 : j->A + (size_t)j->r0 * j->k;
  const double* a1 = j->trans ? j->A + j->r1 : j->A + (size_t)j->r1 * j->k;
  double* c = j->C + (size_t)j->r0 * j->n + j->r0;
  if (rows <= 0) return NULL;
  blas.dsyrk(BLAS_ROW_MAJOR, BLAS_UPPER, j->trans ? BLAS_TRANS : BLAS_NO_TRANS, rows, j->k, j->alpha, a0, j->lda,
    0.0, c, j->n);
  if (right > 0) {
    blas.dgemm(BLAS_ROW_MAJOR, j->trans ? BLAS_TRANS : BLAS_NO_TRANS, j->trans ? BLAS_NO_TRANS : BLAS_TRANS,
      rows, right, j->k, j->alpha, a0, j->lda, a1, j->lda, 0.0, c + rows, j->n);
  }
  return NULL;
}

/** Runs fn on jobs[0..count) with jobs 1.. on new threads (inline if a thread cannot start). */
static void run_parallel(void* (*fn)(void*), char* jobs, size_t size, int count) {
  pthread_t tid[MAX_THREADS];
  bool started[MAX_THREADS] = {false};
  for (int i = 1; i < count; i++) started[i] = pthread_create(&tid[i], NULL, fn, jobs + i * size) == 0;
  fn(jobs);
  for (int i = 1; i < count; i++) {
    if (started[i]) pthread_join(tid[i], NULL);
    else fn(jobs + i * size);
  }
}

static int parts(int64_t threads, double flops, int64_t maxParts) {
  double byWork = floor(flops / MIN_PART_FLOPS);
  int64_t p = threads;
  if (byWork < (double)p) p = (int64_t)byWork;
  if (maxParts < p) p = maxParts;
  return p < 1 ? 1 : (int)p;
}

static void scale(double* C, size_t len, double beta) {
  if (beta == 1.0) return;
  if (beta == 0.0) memset(C, 0, len * sizeof(double));
  else for (size_t i = 0; i < len; i++) C[i] *= beta;
}

static napi_value blas_missing(napi_env env, const char* why) {
  char msg[700];
  snprintf(msg, sizeof msg, "native dense kernels: %s", why);
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  napi_value argv[11];
  bool tA, tB;
  int64_t m, n, k, threads;
  double alpha, beta, *A, *B, *C;
  size_t lenA, lenB, lenC;
  if (addon_args(env, info, 11, argv, "gemm") || addon_bool(env, argv[0], "gemm transA", &tA) ||
      addon_bool(env, argv[1], "gemm transB", &tB) || addon_int(env, argv[2], "gemm m", 0, INT_MAX, &m) ||
      addon_int(env, argv[3], "gemm n", 0, INT_MAX, &n) || addon_int(env, argv[4], "gemm k", 0, INT_MAX, &k) ||
      addon_double(env, argv[5], "gemm alpha", &alpha) || addon_f64array(env, argv[6], "gemm A", &A, &lenA) ||
      addon_f64array(env, argv[7], "gemm B", &B, &lenB) || addon_double(env, argv[8], "gemm beta", &beta) ||
      addon_f64array(env, argv[9], "gemm C", &C, &lenC) ||
      addon_int(env, argv[10], "gemm threads", 1, MAX_THREADS, &threads)) {
    return NULL;
  }
  if (addon_need(env, "gemm C", lenC, (size_t)m * n)) return NULL;
  if (m == 0 || n == 0) return NULL;
  if (alpha == 0.0 || k == 0) {
    scale(C, (size_t)m * n, beta);
    return NULL;
  }
  if (addon_need(env, "gemm A", lenA, (size_t)m * k) || addon_need(env, "gemm B", lenB, (size_t)k * n)) return NULL;
  const char* why = blas_load();
  if (why) return blas_missing(env, why);
  const bool byRows = m >= n;
  const int count = parts(threads, 2.0 * m * n * k, byRows ? m : n);
  gemm_job jobs[MAX_THREADS];
  for (int i = 0; i < count; i++) {
    // part i: rows (or columns) [lo, hi) of C
    const int64_t span = byRows ? m : n, lo = span * i / count, hi = span * (i + 1) / count;
    gemm_job j = {.transA = tA, .transB = tB, .m = (int)m, .n = (int)n, .k = (int)k, .lda = (int)(tA ? m : k),
      .ldb = (int)(tB ? k : n), .ldc = (int)n, .alpha = alpha, .beta = beta, .A = A, .B = B, .C = C};
    if (byRows) {
      j.m = (int)(hi - lo);
      j.A = tA ? A + lo : A + lo * k;
      j.C = C + lo * n;
    } else {
      j.n = (int)(hi - lo);
      j.B = tB ? B + lo * k : B + lo;
      j.C = C + lo;
    }
    jobs[i] = j;
  }
  run_parallel(gemm_run, (char*)jobs, sizeof jobs[0], count);
  return NULL;
}

#define TILE 64

/** Lower triangle ← upper triangle (tile by tile, so both sides stay in cache). */
static void mirror_upper(double* C, size_t n) {
  for (size_t i0 = 0; i0 < n; i0 += TILE) {
    const size_t i1 = i0 + TILE < n ? i0 + TILE : n;
    for (size_t j0 = 0; j0 <= i0; j0 += TILE) {
      for (size_t i = i0; i < i1; i++) {
        const size_t j1 = j0 + TILE < i ? j0 + TILE : i;
        for (size_t j = j0; j < j1; j++) C[i * n + j] = C[j * n + i];
      }
    }
  }
}

/** C_ij ← P_min(i,j),max(i,j) + β·C_ij (P: the product's upper triangle). */
static void add_scaled(double* C, const double* P, size_t n, double beta) {
  for (size_t i0 = 0; i0 < n; i0 += TILE) {
    const size_t i1 = i0 + TILE < n ? i0 + TILE : n;
    for (size_t j0 = 0; j0 <= i0; j0 += TILE) {
      for (size_t i = i0; i < i1; i++) {
        const size_t j1 = j0 + TILE < i ? j0 + TILE : i;
        for (size_t j = j0; j < j1; j++) {
          const double u = P[j * n + i];
          C[i * n + j] = u + beta * C[i * n + j];
          C[j * n + i] = u + beta * C[j * n + i];
        }
      }
    }
  }
  for (size_t i = 0; i < n; i++) C[i * n + i] = P[i * n + i] + beta * C[i * n + i];
}

static napi_value syrk(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  bool trans;
  int64_t n, k, threads;
  double alpha, beta, *A, *C;
  size_t lenA, lenC;
  if (addon_args(env, info, 8, argv, "syrk") || addon_bool(env, argv[0], "syrk trans", &trans) ||
      addon_int(env, argv[1], "syrk n", 0, INT_MAX, &n) || addon_int(env, argv[2], "syrk k", 0, INT_MAX, &k) ||
      addon_double(env, argv[3], "syrk alpha", &alpha) || addon_f64array(env, argv[4], "syrk A", &A, &lenA) ||
      addon_double(env, argv[5], "syrk beta", &beta) || addon_f64array(env, argv[6], "syrk C", &C, &lenC) ||
      addon_int(env, argv[7], "syrk threads", 1, MAX_THREADS, &threads)) {
    return NULL;
  }
  if (addon_need(env, "syrk C", lenC, (size_t)n * n)) return NULL;
  if (n == 0) return NULL;
  if (alpha == 0.0 || k == 0) {
    scale(C, (size_t)n * n, beta);
    return NULL;
  }
  if (addon_need(env, "syrk A", lenA, (size_t)n * k)) return NULL;
  const char* why = blas_load();
  if (why) return blas_missing(env, why);
  double* target = C;
  if (beta != 0.0) {
    target = malloc((size_t)n * n * sizeof(double));
    if (!target) {
      napi_throw_error(env, NULL, "syrk: out of memory for the n×n product");
      return NULL;
    }
  }
  const int count = parts(threads, (double)n * (n + 1) * k, n);
  syrk_job jobs[MAX_THREADS];
  for (int i = 0; i < count; i++) {
    const int r0 = (int)llround(n * (1 - sqrt(1 - (double)i / count)));
    const int r1 = i + 1 == count ? (int)n : (int)llround(n * (1 - sqrt(1 - (double)(i + 1) / count)));
    jobs[i] = (syrk_job){.trans = trans, .n = (int)n, .k = (int)k, .lda = (int)(trans ? n : k), .r0 = r0, .r1 = r1,
      .alpha = alpha, .A = A, .C = target};
  }
  run_parallel(syrk_run, (char*)jobs, sizeof jobs[0], count);
  if (target == C) mirror_upper(C, (size_t)n);
  else {
    add_scaled(C, target, (size_t)n, beta);
    free(target);
  }
  return NULL;
}

napi_value register_dense(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "gemm", gemm));
  NAPI_CALL(env, addon_export(env, exports, "syrk", syrk));
  return exports;
}
