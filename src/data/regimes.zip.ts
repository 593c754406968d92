// Framework runs this entry with tsx at build time; the program is loaders/regimes.ts (page: regimes.md).
import { regimesMembers, REGIMES_PATTERNS } from "../../loaders/regimes.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(REGIMES_PATTERNS, regimesMembers)));
