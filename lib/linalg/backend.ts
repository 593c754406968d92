/**
 * Which implementation of a kernel runs: native (C over OpenBLAS, build/native/powerlaw.node), wasm
 * (WebAssembly SIMD, build/wasm/*.wasm) or ts (plain TypeScript, the reference). The one place that
 * reads POWERLAW_SGD_KERNELS; every chooser (dense, gather, eigensolver, SD step) asks selectBackend().
 *
 *   POWERLAW_SGD_KERNELS = auto (default, also unset or empty) | native | wasm | ts
 *   auto:   the first of native → wasm → ts that the kernel has and that loads.
 *   forced: that backend where the kernel has one, and an error naming why if it cannot load; a kernel
 *           without that backend (e.g. gather has no native one) takes the auto order after it.
 * No module-level access to `process`: this file is also bundled for the browser (where auto → wasm/ts).
 */

export const KERNELS_ENV = "POWERLAW_SGD_KERNELS";
export const BACKENDS = ["native", "wasm", "ts"] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendRequest = BackendName | "auto";

/** The backend POWERLAW_SGD_KERNELS asks for; throws naming the variable and its allowed values. */
export function requestedBackend(value = globalThis.process?.env?.[KERNELS_ENV]): BackendRequest {
  const v = value?.trim().toLowerCase() ?? "";
  if (v === "" || v === "auto") return "auto";
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new RangeError(`${KERNELS_ENV} must be one of auto, native, wasm, ts (or unset); got "${value}"`);
}

/** A kernel's implementations by backend: each loader returns the implementation or throws why not. */
export type Loaders<T> = Partial<Record<BackendName, () => T>>;

export interface Selected<T> {
  readonly name: BackendName;
  readonly impl: T;
}

/**
 * The implementation of kernel `what` to use under `request` (default: the environment's). Loaders
 * should cache themselves; this function does not (tests switch the request).
 */
export function selectBackend<T>(
  what: string,
  loaders: Loaders<T>,
  request: BackendRequest = requestedBackend(),
): Selected<T> {
  const order = BACKENDS.filter((b) => loaders[b] !== undefined);
  if (order.length === 0) throw new Error(`${what}: no implementation given`);
  if (request !== "auto" && loaders[request]) {
    // forced and available for this kernel: it must load (the error says why not)
    try {
      return { name: request, impl: loaders[request]() };
    } catch (e) {
      throw new Error(`${what}: ${KERNELS_ENV}=${request} but the ${request} backend cannot load: ${message(e)}`, {
        cause: e,
      });
    }
  }
  const start = request === "auto" ? 0 : BACKENDS.indexOf(request);
  const candidates = order.filter((b) => BACKENDS.indexOf(b) >= start);
  const reasons: string[] = [];
  for (const b of candidates.length > 0 ? candidates : order) {
    try {
      return { name: b, impl: loaders[b]!() };
    } catch (e) {
      reasons.push(`${b}: ${message(e)}`);
    }
  }
  throw new Error(`${what}: no backend loads (${reasons.join("; ")})`);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
