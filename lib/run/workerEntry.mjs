// Worker-thread entry: register tsx in this thread (module hooks registered by the main thread's
// `--import tsx` or tsx/esm/api do not load .ts files in a worker), then start the worker proper.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
