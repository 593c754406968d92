// Small Node-API helpers shared by every C file of the addon (lib/**/native/*.c, built into one
// build/native/powerlaw.node by scripts/build-native.mjs). Contract of a C file foo.c: it defines
//   napi_value register_foo(napi_env env, napi_value exports)
// which adds its functions to `exports` and returns it (NULL with a pending exception on failure);
// the build script generates the module init that calls every register_*.
// Argument readers return 0 on success, or throw a JS error naming the argument and return -1.
#ifndef POWERLAW_ADDON_H
#define POWERLAW_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>

// A Node-API call that must succeed: on failure, throw (unless an exception is pending) and return NULL.
#define NAPI_CALL(env, call)                                      \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      addon_throw_status((env), #call);                           \
      return NULL;                                                \
    }                                                             \
  } while (0)

static inline void addon_throw_status(napi_env env, const char* what) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info* info = NULL;
  napi_get_last_error_info(env, &info);
  char msg[256];
  snprintf(msg, sizeof msg, "native addon: %s failed: %s", what,
    info && info->error_message ? info->error_message : "unknown error");
  napi_throw_error(env, NULL, msg);
}

/** Reads the callback's arguments; throws a TypeError unless exactly `want` (or at least `want`) came. */
static inline int addon_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* fn) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: expected %zu arguments, got %zu", fn, want, argc);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  return 0;
}

static inline int addon_type_error(napi_env env, const char* what, const char* expected) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s must be %s", what, expected);
  napi_throw_type_error(env, NULL, msg);
  return -1;
}

/** A Float64Array argument: its data (already offset to the first element) and length in elements. */
static inline int addon_f64array(napi_env env, napi_value v, const char* what, double** data, size_t* length) {
  bool is = false;
  napi_typedarray_type type;
  void* ptr = NULL;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return addon_type_error(env, what, "a Float64Array");
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, NULL, NULL) != napi_ok || type != napi_float64_array) {
    return addon_type_error(env, what, "a Float64Array");
  }
  *data = (double*)ptr;
  return 0;
}

static inline int addon_double(napi_env env, napi_value v, const char* what, double* out) {
  if (napi_get_value_double(env, v, out) != napi_ok) return addon_type_error(env, what, "a number");
  return 0;
}

static inline int addon_bool(napi_env env, napi_value v, const char* what, bool* out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) return addon_type_error(env, what, "a boolean");
  return 0;
}

/** An integer argument in [lo, hi]; throws a RangeError naming the argument and the range otherwise. */
static inline int addon_int(napi_env env, napi_value v, const char* what, int64_t lo, int64_t hi, int64_t* out) {
  double x;
  if (napi_get_value_double(env, v, &x) != napi_ok) return addon_type_error(env, what, "a number");
  if (!(x == floor(x) && x >= (double)lo && x <= (double)hi)) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s must be an integer in [%lld, %lld], got %g", what, (long long)lo, (long long)hi, x);
    napi_throw_range_error(env, NULL, msg);
    return -1;
  }
  *out = (int64_t)x;
  return 0;
}

/** Throws a RangeError unless an array of `have` elements holds `need`. */
static inline int addon_need(napi_env env, const char* what, size_t have, size_t need) {
  if (have >= need) return 0;
  char msg[200];
  snprintf(msg, sizeof msg, "%s: length %zu < required %zu", what, have, need);
  napi_throw_range_error(env, NULL, msg);
  return -1;
}

static inline napi_status addon_export(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  napi_status s = napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, exports, name, f);
}

#endif
