/**
 * TensorFlow.js backend selection (DESIGN.md, "Dependencies").
 *
 *   auto        → "tensorflow" if the optional `@tensorflow/tfjs-node` loads (its native binding needs
 *                 libtensorflow, which cannot install on machines without internet), else "wasm"
 *                 (`@tensorflow/tfjs-backend-wasm`: SIMD on, threads off under Node), else "cpu" (pure JS).
 *   tensorflow  → tfjs-node only; a clear error if it does not load.
 *   wasm | cpu  → that backend only; a clear error if it cannot initialise.
 *
 * `selectBackend` returns the name of the backend actually in use, which every run records.
 * POWERLAW_SGD_TF_BACKEND=auto|tensorflow|wasm|cpu overrides an "auto" request (handy in tests and CI).
 * All TensorFlow.js computation is float32: tfjs has no float64 tensors.
 */
import * as tf from "@tensorflow/tfjs";
import {
  TF_BACKEND_CHOICES as BACKEND_CHOICES,
  type TfBackendChoice as BackendChoice,
  type TfBackendName as BackendName,
} from "../vocabulary/tfBackends.ts";

export { TF_BACKEND_CHOICES as BACKEND_CHOICES } from "../vocabulary/tfBackends.ts";
export type { TfBackendChoice as BackendChoice, TfBackendName as BackendName } from "../vocabulary/tfBackends.ts";

/** Validates a `--backend` value; the error lists the allowed ones. */
export function parseBackendChoice(value: string): BackendChoice {
  const v = value.trim().toLowerCase();
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new RangeError(`--backend must be one of ${BACKEND_CHOICES.join("|")}, got "${value}"`);
}

/** How each backend is made available (registered with tfjs); injectable so the fallback order can be tested. */
export interface BackendLoaders {
  tensorflow(): Promise<void>;
  wasm(): Promise<void>;
  cpu(): Promise<void>;
}

// The package name sits in a variable so that TypeScript and bundlers do not require the optional dependency.
const TFJS_NODE = "@tensorflow/tfjs-node";

export const defaultLoaders: BackendLoaders = {
  async tensorflow() {
    // Importing tfjs-node registers the "tensorflow" backend with the shared tfjs engine.
    await import(TFJS_NODE);
    if (!tf.findBackendFactory("tensorflow"))
      throw new Error(`${TFJS_NODE} loaded but registered no "tensorflow" backend`);
  },
  async wasm() {
    // Registers the "wasm" backend; the .wasm binaries ship in the package and are found next to its main script.
    await import("@tensorflow/tfjs-backend-wasm");
    if (!tf.findBackendFactory("wasm")) throw new Error(`@tensorflow/tfjs-backend-wasm registered no "wasm" backend`);
  },
  async cpu() {
    // The cpu backend is registered by @tensorflow/tfjs itself.
    if (!tf.findBackendFactory("cpu")) throw new Error(`@tensorflow/tfjs registered no "cpu" backend`);
  },
};

let current: BackendName | null = null;

/** The backend chosen by the last successful `selectBackend`, or null before any. */
export function currentBackend(): BackendName | null {
  return current;
}

export interface SelectOptions {
  readonly loaders?: BackendLoaders;
  /** silence tfjs's console hints (default true) */
  readonly quiet?: boolean;
  /** called with the reason each skipped candidate of "auto" failed */
  readonly onSkip?: (backend: BackendName, reason: string) => void;
}

/**
 * Makes `choice` the active tfjs backend and returns the name actually used. "auto" tries
 * tensorflow → wasm → cpu; an explicit choice never falls back.
 */
export async function selectBackend(
  choice: BackendChoice | string = "auto",
  options: SelectOptions = {},
): Promise<BackendName> {
  let wanted = parseBackendChoice(choice);
  const env = process.env.POWERLAW_SGD_TF_BACKEND?.trim();
  if (wanted === "auto" && env) wanted = parseBackendChoice(env);
  const loaders = options.loaders ?? defaultLoaders;
  // PROD silences the "install tfjs-node" hint; float32 math is unchanged
  if (options.quiet ?? true) tf.env().set("PROD", true);
  const candidates: BackendName[] = wanted === "auto" ? ["tensorflow", "wasm", "cpu"] : [wanted];
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      await loaders[name]();
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`tf.setBackend("${name}") returned false (initialisation failed)`);
      await tf.ready();
      if (tf.getBackend() !== name) throw new Error(`active backend is "${tf.getBackend()}" after selecting "${name}"`);
      current = name;
      return name;
    } catch (e) {
      const reason = e instanceof Error ? e.message.split("\n")[0] : String(e);
      failures.push(`${name}: ${reason}`);
      options.onSkip?.(name, reason);
    }
  }
  const hint =
    wanted === "tensorflow"
      ? ` (${TFJS_NODE} is an optional dependency; ` +
        "it needs its native libtensorflow binding, which installs only with internet access)"
      : "";
  throw new Error(`TensorFlow.js backend "${wanted}" is unavailable${hint}: ${failures.join("; ")}`);
}

/** The tfjs module, after making sure a backend has been selected (auto when none yet). */
export async function ensureTf(choice: BackendChoice | string = "auto"): Promise<typeof tf> {
  if (current === null) await selectBackend(choice);
  return tf;
}
