// Runs every bench/*.bench.ts (or those whose names contain one of the arguments) in one process, in order,
// so that every ratio is measured against its reference in the same run on the same (noisy, shared) machine.
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";
import os from "node:os";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
console.log(
  `powerlaw-sgd benchmarks — node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} ×${os.cpus().length}, ` +
    new Date().toISOString(),
);
for (const file of files) {
  console.log(`\n## ${file.replace(".bench.ts", "")}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
