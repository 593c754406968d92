// Fallback for live/runs.json when no sweep has written a snapshot here (fresh checkout, CI, static build):
// an empty snapshot in the format of lib/run/live.ts, so pages say "no sweep running". A sweep's snapshot
// (src/live/runs.json, git-ignored) takes precedence over this loader in both preview and build; the sink
// touches this file when it creates the snapshot, so open preview pages switch over without a reload.
process.stdout.write(JSON.stringify({
  format: "powerlaw-sgd-live/1", seq: 0, written_at: 0, state: "none", pid: null, sweep: null, earlier: [],
  n_runs: 0, n_points: 0, per_decade: {running: 0, finished: 0}, runs: [], end: 0
}) + "\n");
