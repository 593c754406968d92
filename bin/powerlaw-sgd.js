#!/usr/bin/env node
// Command-line entry: registers tsx (TypeScript at run time) and runs lib/cli/main.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../lib/cli/main.ts");
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0); // e.g. `powerlaw-sgd query ... | head`
  throw e;
});
const code = await main(process.argv.slice(2));
process.exitCode = code;
