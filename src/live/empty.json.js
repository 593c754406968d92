// The snapshot pages reference statically: FileAttachment("live/empty.json"). Always empty, so that a page's
// hash never changes during a sweep (Framework would otherwise reload a page opened mid-sweep) and so that
// the static build ships no developer data: built pages say "no sweep running". In preview, the live
// component polls live/runs.json next to it (see src/components/live.js and lib/live/writer.ts).
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
