// Framework runs this entry with tsx at build time; the program is loaders/regions.ts (page: regions.md).
import { regionsMembers, REGIONS_PATTERNS } from "../../loaders/regions.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(REGIONS_PATTERNS, regionsMembers)));
