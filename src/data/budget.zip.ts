// Framework runs this entry with tsx at build time; the program is loaders/budget.ts (page: budget.md).
import { budgetMembers, BUDGET_PATTERNS } from "../../loaders/budget.ts";
import { withSite } from "../../loaders/site.ts";
import { writeBytes, zip } from "../../loaders/zip.ts";
await writeBytes(zip(await withSite(BUDGET_PATTERNS, budgetMembers)));
