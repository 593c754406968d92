// `run CONFIG.json` with a network problem (problem.kind 'dataset'): the nn runs go through the runner's worker
// pool next to linearized, SD and full runs on the network's NTK; lr_scale/hidden_dim are stored; a rerun
// skips everything; the built problem is cached (and reads back exactly); dry runs, relative tabular paths,
// the gaussian data set and data errors (exit 2 naming the field, nothing written).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { Store } from "../../lib/store/store.ts";

const dir = mkdtempSync(join(tmpdir(), "dataset-"));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function rows(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.rows(sql);
  } finally {
    await s.close();
  }
}

function config(name: string, doc: Record<string, unknown>, folder = dir): string {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, `${name}.json`);
  writeFileSync(path, JSON.stringify({ experiment: name, ...doc }));
  return path;
}

const MNIST = {
  problem: { kind: "dataset", dataset: "mnist", N: 64, hidden_dim: 64 },
  regimes: [
    { regime: "nn", replicates: 2 },
    { regime: "linearized", replicates: 2 },
    { regime: "sd", tau: [1, -1] },
    { regime: "full" },
  ],
  sweep: { lr: [0.5], momentum: [0, 0.5], batch_size: [8] },
  n_steps: 50,
};

const curvesSql = "SELECT r.config_hash AS h, c.step, c.loss FROM curves c JOIN runs r USING (run_id) ORDER BY h, step";

test(
  "run CONFIG.json: mnist network problem, nn + linearized + sd + full; " +
    "lr_scale and hidden_dim stored; a rerun skips everything",
  async () => {
    const cfg = config("mnist4", MNIST);
    const db = join(dir, "mnist4.duckdb");
    const r = await cli("run", cfg, "--db", db, "--quiet", "--concurrency", "2");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^mnist4: 14 runs: 14 done, 0 diverged, 0 failed/);
    const byRegime = await rows(
      db,
      `SELECT regime, count(*)::INTEGER AS n, min(status) AS s, count(DISTINCT problem)::INTEGER AS p,
    min(hidden_dim) AS h, min(lr_scale) AS lr_scale, bool_and(lr_scale_applied) AS applied, min(backend) AS backend,
    min(dataset) AS dataset, min(N) AS N
    FROM runs GROUP BY regime ORDER BY regime`,
    );
    assert.deepEqual(
      byRegime.map((x) => [x.regime, x.n, x.s, x.p, x.h, x.dataset, x.N]),
      [
        ["full", 2, "done", 1, 64, "mnist", 64],
        ["linearized", 4, "done", 1, 64, "mnist", 64],
        ["nn", 4, "done", 1, 64, "mnist", 64],
        ["sd", 4, "done", 1, 64, "mnist", 64],
      ],
    );
    const nn = byRegime.find((x) => x.regime === "nn")!;
    assert.ok(Number(nn.lr_scale) > 0 && nn.applied === true, JSON.stringify(nn));
    assert.match(String(nn.backend), /^(gram|forward|sparse)-f64:(native|wasm|ts)$/);
    for (const x of byRegime.filter((x) => x.regime !== "nn")) assert.deepEqual([x.lr_scale, x.applied], [null, null]);
    // one problem: the network's, with its fits and the cached kernel
    const problems = await rows(
      db,
      "SELECT problem, kind, dataset, N, seed, kernel, spec->>'$.hidden_dim' AS H, spec->>'$.lr_scale' AS lr_scale " +
        "FROM problems",
    );
    assert.equal(problems.length, 1);
    assert.deepEqual(
      [problems[0].kind, problems[0].dataset, problems[0].N, problems[0].seed, Number(problems[0].H)],
      ["dataset", "mnist", 64, 0, 64],
    );
    assert.equal(Number(problems[0].lr_scale), Number(nn.lr_scale));
    assert.ok(existsSync(String(problems[0].kernel)), String(problems[0].kernel));
    const [{ n }] = await rows(db, "SELECT count(*)::INTEGER AS n FROM spectra");
    assert.equal(n, 64);
    // every regime starts from the network's initial loss; every run has 51 points
    const starts = await rows(db, "SELECT min(loss) AS lo, max(loss) AS hi FROM curves WHERE step = 0");
    assert.ok(Number(starts[0].hi) - Number(starts[0].lo) <= 1e-12 * Number(starts[0].hi));
    const [{ curves }] = await rows(db, "SELECT count(*)::INTEGER AS curves FROM curves");
    assert.equal(curves, 14 * 51);
    // nn replicate r and linearized replicate r share their batches, and at this small α the network stays close to
    // its linearization
    const close = await rows(
      db,
      `SELECT max(abs(a.loss - b.loss) / b.loss) AS rel FROM curves a JOIN runs ra ON a.run_id = ra.run_id
    JOIN runs rb ON rb.regime = 'linearized' AND rb.replicate = ra.replicate AND rb.momentum = ra.momentum
    JOIN curves b ON b.run_id = rb.run_id AND b.step = a.step
    WHERE ra.regime = 'nn'`,
    );
    assert.ok(Number(close[0].rel) < 0.3, `nn vs linearized: ${close[0].rel}`);

    const again = await cli("run", cfg, "--db", db, "--quiet", "--concurrency", "2");
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /^mnist4: 14 runs: 0 done, 0 diverged, 0 failed, 14 skipped/);
    const [{ total }] = await rows(db, "SELECT count(*)::INTEGER AS total FROM runs");
    assert.equal(total, 14);

    // the problem was built once: a second results file next to the first reads it from the cache and gets the
    // same curves bit for bit; one in another folder builds it afresh, with the same result
    const cache = join(dir, "problems");
    assert.deepEqual(
      readdirSync(cache).filter((f) => !f.startsWith(".")),
      [String(problems[0].problem)],
    );
    const db2 = join(dir, "mnist4-again.duckdb");
    assert.equal((await cli("run", cfg, "--db", db2, "--quiet", "--concurrency", "2")).code, 0);
    const other = join(dir, "fresh");
    const db3 = join(other, "mnist4.duckdb");
    assert.equal((await cli("run", cfg, "--db", db3, "--quiet", "--concurrency", "1")).code, 0);
    assert.ok(existsSync(join(other, "problems", String(problems[0].problem), "problem.json")));
    const c1 = await rows(db, curvesSql);
    assert.deepEqual(await rows(db2, curvesSql), c1);
    assert.deepEqual(await rows(db3, curvesSql), c1);
  },
);

