// Framework runs this entry with tsx at build time; the program is loaders/momentum.ts (page: momentum.md).
import { momentumMembers, MOMENTUM_PATTERNS } from "../../loaders/momentum.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(MOMENTUM_PATTERNS, momentumMembers)));
