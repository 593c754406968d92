// Framework runs this entry with tsx at build time; the program is loaders/summary.ts (page: index.md).
import { withSite } from "../../loaders/site.ts";
import { summary } from "../../loaders/summary.ts";
process.stdout.write(JSON.stringify(await withSite(["*"], summary), null, 1));
