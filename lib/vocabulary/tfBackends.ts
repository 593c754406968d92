/** TensorFlow.js backends (lib/tf/backend.ts): auto = tfjs-node if it loads, else wasm, else cpu. No dependencies. */
export const TF_BACKEND_CHOICES = ["auto", "tensorflow", "wasm", "cpu"] as const;
export type TfBackendChoice = (typeof TF_BACKEND_CHOICES)[number];
export type TfBackendName = Exclude<TfBackendChoice, "auto">;

/** How the network regime is computed: gram (float64 engine) or tfjs (the reference's loop in TensorFlow.js). */
export const NN_ENGINES = ["gram", "tfjs"] as const;
export type NnEngine = (typeof NN_ENGINES)[number];
