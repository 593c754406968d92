// Live sweep snapshots in the pages (issue 6). A sweep started with the live sink (lib/live/writer.ts; on by default
// when `npx powerlaw-sgd …` runs from the project root) rewrites src/live/runs.json about once a second. A page
// follows it with
//   const live = liveSnapshots(FileAttachment("live/empty.json"));
// and hands `live` to the functions below. live/empty.json (loader src/live/empty.json.js) is always the empty
// snapshot: it is what the static build ships ("no sweep running"), and, being stable, it keeps the page's hash
// stable in preview (Framework reloads a page whose referenced files changed between its HTML and its socket's
// hello; a file rewritten every second would make a page opened mid-sweep reload over and over). In preview the
// generator then polls live/runs.json next to it with conditional GETs and yields each new snapshot: cells that
// use it re-run, nothing reloads.
import * as Plot from "npm:@observablehq/plot";
import { html } from "npm:htl";

/**
 * The live snapshot as a generator for a page cell: first the static snapshot (the FileAttachment), then, in
 * the preview server only (file URLs carry ?sha=), every new version of live/runs.json beside it, checked every
 * `intervalMs` with a conditional GET (unchanged: 304, nothing parsed) while the page is visible.
 */
export async function* liveSnapshots(attachment, { intervalMs = 500, file = "runs.json" } = {}) {
  yield await attachment.json();
  const base = await attachment.url();
  if (!/[?&]sha=/.test(base)) return; // a built site: the shipped snapshot is all there is
  const url = new URL(file, new URL(base, location.href));
  url.search = "";
  let version = null;
  let last = null;
  for (let failures = 0; ; ) {
    await new Promise((resolve) =>
      setTimeout(resolve, document.hidden ? 4 * intervalMs : intervalMs * Math.min(8, 2 ** failures)),
    );
    let snapshot = null;
    try {
      const response = await fetch(url, { cache: "no-cache" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const v = `${response.headers.get("etag")} ${response.headers.get("last-modified")}`;
      failures = 0;
      if (v === version) continue;
      version = v;
      snapshot = await response.json();
    } catch {
      failures++; // preview restarting, or a moment without a file: try again later
      continue;
    }
    const key = `${snapshot?.pid}:${snapshot?.seq}:${snapshot?.written_at}`;
    if (snapshot?.format !== "powerlaw-sgd-live/1" || key === last) continue;
    last = key;
    yield snapshot;
  }
}

/** Run statuses, in the order the Runs page lists them, with their colours. */
export const STATUSES = ["running", "interrupted", "pending", "diverged", "failed", "done"];
export const STATUS_COLORS = {
  running: "#1f77b4",
  interrupted: "#ff7f0e",
  pending: "#9e9e9e",
  diverged: "#d62728",
  failed: "#8c564b",
  done: "#2ca02c",
};

/** Seconds without news from a running sweep before it is called stale (killed without a word). */
export const STALE_AFTER_S = 60;

export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`
    : `${m}:${String(sec).padStart(2, "0")}`;
}

export function formatRate(x) {
  if (x == null || !Number.isFinite(x)) return "–";
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)} k` : `${Math.round(x)}`;
}

function formatTime(ms) {
  return ms ? new Date(ms).toLocaleTimeString() : "–";
}

/** Whether the snapshot has a sweep, and in which condition: "none" | "running" | "stale" | "done" | "interrupted". */
export function liveCondition(snapshot, now = Date.now()) {
  if (!snapshot?.sweep || snapshot.state === "none") return "none";
  if (snapshot.state === "running") return (now - snapshot.written_at) / 1000 > STALE_AFTER_S ? "stale" : "running";
  return snapshot.state;
}

/** A run's parameters in one short line. */
export function runLabel(r) {
  const parts = [r.regime];
  if (r.tau != null) parts.push(`τ=${r.tau}`);
  parts.push(`α=${r.lr}`);
  if (r.momentum != null) parts.push(`β=${r.momentum}`);
  parts.push(`b=${r.batch_size}`);
  if (r.schedule !== "constant") parts.push(r.schedule);
  if (r.regime === "linearized" || r.replicate > 0) parts.push(`rep ${r.replicate}`);
  return parts.join(" ");
}

/** The sweep's headline: state, counts, steps/s, ETA (re-render it with a ticking clock for "updated … ago"). */
export function liveHeader(snapshot, now = Date.now()) {
  const condition = liveCondition(snapshot, now);
  if (condition === "none") {
    const example = "npx powerlaw-sgd sd --lr 0.5 1 2 --momentum 0 0.5 --n_steps 100000";
    return html`<div class="card live-header" data-state="none">
      <h2 class="live-state">No sweep running</h2>
      <p>Start one in another terminal while <code>npm run dev</code> runs, for example
      <code>${example}</code>: its runs appear here, and their curves
      grow, about once a second. <span class="live-done" data-count="0" hidden>0</span></p>
    </div>`;
  }
  const s = snapshot.sweep;
  const age = Math.max(0, (now - snapshot.written_at) / 1000);
  const finished = s.done + s.diverged + s.failed;
  const title = {
    running: html`Sweep <code>${s.experiment}</code> running`,
    stale: html`Sweep <code>${s.experiment}</code>: no news for ${formatDuration(age)} (killed?)`,
    done: html`No sweep running — last sweep <code>${s.experiment}</code> finished at ${formatTime(s.finished_at)}`,
    interrupted: html`No sweep running — sweep <code>${s.experiment}</code> stopped at ${formatTime(s.finished_at)}`,
  }[condition];
  const resume = "Run the same command again to resume: finished runs are skipped, unfinished ones show as";
  const hint =
    condition === "interrupted" || condition === "stale"
      ? html`<p class="live-hint">${resume} <i>pending</i>, then <i>running</i> again.</p>`
      : condition === "done"
        ? html`<p class="live-hint">This is the last snapshot the sweep wrote, not live data.</p>`
        : "";
  const earlierSweep = (e, i) => {
    const counts = `(${e.done} done, ${e.diverged} diverged, ${e.failed} failed of ${e.total}, ${e.state})`;
    return html`${i ? "; " : ""}<code>${e.experiment}</code> ${counts}`;
  };
  const count = (name, n, cls = "") =>
    html`<div class="live-count ${cls}" data-count=${n}><span class="big">${n}</span><span>${name}</span></div>`;
  return html`<div class="card live-header" data-state=${condition} data-seq=${snapshot.seq}>
    <h2 class="live-state">${title}</h2>
    <div class="live-counts">
      ${count("done", s.done, "live-done")}
      ${count("diverged", s.diverged, "live-diverged")}
      ${count("failed", s.failed, "live-failed")}
      ${count("running", s.running, "live-running")}
      ${s.interrupted ? count("interrupted", s.interrupted, "live-interrupted") : ""}
      ${count("pending", s.pending, "live-pending")}
      ${count("total", s.total, "live-total")}
    </div>
    <p class="live-meta">
      ${finished}/${s.total} finished${s.skipped ? ` (${s.skipped} by an earlier run of this sweep)` : ""} ·
      ${formatRate(s.steps_per_s)} steps/s · elapsed ${formatDuration(s.elapsed_s)} ·
      ETA ${condition === "running" ? formatDuration(s.eta_s) : "–"} ·
      problem <code>${s.problem}</code> (N = ${s.N}) · store <code>${s.db}</code> ·
      snapshot #${snapshot.seq}, ${age < 2 ? "just now" : `${formatDuration(age)} ago`}
    </p>
    ${hint}
    ${snapshot.earlier?.length ? html`<p class="live-earlier">Earlier: ${snapshot.earlier.map(earlierSweep)}</p>` : ""}
  </div>`;
}

/** Long-format curve points of the given runs: {key, label, status, step, loss}; step 0 is dropped (log x). */
export function curvePoints(runs) {
  const out = [];
  for (const r of runs) {
    const label = runLabel(r);
    const { step, loss } = r.curve;
    for (let i = 0; i < step.length; i++) {
      if (step[i] > 0 && loss[i] != null && loss[i] > 0)
        out.push({ key: r.key, label, status: r.status, step: step[i], loss: loss[i] });
    }
  }
  return out;
}

/**
 * Loss curves of the snapshot's runs (log–log), one line per run coloured by status; the newest point of each
 * running run is a dot, diverged runs end in a red ✕ at the step they diverged (labelled).
 * Options: width, height, statuses (which to draw; default all), runs (a pre-filtered run list).
 */
export function curvesPlot(snapshot, { width = 800, height = 440, statuses = STATUSES, runs } = {}) {
  const shown = (runs ?? snapshot.runs).filter((r) => statuses.includes(r.status) && r.curve.step.length > 0);
  const points = curvePoints(shown);
  const heads = shown
    .filter((r) => r.status === "running")
    .map((r) => lastPoint(r))
    .filter(Boolean);
  const diverged = shown
    .filter((r) => r.status === "diverged" && r.diverged_at != null)
    .map((r) => ({ ...lastPoint(r), step: r.diverged_at }))
    .filter((d) => d.step > 0);
  const newest = Math.max(0, ...shown.map((r) => r.curve_at ?? 0));
  const plot = Plot.plot({
    width,
    height,
    className: "live-curves",
    marginLeft: 60,
    marginRight: 20,
    x: { type: "log", label: "step t (iterations) →", grid: true },
    y: { type: "log", label: "↑ loss L(t)", grid: true, tickFormat: ".0e" },
    color: { domain: STATUSES, range: STATUSES.map((s) => STATUS_COLORS[s]), legend: true, label: "status" },
    marks: [
      Plot.line(points, {
        x: "step",
        y: "loss",
        z: "key",
        stroke: "status",
        strokeWidth: 1.3,
        strokeOpacity: 0.85,
        tip: { format: { key: false, status: true, label: true } },
        channels: { label: "label" },
      }),
      Plot.dot(heads, {
        x: "step",
        y: "loss",
        fill: "status",
        r: 3,
        title: (d) => `${d.label}: step ${d.step}, loss ${d.loss.toExponential(3)}`,
      }),
      Plot.dot(diverged, {
        x: "step",
        y: "loss",
        symbol: "times",
        stroke: STATUS_COLORS.diverged,
        strokeWidth: 2,
        r: 6,
      }),
      Plot.text(diverged, {
        x: "step",
        y: "loss",
        text: (d) => `diverged at ${d.step}`,
        dy: -10,
        fill: STATUS_COLORS.diverged,
        fontSize: 10,
      }),
    ],
  });
  const figure = plot.tagName === "FIGURE" ? plot : html`<figure>${plot}</figure>`;
  figure.classList.add("live-curves-figure");
  figure.dataset.seq = snapshot.seq;
  figure.dataset.points = points.length;
  figure.dataset.curveAt = newest;
  // when the chart reached the screen (the live test measures step computed → drawn with it)
  requestAnimationFrame(() => (figure.dataset.drawnAt = Date.now()));
  return figure;
}

function lastPoint(r) {
  const { step, loss } = r.curve;
  for (let i = step.length - 1; i >= 0; i--) {
    if (loss[i] != null && loss[i] > 0 && step[i] > 0)
      return { key: r.key, label: runLabel(r), status: r.status, step: step[i], loss: loss[i] };
  }
  return null;
}

const ORDER = Object.fromEntries(STATUSES.map((s, i) => [s, i]));

/** The snapshot's runs as table rows, running ones first, then by status and most recent. */
export function runRows(snapshot, statuses = STATUSES) {
  return snapshot.runs
    .filter((r) => statuses.includes(r.status))
    .map((r) => ({
      run: r.run_id,
      status: r.status,
      regime: r.regime,
      tau: r.tau,
      lr: r.lr,
      momentum: r.momentum,
      batch_size: r.batch_size,
      schedule: r.schedule,
      replicate: r.replicate,
      progress: r.progress,
      step: r.step,
      n_steps: r.n_steps,
      steps_per_s: r.steps_per_s,
      eta_s: r.status === "running" ? r.eta_s : null,
      diverged_at: r.diverged_at,
      final_loss: r.final_loss,
      attempt: r.attempt,
      note: r.error ?? (r.earlier ? "finished earlier" : r.attempt > 1 ? `attempt ${r.attempt}` : ""),
    }))
    .sort((a, b) => ORDER[a.status] - ORDER[b.status] || (b.run ?? 0) - (a.run ?? 0));
}

export function statusBadge(status) {
  const style =
    `color: white; background: ${STATUS_COLORS[status] ?? "gray"}; ` +
    "border-radius: 3px; padding: 0 4px; font-size: 90%;";
  return html`<span class="live-status live-status-${status}" style="${style}">${status}</span>`;
}

export function progressBar(p, status) {
  const pct = Math.round(100 * (p ?? 0));
  const track =
    "display: inline-block; width: 90px; height: 0.8em; background: var(--theme-foreground-faintest); " +
    "position: relative; vertical-align: middle;";
  const bar = `position: absolute; inset: 0 auto 0 0; width: ${pct}%; background: ${STATUS_COLORS[status] ?? "gray"};`;
  return html`<span class="live-progress" title="${pct}%" style="${track}">
    <span style="${bar}"></span></span> ${pct}%`;
}

/** Column formats for Inputs.table(runRows(…), {format: RUN_TABLE_FORMAT, …}). */
export const RUN_TABLE_FORMAT = {
  status: statusBadge,
  progress: (p, i, rows) => progressBar(p, rows[i].status),
  steps_per_s: formatRate,
  eta_s: (x) => (x == null ? "" : formatDuration(x)),
  final_loss: (x) => (x == null ? "" : x.toExponential(3)),
  diverged_at: (x) => (x == null ? "" : html`<b style="color: ${STATUS_COLORS.diverged}">${x}</b>`),
  tau: (x) => (x == null ? "" : x),
  momentum: (x) => (x == null ? "" : x),
  run: (x) => (x == null ? "" : x),
};

export const RUN_TABLE_HEADER = {
  run: "run",
  lr: "α",
  momentum: "β",
  batch_size: "b",
  tau: "τ",
  n_steps: "steps",
  steps_per_s: "steps/s",
  eta_s: "ETA",
  diverged_at: "diverged at",
  final_loss: "final loss",
  replicate: "rep",
};

/**
 * For pages that show built data: the snapshot's runs (of one experiment or problem id, or all), [] when there
 * is no snapshot or it is of another experiment/problem.
 */
export function liveRuns(snapshot, { experiment, problem, regimes } = {}) {
  if (liveCondition(snapshot) === "none") return [];
  if (experiment != null && snapshot.sweep.experiment !== experiment) return [];
  if (problem != null && snapshot.sweep.problem !== problem) return [];
  return snapshot.runs.filter((r) => !regimes || regimes.includes(r.regime));
}

/** A one-line note for pages overlaying live data: what the snapshot is and how much of it is there. */
export function liveNote(snapshot, runs, now = Date.now()) {
  const condition = liveCondition(snapshot, now);
  if (condition === "none" || runs.length === 0) return html`<p class="live-note" data-state="none" hidden></p>`;
  const finished = runs.filter((r) => r.status === "done" || r.status === "diverged").length;
  const running = runs.filter((r) => r.status === "running").length;
  const sweep = snapshot.sweep.experiment;
  const what =
    condition === "running"
      ? html`<b style="color: ${STATUS_COLORS.running}">live</b>: sweep <code>${sweep}</code> running`
      : html`snapshot of sweep <code>${sweep}</code> (${condition})`;
  const counts = `${finished} of ${runs.length} runs finished, ${running} running`;
  return html`<p class="live-note" data-state=${condition}
    data-finished=${finished}><small>${what} — ${counts}; <a href="./runs.html">Runs</a> has the details.</small></p>`;
}

// ---- overlays for pages built from the store (regime comparison, convergence regions) ----------------------

const seriesOfRun = (r) => (r.regime === "sd" ? `SD τ = ${r.tau}` : r.regime === "nn" ? "network" : r.regime);

/** Linear-interpolated quantile of sorted values (like DuckDB's quantile_cont). */
function quantileSorted(v, p) {
  if (v.length === 0) return NaN;
  const h = (v.length - 1) * p;
  const i = Math.floor(h);
  return i + 1 < v.length ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[i];
}

function groupBy(xs, key) {
  const m = new Map();
  for (const x of xs) {
    const k = key(x);
    if (!m.has(k)) m.set(k, []);
    m.get(k).push(x);
  }
  return m;
}

const curveKey = (d) => [d.problem, d.regime, d.tau ?? "", d.batch_size, d.lr, d.momentum ?? 0].join("|");

/**
 * The regime-comparison curves (rows {problem, regime, tau, lr, momentum, batch_size, step, mean, lo, hi, n,
 * replicates}, mean and 10–90 % band over replicates) with every setting the live snapshot has curves for
 * replaced by the live runs' curves, aggregated the same way (rows get live: "running" | "done"). Settings the
 * snapshot does not have keep their built rows; with no snapshot the built rows come back unchanged.
 */
export function withLiveCurves(built, snapshot) {
  if (liveCondition(snapshot) === "none") return built;
  const problem = snapshot.sweep.problem;
  const groups = groupBy(
    snapshot.runs.map((r) => ({ ...r, problem })),
    curveKey,
  );
  const out = [];
  const replaced = new Set();
  for (const [key, runs] of groups) {
    const withCurves = runs.filter((r) => r.curve.step.length > 0);
    if (withCurves.length === 0) continue;
    replaced.add(key);
    const byStep = new Map();
    for (const r of withCurves) {
      const { step, loss } = r.curve;
      for (let i = 0; i < step.length; i++) {
        if (loss[i] == null) continue;
        if (!byStep.has(step[i])) byStep.set(step[i], []);
        byStep.get(step[i]).push(loss[i]);
      }
    }
    const r0 = runs[0];
    const status = runs.some((r) => r.status === "running" || r.status === "pending") ? "running" : "done";
    for (const [step, values] of [...byStep].sort((a, b) => a[0] - b[0])) {
      values.sort((a, b) => a - b);
      out.push({
        problem,
        regime: r0.regime,
        tau: r0.tau,
        lr: r0.lr,
        momentum: r0.momentum,
        batch_size: r0.batch_size,
        step,
        mean: values.reduce((a, b) => a + b, 0) / values.length,
        lo: quantileSorted(values, 0.1),
        hi: quantileSorted(values, 0.9),
        n: values.length,
        replicates: runs.length,
        live: status,
      });
    }
  }
  if (replaced.size === 0) return built;
  return [...built.filter((d) => !replaced.has(curveKey(d))), ...out];
}

const cellKey = (d) => [d.experiment, d.series, d.batch_size, d.lr, d.momentum ?? 0].join("|");

/**
 * The convergence-region cells of one experiment (rows like loaders/regions.ts's Cell: experiment, problem,
 * series, regime, tau, batch_size, lr, momentum, runs, diverged, final_loss, diverged_at, n_steps, loss0,
 * converged) with the live sweep of that experiment laid over them, so the grid fills in cell by cell: a cell
 * with finished live runs shows them (median final loss of the finished replicates, diverged if any diverged);
 * a cell whose runs are all still pending or running keeps its built value if it has one, else appears empty
 * (final_loss null). Cells get live: "pending" | "running" | "done" | undefined (built).
 */
export function withLiveCells(built, snapshot, experiment) {
  if (liveCondition(snapshot) === "none" || snapshot.sweep.experiment !== experiment) return built;
  const problem = snapshot.sweep.problem;
  const loss0Built = built.find((d) => d.experiment === experiment)?.loss0;
  const builtByKey = new Map(built.map((d) => [cellKey(d), d]));
  const groups = groupBy(
    snapshot.runs.map((r) => ({ ...r, experiment, series: seriesOfRun(r), momentum: r.momentum ?? 0 })),
    cellKey,
  );
  const out = new Map(builtByKey);
  for (const [key, runs] of groups) {
    const known = runs.filter((r) => (r.status === "done" && r.final_loss != null) || r.status === "diverged");
    const unfinished = runs.filter(
      (r) => r.status === "pending" || r.status === "running" || r.status === "interrupted",
    );
    const r0 = runs[0];
    const loss0 =
      runs.map((r) => (r.curve.step[0] === 0 ? r.curve.loss[0] : null)).find((x) => x != null) ?? loss0Built ?? NaN;
    const live = unfinished.some((r) => r.status === "running") ? "running" : unfinished.length ? "pending" : "done";
    // the cell's setting, shared by the empty and the filled forms below
    const setting = {
      experiment,
      problem,
      series: r0.series,
      regime: r0.regime,
      tau: r0.tau,
      batch_size: r0.batch_size,
      lr: r0.lr,
      momentum: r0.momentum,
      n_steps: r0.n_steps,
      loss0,
    };
    if (known.length === 0) {
      const b = builtByKey.get(key);
      out.set(
        key,
        b
          ? { ...b, live }
          : {
              ...setting,
              runs: runs.length,
              diverged: 0,
              final_loss: null,
              diverged_at: null,
              converged: false,
              live,
            },
      );
      continue;
    }
    const finals = known
      .filter((r) => r.status === "done")
      .map((r) => r.final_loss)
      .sort((a, b) => a - b);
    const diverged = known.filter((r) => r.status === "diverged");
    const final_loss = finals.length ? quantileSorted(finals, 0.5) : null;
    out.set(key, {
      ...setting,
      runs: known.length,
      diverged: diverged.length,
      final_loss,
      diverged_at: diverged.length ? Math.min(...diverged.map((r) => r.diverged_at)) : null,
      converged: diverged.length === 0 && final_loss !== null && final_loss < loss0,
      live,
    });
  }
  return [...out.values()];
}