test(
  "nn regime options: lr_scale off is recorded and changes the run; engine tfjs; " +
    "--dry_run lists nn runs and writes nothing",
  async () => {
    const folder = join(dir, "options");
    const cfg = config(
      "nn-off",
      { ...MNIST, regimes: [{ regime: "nn", lr_scale: false }], sweep: { lr: [0.5], batch_size: [8] }, n_steps: 20 },
      folder,
    );
    const db = join(folder, "r.duckdb");
    const dry = await cli("run", cfg, "--db", db, "--dry_run");
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /\bnn\b/);
    assert.equal(existsSync(db), false);
    assert.equal(existsSync(join(folder, "problems")), false);
    assert.equal((await cli("run", cfg, "--db", db, "--quiet")).code, 0);
    const on = config(
      "nn-on",
      { ...MNIST, regimes: [{ regime: "nn" }], sweep: { lr: [0.5], batch_size: [8] }, n_steps: 20 },
      folder,
    );
    assert.equal((await cli("run", on, "--db", db, "--quiet")).code, 0);
    const r = await rows(db, "SELECT experiment, lr_scale, lr_scale_applied, final_loss FROM runs ORDER BY experiment");
    assert.deepEqual(
      r.map((x) => [x.experiment, x.lr_scale_applied]),
      [
        ["nn-off", false],
        ["nn-on", true],
      ],
    );
    assert.equal(r[0].lr_scale, r[1].lr_scale);
    assert.notEqual(r[0].final_loss, r[1].final_loss);
    // the same problem for both experiments
    const [{ p }] = await rows(db, "SELECT count(*)::INTEGER AS p FROM problems");
    assert.equal(p, 1);
    // engine 'tfjs' (float32, loaded in the worker): the backend used is recorded, and the curve is the gram engine's
    // to float32 precision
    const tf = config(
      "nn-tfjs",
      {
        ...MNIST,
        regimes: [{ regime: "nn", engine: "tfjs", backend: "cpu" }],
        sweep: { lr: [0.5], batch_size: [8] },
        n_steps: 20,
      },
      folder,
    );
    const t = await cli("run", tf, "--db", db, "--quiet");
    assert.equal(t.code, 0, t.err);
    const [x] = await rows(db, "SELECT backend, final_loss FROM runs WHERE experiment = 'nn-tfjs'");
    assert.equal(x.backend, "tfjs-cpu");
    assert.ok(
      Math.abs(Number(x.final_loss) - Number(r[1].final_loss)) < 1e-4 * Number(r[1].final_loss),
      `${x.final_loss} vs ${r[1].final_loss}`,
    );
  },
);

