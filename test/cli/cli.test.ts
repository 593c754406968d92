import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { writeNpy } from "../../lib/io/npy.ts";
import { syntheticDense } from "../../lib/problem/synthetic.ts";

const BIN = new URL("../../bin/powerlaw-sgd.js", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "cli-"));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test("bin: --help works and exit codes are 0 / 2", () => {
  const h = spawnSync(process.execPath, [BIN, "--help"], { encoding: "utf8" });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /usage: powerlaw-sgd <command>/);
  const bad = spawnSync(process.execPath, [BIN, "sd", "--N", "1", "--db", join(dir, "never.duckdb")], {
    encoding: "utf8",
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--N \(problem\.N\): too small \(got 1; allowed: a number ≥ 2\)/);
  assert.equal(existsSync(join(dir, "never.duckdb")), false);
});

test("--help on every command", async () => {
  for (const c of ["sd", "full", "linearized", "run", "query", "export", "theory", "schema"]) {
    const r = await cli(c, "--help");
    assert.equal(r.code, 0, c);
    assert.match(r.out, new RegExp(`usage: powerlaw-sgd ${c}`));
  }
  assert.equal((await cli("frobnicate")).code, 2);
});

test("end to end: sd sweep with reference flags, query json/csv, export", async () => {
  const db = join(dir, "e2e.duckdb");
  const r = await cli(
    "sd",
    "--N",
    "80",
    "--nu",
    "1.5",
    "--kappa",
    "1",
    "--tau",
    "1",
    "-1",
    "--lr",
    "0.5",
    "4",
    "--momentum",
    "0",
    "-0.3",
    "--batch-size",
    "4",
    "--n_steps",
    "200",
    "--aggr_type",
    "prod",
    "--db",
    db,
    "--quiet",
    "--record",
    "every:10",
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^sd: 8 runs: 4 done, 4 diverged, 0 failed/);
  const q = await cli(
    "query",
    "SELECT tau, lr, momentum, status, count(c.step) AS n FROM runs LEFT JOIN curves c USING (run_id) " +
      "GROUP BY ALL ORDER BY ALL",
    "--db",
    db,
    "--format",
    "json",
  );
  assert.equal(q.code, 0, q.err);
  const rows = JSON.parse(q.out);
  assert.equal(rows.length, 8);
  assert.deepEqual(rows[0], { tau: -1, lr: 0.5, momentum: -0.3, status: "done", n: 21 });
  assert.ok(rows.filter((x: { status: string }) => x.status === "diverged").every((x: { lr: number }) => x.lr === 4));
  const csv = await cli("query", "SELECT regime, count(*) AS n FROM runs GROUP BY 1", "--db", db, "--format", "csv");
  assert.equal(csv.out, "regime,n\nsd,8\n");
  const badSql = await cli("query", "SELEC nonsense", "--db", db);
  assert.equal(badSql.code, 2);
  const ro = await cli("query", "DELETE FROM runs", "--db", db);
  assert.equal(ro.code, 2, "query is read-only");
  assert.match(ro.err, /read-only/i);
  // rerun: everything is skipped
  const again = await cli(
    "sd",
    "--N",
    "80",
    "--nu",
    "1.5",
    "--kappa",
    "1",
    "--tau",
    "1",
    "-1",
    "--lr",
    "0.5",
    "4",
    "--momentum",
    "0",
    "-0.3",
    "--batch_size",
    "4",
    "--n_steps",
    "200",
    "--db",
    db,
    "--quiet",
    "--record",
    "every",
    "10",
  );
  assert.match(again.out, /8 skipped/);
  for (const format of ["parquet", "arrow"]) {
    const out = join(dir, `export-${format}`);
    const ex = await cli("export", "--db", db, "--format", format, "--out", out);
    assert.equal(ex.code, 0, ex.err);
    assert.match(ex.out, /runs: 8 rows/);
    assert.ok(existsSync(join(out, `curves.${format}`)));
  }
  assert.equal((await cli("query", "SELECT 1", "--db", join(dir, "nope.duckdb"))).code, 2);
});

