// Framework runs this entry with tsx at build time; the program is loaders/phases.ts (page: phases.md).
import { phasesMembers } from "../../loaders/phases.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(["*"], phasesMembers)));
