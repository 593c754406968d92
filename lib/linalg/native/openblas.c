// Opens the system's OpenBLAS (Debian libopenblas0, via libopenblas-dev) at run time rather than
// linking it, so that OPENBLAS_NUM_THREADS=1 can be set (unless the user set it) before its load-time
// initialisation reads it: one thread per call and no thread pool, since the runner already keeps one
// worker per core (dense.c splits a call over threads itself when asked to). OpenBLAS picks its kernels
// for the CPU at load (Cooperlake, AVX-512, on this Zen 5) unless OPENBLAS_CORETYPE says otherwise
// (e.g. Haswell, AVX2: about half the speed); blasInfo().core reports the choice.
// The addon also builds and loads without OpenBLAS (other C files need no BLAS); the kernels that do
// then report why. Exports blasInfo() -> {loaded, error, library, config, core}.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "addon.h"
#include "openblas.h"

struct blas_api blas;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[600];
static const char* library;
static char* (*get_config)(void);
static char* (*get_corename)(void);

static const char* const LIBRARIES[] = {"libopenblas.so.0", "libopenblas.so"};

static void* symbol(void* handle, const char* name) {
  void* p = dlsym(handle, name);
  if (!p && !load_error[0]) snprintf(load_error, sizeof load_error, "OpenBLAS (%s) lacks %s", library, name);
  return p;
}

static void load(void) {
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  void* handle = NULL;
  char tried[400] = "";
  for (size_t i = 0; i < sizeof LIBRARIES / sizeof LIBRARIES[0] && !handle; i++) {
    handle = dlopen(LIBRARIES[i], RTLD_NOW | RTLD_LOCAL);
    if (handle) library = LIBRARIES[i];
    else if (!tried[0]) snprintf(tried, sizeof tried, "%s", dlerror());
  }
  if (!handle) {
    snprintf(load_error, sizeof load_error,
      "OpenBLAS not found (%s); on Debian: apt-get install libopenblas-dev", tried);
    return;
  }
  blas.dgemm = (blas_dgemm_fn)symbol(handle, "cblas_dgemm");
  blas.dsyrk = (blas_dsyrk_fn)symbol(handle, "cblas_dsyrk");
  blas.dsyevd = (lapack_dsyevd_fn)symbol(handle, "dsyevd_");
  get_config = (char* (*)(void))dlsym(handle, "openblas_get_config");
  get_corename = (char* (*)(void))dlsym(handle, "openblas_get_corename");
}

const char* blas_load(void) {
  pthread_once(&once, load);
  return load_error[0] ? load_error : NULL;
}

static napi_value set_string(napi_env env, napi_value obj, const char* key, const char* value) {
  napi_value v;
  if (value) NAPI_CALL(env, napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v));
  else NAPI_CALL(env, napi_get_null(env, &v));
  NAPI_CALL(env, napi_set_named_property(env, obj, key, v));
  return obj;
}

static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  const char* error = blas_load();
  napi_value obj, flag;
  NAPI_CALL(env, napi_create_object(env, &obj));
  NAPI_CALL(env, napi_get_boolean(env, error == NULL, &flag));
  NAPI_CALL(env, napi_set_named_property(env, obj, "loaded", flag));
  if (!set_string(env, obj, "error", error)) return NULL;
  if (!set_string(env, obj, "library", error ? NULL : library)) return NULL;
  if (!set_string(env, obj, "config", !error && get_config ? get_config() : NULL)) return NULL;
  if (!set_string(env, obj, "core", !error && get_corename ? get_corename() : NULL)) return NULL;
  return obj;
}

napi_value register_openblas(napi_env env, napi_value exports) {
  NAPI_CALL(env, addon_export(env, exports, "blasInfo", blas_info));
  return exports;
}
