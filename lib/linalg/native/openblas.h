// The system's OpenBLAS, opened at run time (dlopen) by openblas.c: the few BLAS/LAPACK routines the
// native kernels call, as function pointers. blas_load() must return NULL before any pointer is used.
#ifndef POWERLAW_OPENBLAS_H
#define POWERLAW_OPENBLAS_H

#include <stddef.h>

// CBLAS enums (values fixed by the CBLAS standard).
enum { BLAS_ROW_MAJOR = 101 };
enum { BLAS_NO_TRANS = 111, BLAS_TRANS = 112 };
enum { BLAS_UPPER = 121 };

typedef void (*blas_dgemm_fn)(int order, int transA, int transB, int m, int n, int k, double alpha,
  const double* A, int lda, const double* B, int ldb, double beta, double* C, int ldc);
typedef void (*blas_dsyrk_fn)(int order, int uplo, int trans, int n, int k, double alpha,
  const double* A, int lda, double beta, double* C, int ldc);
// LAPACK dsyevd (Fortran ABI, gfortran: trailing hidden lengths of the two character arguments).
typedef void (*lapack_dsyevd_fn)(const char* jobz, const char* uplo, const int* n, double* a, const int* lda,
  double* w, double* work, const int* lwork, int* iwork, const int* liwork, int* info, size_t ljobz, size_t luplo);

struct blas_api {
  blas_dgemm_fn dgemm;
  blas_dsyrk_fn dsyrk;
  lapack_dsyevd_fn dsyevd;
};

extern struct blas_api blas;

/** Opens OpenBLAS once (thread-safe); NULL when loaded, else why not (a static string). */
const char* blas_load(void);

#endif
