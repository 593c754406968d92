// Fallback for live/runs.json in preview until a sweep writes one: the empty snapshot of empty.json.js (importing
// it writes it). The live pages poll /_file/live/runs.json (src/components/live.js); a sweep's snapshot
// (src/live/runs.json, git-ignored) takes precedence over this loader.
import "./empty.json.js";
