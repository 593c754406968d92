/**
 * src/components/live.js outside the browser: the overlays the regime-comparison and convergence-region pages
 * use (withLiveCurves, withLiveCells) on a snapshot written by the real sink, and the preview poller
 * (liveSnapshots) against a fake fetch. The module's npm: imports (Plot, htl) are replaced by stubs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LiveSink, readSnapshot, type LiveSnapshot } from "../../lib/live/writer.ts";
import { runExperiment } from "../../lib/run/runner.ts";
import { parseExperiment } from "../../lib/config/schema.ts";

type Row = Record<string, unknown>;
interface LiveModule {
  withLiveCurves(built: Row[], snapshot: LiveSnapshot): Row[];
  withLiveCells(built: Row[], snapshot: LiveSnapshot, experiment: string): Row[];
  liveCondition(snapshot: LiveSnapshot, now?: number): string;
  liveSnapshots(
    attachment: { json(): Promise<unknown>; url(): Promise<string> },
    options?: { intervalMs?: number },
  ): AsyncGenerator<LiveSnapshot>;
}

async function loadComponent(): Promise<LiveModule> {
  const source = readFileSync(join(import.meta.dirname, "..", "..", "src", "components", "live.js"), "utf8")
    .replace('import * as Plot from "npm:@observablehq/plot";', "const Plot = {};")
    .replace(/import \{\s*html\s*\} from "npm:htl";/, "const html = () => null;");
  return (await import(`data:text/javascript;base64,${Buffer.from(source).toString("base64")}`)) as LiveModule;
}

const dir = mkdtempSync(join(tmpdir(), "live-component-"));

async function sweepSnapshot(): Promise<LiveSnapshot> {
  const parsed = parseExperiment({
    experiment: "grid",
    problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1 },
    regimes: [{ regime: "sd", tau: [1] }],
    sweep: { lr: [0.5, 5], momentum: [0, 0.5], batch_size: [100] },
    n_steps: 2000,
  });
  if (!parsed.ok) throw new Error("config");
  const sink = new LiveSink({ dir: join(dir, "live") });
  await runExperiment(parsed.value, {
    db: join(dir, "grid.duckdb"),
    concurrency: 1,
    progress: false,
    onEvent: sink.onEvent,
  });
  await sink.close();
  return readSnapshot(sink.file)!;
}

test(
  "withLiveCells lays a sweep's finished runs over the built grid; " + "unfinished cells keep their built value",
  async () => {
    const live = await loadComponent();
    const snap = await sweepSnapshot();
    const built: Row[] = [
      {
        experiment: "grid",
        problem: "p",
        series: "SD τ = 1",
        regime: "sd",
        tau: 1,
        batch_size: 100,
        lr: 0.5,
        momentum: 0,
        runs: 1,
        diverged: 0,
        final_loss: 0.123,
        diverged_at: null,
        n_steps: 10,
        loss0: 0.005,
        converged: true,
      },
      {
        experiment: "grid",
        problem: "p",
        series: "SD τ = 1",
        regime: "sd",
        tau: 1,
        batch_size: 100,
        lr: 9,
        momentum: 0,
        runs: 1,
        diverged: 0,
        final_loss: 0.2,
        diverged_at: null,
        n_steps: 10,
        loss0: 0.005,
        converged: true,
      },
      {
        experiment: "other",
        problem: "p",
        series: "SD τ = 1",
        regime: "sd",
        tau: 1,
        batch_size: 100,
        lr: 0.5,
        momentum: 0,
        runs: 1,
        diverged: 0,
        final_loss: 0.3,
        diverged_at: null,
        n_steps: 10,
        loss0: 0.005,
        converged: true,
      },
    ];
    const cells = live.withLiveCells(built, snap, "grid");
    assert.equal(cells.length, 2 + 4, "4 live cells (one replacing a built one), the other two built cells kept");
    const c = cells.find((d) => d.experiment === "grid" && d.lr === 0.5 && d.momentum === 0)!;
    assert.equal(c.live, "done");
    assert.notEqual(c.final_loss, 0.123, "the live value replaces the built one");
    assert.ok((c.final_loss as number) < (c.loss0 as number) && c.converged === true);
    const d = cells.filter((x) => x.lr === 5);
    assert.ok(
      d.length === 2 && d.every((x) => x.diverged === 1 && (x.diverged_at as number) > 0 && x.final_loss === null),
      "α = 5 diverges, marked with its step",
    );
    assert.equal(cells.find((x) => x.experiment === "other")!.final_loss, 0.3);
    assert.deepEqual(
      live.withLiveCells(built, snap, "another experiment"),
      built,
      "another experiment's page is untouched",
    );
    // a snapshot taken while the runs were pending: cells without a built value appear empty, the built one stays
    const pending = {
      ...snap,
      state: "running" as const,
      written_at: Date.now(),
      runs: snap.runs.map((r) => ({
        ...r,
        status: "pending" as const,
        final_loss: null,
        diverged_at: null,
        curve: { step: [], loss: [] },
      })),
    };
    const p = live.withLiveCells(built, pending, "grid");
    assert.equal(p.find((x) => x.experiment === "grid" && x.lr === 0.5 && x.momentum === 0)!.final_loss, 0.123);
    assert.ok(p.filter((x) => x.live === "pending" && x.final_loss === null).length === 3);
  },
);

test("withLiveCurves replaces the built rows of the settings the sweep has curves for", async () => {
  const live = await loadComponent();
  const snap = await sweepSnapshot();
  const problem = snap.sweep!.problem;
  const built: Row[] = [
    {
      problem,
      regime: "sd",
      tau: 1,
      lr: 0.5,
      momentum: 0,
      batch_size: 100,
      step: 1,
      mean: 1,
      lo: 1,
      hi: 1,
      n: 1,
      replicates: 1,
    },
    {
      problem,
      regime: "full",
      tau: null,
      lr: 0.5,
      momentum: 0,
      batch_size: 100,
      step: 1,
      mean: 2,
      lo: 2,
      hi: 2,
      n: 1,
      replicates: 1,
    },
  ];
  const rows = live.withLiveCurves(built, snap);
  assert.ok(!rows.some((r) => r.mean === 1), "the built SD row of that setting is gone");
  assert.ok(
    rows.some((r) => r.mean === 2),
    "other regimes stay",
  );
  const one = rows.filter((r) => r.regime === "sd" && r.lr === 0.5 && r.momentum === 0);
  assert.ok(one.length > 50 && one.every((r) => r.live === "done" && r.n === 1 && r.replicates === 1));
  assert.equal(Math.max(...one.map((r) => r.step as number)), 2000);
  assert.equal(
    live.withLiveCurves(built, { ...snap, state: "none", sweep: null, runs: [] } as unknown as LiveSnapshot),
    built,
  );
});

test("liveSnapshots: the static snapshot, then (preview only) each new version of live/runs.json", async () => {
  const live = await loadComponent();
  const empty = { format: "powerlaw-sgd-live/1", seq: 0, pid: null, written_at: 0, state: "none", runs: [] };
  const versions = [1, 1, 2, 2, 3].map((seq) => ({ ...empty, seq, pid: 7, written_at: 1000 + seq, state: "running" }));
  let calls = 0;
  const requested: string[] = [];
  const g = globalThis as Record<string, unknown>;
  const saved = { fetch: g.fetch, location: g.location, document: g.document };
  g.location = { href: "http://127.0.0.1:3000/runs" };
  g.document = { hidden: false };
  g.fetch = async (url: URL) => {
    requested.push(String(url));
    const v = versions[Math.min(calls++, versions.length - 1)];
    return new Response(JSON.stringify(v), {
      headers: { etag: `W/"${v.seq}"`, "last-modified": String(v.written_at) },
    });
  };
  try {
    const preview = live.liveSnapshots(
      { json: async () => empty, url: async () => "/_file/live/empty.json?sha=abc" },
      { intervalMs: 5 },
    );
    const seqs: number[] = [];
    for await (const s of preview) {
      seqs.push(s.seq);
      if (seqs.length === 4) break;
    }
    assert.deepEqual(seqs, [0, 1, 2, 3], "each version once");
    assert.equal(new URL(requested[0]).pathname, "/_file/live/runs.json");
    // a built site (no ?sha=): the shipped snapshot only, no requests
    const before = requested.length;
    const built = live.liveSnapshots(
      { json: async () => empty, url: async () => "./_file/live/empty.0a1b2c3d.json" },
      { intervalMs: 5 },
    );
    const got: unknown[] = [];
    for await (const s of built) got.push(s);
    assert.deepEqual(got, [empty]);
    assert.equal(requested.length, before);
  } finally {
    Object.assign(g, saved);
  }
});
