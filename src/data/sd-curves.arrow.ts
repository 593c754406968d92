// Framework runs this entry with tsx at build time; the program is loaders/sdCurves.ts.
import { writeArrow } from "../../loaders/arrow.ts";
import { sdCurves } from "../../loaders/sdCurves.ts";
await writeArrow(sdCurves());