test("zip aggregation and its length rule", async () => {
  const db = join(dir, "zip.duckdb");
  const r = await cli(
    "sd",
    "--N",
    "50",
    "--lr",
    "0.1",
    "0.2",
    "0.3",
    "--momentum",
    "0",
    "0.1",
    "0.2",
    "--batch_size",
    "5",
    "--aggr_type",
    "zip",
    "--n_steps",
    "20",
    "--db",
    db,
    "--quiet",
  );
  assert.equal(r.code, 0, r.err);
  const q = await cli("query", "SELECT lr, momentum FROM runs ORDER BY lr", "--db", db, "--format", "json");
  assert.deepEqual(JSON.parse(q.out), [
    { lr: 0.1, momentum: 0 },
    { lr: 0.2, momentum: 0.1 },
    { lr: 0.3, momentum: 0.2 },
  ]);
  const bad = await cli(
    "sd",
    "--N",
    "50",
    "--lr",
    "0.1",
    "0.2",
    "0.3",
    "--momentum",
    "0",
    "0.1",
    "--aggr_type",
    "zip",
    "--db",
    db,
  );
  assert.equal(bad.code, 2);
  assert.match(
    bad.err,
    /--momentum \(sweep\.momentum\): with aggr_type 'zip' every list has the same length or length 1/,
  );
});

test("kernel + residual from .npy files (float32 and float64); bad files give exit 2", async () => {
  const p = syntheticDense({ N: 30, nu: 1.5, kappa: 1, seed: 3 });
  const K = p.khat.map((x) => x * 30);
  writeNpy(join(dir, "K.npy"), K, [30, 30], "f4");
  writeNpy(join(dir, "r.npy"), p.d0, [30], "f8");
  const db = join(dir, "kernel.duckdb");
  const r = await cli(
    "linearized",
    "--kernel",
    join(dir, "K.npy"),
    "--residual",
    join(dir, "r.npy"),
    "--runs",
    "2",
    "--opt",
    "adam",
    "--lr",
    "0.01",
    "--batch_size",
    "3",
    "--n_steps",
    "50",
    "--db",
    db,
    "--quiet",
    "--track_diag_err",
    "--track_freq",
    "25",
  );
  assert.equal(r.code, 0, r.err);
  const q = await cli(
    "query",
    "SELECT p.kind, p.N, r.optimizer, count(DISTINCT r.run_id) AS runs, count(*) AS modes " +
      "FROM runs r JOIN problems p USING (problem) JOIN modes m USING (run_id) GROUP BY ALL",
    "--db",
    db,
    "--format",
    "json",
  );
  assert.deepEqual(JSON.parse(q.out), [{ kind: "kernel", N: 30, optimizer: "adam", runs: 2, modes: 2 * 3 * 30 }]);

  const asym = Float64Array.from(K);
  asym[1] += 1;
  writeNpy(join(dir, "asym.npy"), asym, [30, 30]);
  writeNpy(join(dir, "rect.npy"), new Float64Array(30 * 29), [30, 29]);
  const nanR = Float64Array.from(p.d0);
  nanR[4] = NaN;
  writeNpy(join(dir, "nan.npy"), nanR, [30]);
  writeFileSync(join(dir, "junk.npy"), "not numpy");
  const cases: [string, string, RegExp][] = [
    ["asym.npy", "r.npy", /--kernel \(problem\.kernel\): kernel is not symmetric: K\[0\]\[1\]/],
    ["rect.npy", "r.npy", /kernel must be a square matrix, got shape \(30, 29\)/],
    ["K.npy", "nan.npy", /--residual \(problem\.residual\): residual has a non-finite entry NaN at 4/],
    [
      "junk.npy",
      "missing.npy",
      /--kernel \(problem\.kernel\): not a NumPy \.npy file[\s\S]*--residual \(problem\.residual\): file not found/,
    ],
  ];
  for (const [k, res, re] of cases) {
    const db2 = join(dir, `bad-${k}.duckdb`);
    const b = await cli(
      "sd",
      "--kernel",
      join(dir, k),
      "--residual",
      join(dir, res),
      "--db",
      db2,
      "--n_steps",
      "5",
      "--batch_size",
      "2",
    );
    assert.equal(b.code, 2, k);
    assert.match(b.err, re);
    assert.equal(existsSync(db2), false, "nothing written");
  }
  const conflict = await cli(
    "sd",
    "--kernel",
    join(dir, "K.npy"),
    "--residual",
    join(dir, "r.npy"),
    "--N",
    "30",
    "--db",
    join(dir, "x.duckdb"),
  );
  assert.equal(conflict.code, 2);
  assert.match(conflict.err, /--N does not apply to a --kernel\/--residual problem/);
  const big = await cli(
    "sd",
    "--kernel",
    join(dir, "K.npy"),
    "--residual",
    join(dir, "r.npy"),
    "--batch_size",
    "31",
    "--db",
    join(dir, "x.duckdb"),
  );
  assert.match(big.err, /--batch_size item 1 \(sweep\.batch_size\[0\]\): batch size larger than N = 30/);
});

