// Framework runs this entry with tsx at build time; the program is loaders/sql.ts (page: sql.md).
import { sqlMembers } from "../../loaders/sql.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(["*"], sqlMembers)));
