// The network commands end to end (in-process, through lib/cli/main.ts): compare writes all four regimes under one
// experiment with one problem row (the network's), through the runner's worker pool, resumes, and
// nn/spectrum/bad input behave.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { Store } from "../../lib/store/store.ts";

let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "network-cli-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

const runNetworkCommand = (command: string, args: string[], io: ReturnType<typeof capture>["io"]) =>
  main([command, ...args], io);

async function rows(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const store = await Store.open(db, { readOnly: true });
  try {
    return await store.rows(sql);
  } finally {
    await store.close();
  }
}

test(
  "compare: SD(τ), full, linearized and network runs under one experiment and one problem; " + "rerun resumes",
  async () => {
    const db = join(dir, "compare.duckdb");
    const args = [
      "--N",
      "60",
      "--hidden_dim",
      "64",
      "--lr",
      "0.5",
      "--momentum",
      "0",
      "0.5",
      "--batch_size",
      "6",
      "--n_steps",
      "40",
      "--tau",
      "-1",
      "1",
      "--nn_runs",
      "2",
      "--linearized_runs",
      "2",
      "--db",
      db,
      "--quiet",
      "--concurrency",
      "1",
    ];
    const c = capture();
    assert.equal(await runNetworkCommand("compare", args, c.io), 0, c.err.join(""));
    const byRegime = await rows(
      db,
      "SELECT regime, count(*)::INTEGER AS n, count(DISTINCT problem)::INTEGER AS p, min(status) AS s " +
        "FROM runs GROUP BY regime ORDER BY regime",
    );
    assert.deepEqual(
      byRegime.map((r) => [r.regime, r.n, r.s]),
      [
        ["full", 2, "done"],
        ["linearized", 4, "done"],
        ["nn", 4, "done"],
        ["sd", 4, "done"],
      ],
    );
    const problems = await rows(
      db,
      "SELECT problem, kind, dataset, N, nu, spec->>'$.hidden_dim' AS H, spec->>'$.lr_scale' AS s FROM problems",
    );
    assert.equal(problems.length, 1);
    assert.equal(problems[0].kind, "dataset");
    assert.equal(problems[0].dataset, "mnist");
    assert.equal(Number(problems[0].H), 64);
    assert.ok(Number(problems[0].s) > 0);
    const [{ p }] = await rows(db, "SELECT count(DISTINCT problem)::INTEGER AS p FROM runs");
    assert.equal(p, 1);
    const [{ n }] = await rows(db, "SELECT count(*)::INTEGER AS n FROM spectra");
    assert.equal(n, 60);
    // every regime starts from the network's initial loss
    const starts = await rows(db, "SELECT min(loss) AS lo, max(loss) AS hi FROM curves WHERE step = 0");
    assert.ok(Math.abs(Number(starts[0].hi) - Number(starts[0].lo)) <= 1e-12 * Number(starts[0].hi));
    const [{ curves }] = await rows(db, "SELECT count(*)::INTEGER AS curves FROM curves");
    assert.equal(curves, 14 * 41);
    const exp = await rows(
      db,
      "SELECT n_runs, config->>'$.regimes[0].regime' AS r, config->>'$.regimes[0].lr_scale' AS applied " +
        "FROM experiments WHERE experiment = 'compare'",
    );
    assert.deepEqual([exp[0].n_runs, exp[0].r, exp[0].applied], [14, "nn", "true"]);
    const nn = await rows(
      db,
      "SELECT DISTINCT lr_scale, lr_scale_applied, hidden_dim, backend FROM runs WHERE regime = 'nn'",
    );
    assert.equal(nn.length, 1);
    assert.ok(Number(nn[0].lr_scale) > 0);
    assert.deepEqual([nn[0].lr_scale_applied, nn[0].hidden_dim], [true, 64]);
    assert.match(String(nn[0].backend), /^(gram|forward|sparse)-f64:(native|wasm|ts)$/);
    // rerun: everything already finished
    const again = capture();
    assert.equal(await runNetworkCommand("compare", args, again.io), 0);
    assert.match(again.out.join(""), /^compare: 14 runs: 0 done, 0 diverged, 0 failed, 14 skipped/);
    const [{ total }] = await rows(db, "SELECT count(*)::INTEGER AS total FROM runs");
    assert.equal(total, 14);
  },
);

test(
  "nn: network runs only, backend recorded; spectrum: fits as JSON; " + "bad input: exit 2 with every problem",
  async () => {
    const db = join(dir, "nn.duckdb");
    const c = capture();
    assert.equal(
      await runNetworkCommand(
        "nn",
        [
          "--N",
          "40",
          "--hidden_dim",
          "32",
          "--lr",
          "0.3",
          "--batch_size",
          "4",
          "--n_steps",
          "20",
          "--db",
          db,
          "--quiet",
          "--record",
          "every:5",
        ],
        c.io,
      ),
      0,
      c.err.join(""),
    );
    const r = await rows(db, "SELECT regime, backend, status, steps FROM runs");
    assert.equal(r.length, 1);
    assert.equal(r[0].regime, "nn");
    assert.match(String(r[0].backend), /^(gram|forward|sparse)-f64:(native|wasm|ts)$/);
    const steps = await rows(db, "SELECT step FROM curves ORDER BY step");
    assert.deepEqual(
      steps.map((s) => Number(s.step)),
      [0, 5, 10, 15, 20],
    );

    const s = capture();
    assert.equal(
      await runNetworkCommand("spectrum", ["--N", "200", "--hidden_dim", "100", "--format", "json"], s.io),
      0,
      s.err.join(""),
    );
    const json = JSON.parse(s.out.join(""));
    for (const key of [
      "nu",
      "nu_std",
      "kappa",
      "kappa_std",
      "zeta",
      "nu_window",
      "kappa_window",
      "lambda",
      "c",
      "lr_scale",
    ])
      assert.ok(key in json, key);
    assert.ok(Math.abs(json.lambda[0].value - 1) < 1e-12);
    assert.ok(json.nu > 0.3 && json.nu < 3, `nu ${json.nu}`);

    const bad = capture();
    assert.equal(
      await runNetworkCommand(
        "compare",
        ["--dataset", "tabular", "--N", "5", "--batch_size", "10", "--lr", "x", "--hidden_dim", "0"],
        bad.io,
      ),
      2,
    );
    const msg = bad.err.join("");
    for (const re of [
      /--lr: "x" is not a number/,
      /needs --data_file/,
      /needs --target/,
      /--batch_size item 1 \(sweep\.batch_size\[0\]\): batch size larger than N = 5/,
      /--hidden_dim \(problem\.hidden_dim\): too small \(got 0/,
    ])
      assert.match(msg, re);
    const missing = capture();
    assert.equal(
      await runNetworkCommand(
        "spectrum",
        ["--dataset", "cifar10", "--data_root", join(dir, "nowhere"), "--N", "10"],
        missing.io,
      ),
      2,
    );
    assert.match(missing.err.join(""), /cifar10: folder not found: .*nowhere/);
  },
);