test(
  "tabular file relative to the config, gaussian inputs, and data errors naming the field " +
    "(exit 2, nothing written)",
  async () => {
    const folder = join(dir, "tabular");
    mkdirSync(folder, { recursive: true });
    const lines = ["a,b,kind,y"];
    for (let i = 0; i < 40; i++)
      lines.push(`${i % 7},${(i * 13) % 11},${["p", "q", "r"][i % 3]},${((i * 7) % 10) + 0.5 * (i % 3)}`);
    writeFileSync(join(folder, "t.csv"), lines.join("\n") + "\n");
    const base = {
      regimes: [{ regime: "nn" }, { regime: "sd", tau: [1] }, { regime: "linearized" }],
      sweep: { lr: [0.5], batch_size: [5] },
      n_steps: 10,
    };
    const tab = config(
      "tab",
      { ...base, problem: { kind: "dataset", dataset: "tabular", path: "t.csv", target: "y", N: 30, hidden_dim: 16 } },
      folder,
    );
    const db = join(folder, "r.duckdb");
    const r = await cli("run", tab, "--db", db, "--quiet");
    assert.equal(r.code, 0, r.err);
    const gauss = config(
      "gauss",
      { ...base, problem: { kind: "dataset", dataset: "gaussian", input_dim: 5, N: 30, hidden_dim: 16 } },
      folder,
    );
    const g = await cli("run", gauss, "--db", db, "--quiet");
    assert.equal(g.code, 0, g.err);
    const q = await rows(
      db,
      "SELECT r.experiment, p.dataset, (p.spec->>'$.d')::INTEGER AS d, count(*)::INTEGER AS n, min(r.status) AS s " +
        "FROM runs r JOIN problems p USING (problem) GROUP BY ALL ORDER BY 1",
    );
    assert.deepEqual(q, [
      { experiment: "gauss", dataset: "gaussian", d: 5, n: 3, s: "done" },
      { experiment: "tab", dataset: "tabular", d: 5, n: 3, s: "done" },
    ]);

    const never = join(folder, "never.duckdb");
    const bad = async (name: string, problem: Record<string, unknown>, re: RegExp) => {
      const e = await cli("run", config(name, { ...base, problem }, folder), "--db", never, "--quiet");
      assert.equal(e.code, 2, `${name}: ${e.err}`);
      assert.match(e.err, re);
    };
    await bad(
      "too-many",
      { kind: "dataset", dataset: "mnist", N: 20000, hidden_dim: 8 },
      /problem\.N: mnist .*N = 20000 is larger than the 10000 points available \(got 20000/,
    );
    await bad(
      "no-file",
      { kind: "dataset", dataset: "tabular", path: "missing.csv", target: "y", N: 30 },
      /problem\.path: tabular: .*missing\.csv: file not found \(got "missing\.csv"/,
    );
    await bad(
      "no-column",
      { kind: "dataset", dataset: "tabular", path: "t.csv", target: "price", N: 30 },
      /problem\.target: .*no target column "price"/,
    );
    await bad(
      "no-cifar",
      { kind: "dataset", dataset: "cifar10", path: "nowhere", N: 30 },
      /problem\.path: cifar10: folder not found: .*nowhere/,
    );
    assert.equal(existsSync(never), false);
  },
);

test(
  "the network example configs (data/experiments/network) parse, " + "and run scaled down as a site profile would",
  async () => {
    const { readFileSync } = await import("node:fs");
    const { parseExperiment } = await import("../../lib/config/schema.ts");
    const examples = new URL("../../data/experiments/network/", import.meta.url);
    const files = readdirSync(examples)
      .filter((f) => f.endsWith(".json"))
      .sort();
    assert.deepEqual(files, ["regimes-mnist-serial.json", "regimes-mnist.json"]);
    const folder = join(dir, "examples");
    const db = join(folder, "r.duckdb");
    for (const f of files) {
      const doc = JSON.parse(readFileSync(new URL(f, examples), "utf8"));
      const parsed = parseExperiment(doc);
      assert.ok(parsed.ok, `${f}: ${parsed.ok ? "" : JSON.stringify(parsed.issues)}`);
      assert.deepEqual(
        doc.regimes.map((r: { regime: string }) => r.regime),
        ["nn", "full", "linearized", "sd"],
      );
      // sizes are plain fields: override them (replicates too) and run
      const small = {
        ...doc,
        $schema: undefined,
        problem: { ...doc.problem, N: 48, hidden_dim: 24 },
        n_steps: 15,
        regimes: doc.regimes.map((r: Record<string, unknown>) => ("replicates" in r ? { ...r, replicates: 2 } : r)),
        sweep: { ...doc.sweep, batch_size: doc.sweep.batch_size.map((b: number) => Math.min(b, 24)) },
      };
      const r = await cli("run", config(doc.experiment, small, folder), "--db", db, "--quiet", "--concurrency", "2");
      assert.equal(r.code, 0, r.err);
      const settings = doc.sweep.batch_size.length;
      assert.match(r.out, new RegExp(`^${doc.experiment}: ${settings * 7} runs: ${settings * 7} done`));
    }
  },
);