test("run CONFIG.json: relative paths, JSON errors, dry run", async () => {
  const cfg = join(dir, "exp.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      experiment: "cfg",
      problem: { kind: "kernel", kernel: "K.npy", residual: "r.npy" },
      regimes: [{ regime: "sd", tau: [1, -1] }, { regime: "full" }],
      sweep: { lr: [0.5], batch_size: [2, 5] },
      n_steps: 30,
    }),
  );
  const dry = await cli("run", cfg, "--dry_run");
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /\(6 rows\)/);
  const db = join(dir, "cfg.duckdb");
  const r = await cli("run", cfg, "--db", db, "--quiet");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /cfg: 6 runs: 6 done/);
  const stored = await cli("query", "SELECT config FROM experiments", "--db", db, "--format", "json");
  assert.equal(JSON.parse(JSON.parse(stored.out)[0].config).experiment, "cfg");
  writeFileSync(join(dir, "broken.json"), "{ nope");
  const broken = await cli("run", join(dir, "broken.json"));
  assert.equal(broken.code, 2);
  assert.match(broken.err, /not valid JSON/);
  writeFileSync(
    join(dir, "bad.json"),
    JSON.stringify({
      experiment: "x",
      problem: { kind: "synthetic", N: 10, nu: 1, kappa: 1 },
      regimes: [{ regime: "sd" }],
      sweep: { lr: [1], batch_size: [11] },
      n_steps: 1,
      extra: 1,
    }),
  );
  const bad = await cli("run", join(dir, "bad.json"));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /extra: unknown key/);
  assert.match(bad.err, /sweep\.batch_size\[0\]: batch size larger than N = 10/);
});

test("theory: one object per setting with U1, V1, verdict, alpha_crit, lambda_crit, phase, law", async () => {
  const r = await cli(
    "theory",
    "--N",
    "200",
    "--nu",
    "1.5",
    "--kappa",
    "3",
    "--tau",
    "1",
    "-1",
    "--lr",
    "0.2",
    "50",
    "--momentum",
    "0",
    "-0.5",
    "--batch_size",
    "10",
  );
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out);
  assert.equal(rows.length, 8);
  const ok = rows.find(
    (x: { tau: number; lr: number; momentum: number }) => x.tau === 1 && x.lr === 0.2 && x.momentum === 0,
  );
  for (const k of ["U1", "V1", "converges", "alpha_crit", "lambda_crit", "phase", "zeta", "law"]) assert.ok(k in ok, k);
  assert.equal(ok.converges, true);
  assert.ok(ok.U1 > 0 && ok.U1 < 1);
  assert.ok(ok.alpha_crit > 0.2);
  assert.equal(ok.phase, "noise"); // ζ = 2 > 2 − 1/ν
  assert.ok(Math.abs(ok.law.exponent - (2 - 1 / 1.5)) < 1e-12);
  const bad = rows.find((x: { lr: number }) => x.lr === 50);
  assert.equal(bad.converges, false);
  assert.equal(bad.law, null);
  const t = await cli("theory", "--N", "50", "--lr", "0.1", "--format", "table");
  assert.match(t.out, /alpha_crit/);
  assert.equal((await cli("theory", "--sched", "jacobi", "--N", "50")).code, 2);
});

test("schema: JSON Schema and SQL docs", async () => {
  const j = await cli("schema");
  assert.equal(JSON.parse(j.out).type, "object");
  const s = await cli("schema", "--format", "sql", "--out", join(dir, "schema.md"));
  assert.equal(s.code, 0);
  assert.match(readFileSync(join(dir, "schema.md"), "utf8"), /### `curves`/);
});
