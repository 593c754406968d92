// Fallback for live/runs.json in preview until a sweep writes one: an empty snapshot in the format of
// lib/live/writer.ts. The live pages poll /_file/live/runs.json (src/components/live.js); a sweep's snapshot
// (src/live/runs.json, git-ignored) takes precedence over this loader.
process.stdout.write(
  JSON.stringify({
    format: "powerlaw-sgd-live/1",
    seq: 0,
    written_at: 0,
    state: "none",
    pid: null,
    sweep: null,
    earlier: [],
    n_runs: 0,
    n_points: 0,
    per_decade: { running: 0, finished: 0 },
    runs: [],
    end: 0,
  }) + "\n",
);
