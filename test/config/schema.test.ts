// One test per class of bad input: each asserts the message names the field (and shows the value).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExperiment, formatIssue, experimentJsonSchema, type ExperimentInput } from "../../lib/config/schema.ts";

const good: ExperimentInput = {
  experiment: "t",
  problem: { kind: "synthetic", N: 50, nu: 1.5, kappa: 1 },
  regimes: [{ regime: "sd", tau: [1, -1] }],
  sweep: { lr: [0.5], momentum: [0, -0.3], batch_size: [5] },
  n_steps: 100,
};

function errors(patch: (c: any) => void): string[] {
  const c = structuredClone(good) as any;
  patch(c);
  const r = parseExperiment(c);
  assert.equal(r.ok, false, "expected the config to be refused");
  return r.ok ? [] : r.issues.map((i) => formatIssue(i));
}

test("a good config parses, with defaults filled in", () => {
  const r = parseExperiment(good);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.sweep.aggr_type, "prod");
  assert.deepEqual(r.value.record, { mode: "all" });
  assert.equal(r.value.divergence_factor, 1e10);
  assert.equal(r.value.seed, 0);
});

test("β outside (−1, 1) and α = 0 are legal", () => {
  const r = parseExperiment({ ...good, sweep: { lr: [0, 1], momentum: [-1.5, 1, 2], batch_size: [1] } });
  assert.ok(r.ok);
});

test("unknown key: named with its path and the allowed keys", () => {
  const m = errors((c) => (c.problem.sigma = 3));
  assert.deepEqual(m, [
    "problem.sigma: unknown key (got 3; allowed: kind, N, nu, kappa, lambda_min, lambda_floor, seed)",
  ]);
  const top = errors((c) => (c.lrs = [1]));
  assert.match(top[0], /^lrs: unknown key .*allowed: .*experiment.*sweep/);
});

test("wrong type", () => {
  const m = errors((c) => (c.sweep.lr = [0.1, "fast"]));
  assert.deepEqual(m, ['sweep.lr[1]: wrong type (got "fast"; allowed: a finite number)']);
});

test("non-finite number (as the CLI parser could produce)", () => {
  const m = errors((c) => (c.sweep.momentum = [Infinity, NaN]));
  assert.equal(m.length, 2);
  assert.match(m[0], /^sweep\.momentum\[0\]: .*got Infinity/);
  assert.match(m[1], /^sweep\.momentum\[1\]: .*got NaN/);
});

test("N < 2", () => {
  assert.deepEqual(
    errors((c) => (c.problem.N = 1)),
    ["problem.N: too small (got 1; allowed: a number ≥ 2)"],
  );
});

test("batch size not an integer in 1..N", () => {
  const m = errors((c) => (c.sweep.batch_size = [2.5, 0, 51]));
  assert.equal(m.length, 3);
  assert.match(m[0], /^sweep\.batch_size\[0\]: wrong type \(got 2\.5; allowed: an integer\)/);
  assert.match(m[1], /^sweep\.batch_size\[1\]: too small \(got 0; allowed: a number ≥ 1\)/);
  assert.match(
    m[2],
    /^sweep\.batch_size\[2\]: batch size larger than N = 50 \(got 51; allowed: an integer in 1\.\.50\)/,
  );
});

test("a value outside an enumeration lists the allowed ones", () => {
  assert.deepEqual(
    errors((c) => (c.sweep.aggr_type = "cross")),
    ['sweep.aggr_type: not one of the allowed values (got "cross"; allowed: "prod" | "zip")'],
  );
  assert.deepEqual(
    errors((c) => (c.regimes = [{ regime: "network" }])),
    ['regimes[0].regime: not one of the allowed values (got "network"; allowed: "sd" | "full" | "linearized" | "nn")'],
  );
});

test("missing required field", () => {
  assert.deepEqual(
    errors((c) => delete c.n_steps),
    ["n_steps: required (missing; allowed: a finite number)"],
  );
});

test("zip with unequal lengths", () => {
  const m = errors((c) => {
    c.sweep = { lr: [0.1, 0.2, 0.3], momentum: [0, 0.5], batch_size: [1], aggr_type: "zip" };
  });
  assert.match(
    m[0],
    new RegExp(
      /^sweep\.momentum: with aggr_type 'zip' every list has the same length or length 1; /.source +
        /the longest has 3 \(got \[0,0\.5\]/.source,
    ),
  );
});

test("every problem is listed at once", () => {
  const m = errors((c) => {
    c.problem.N = 0;
    c.problem.nu = -1;
    c.sweep.lr = [];
    c.extra = true;
  });
  assert.equal(m.length, 4);
});

test("JSON Schema export", () => {
  const s = experimentJsonSchema();
  assert.equal(s.type, "object");
  assert.ok((s.required as string[]).includes("problem"));
  assert.equal(s.additionalProperties, false);
});

test("the example configs in data/experiments parse, and the published JSON Schema is current", async () => {
  const { readFileSync, readdirSync } = await import("node:fs");
  const dir = new URL("../../data/experiments/", import.meta.url);
  for (const f of readdirSync(dir).filter((x) => x.endsWith(".json") && !x.endsWith(".schema.json"))) {
    const r = parseExperiment(JSON.parse(readFileSync(new URL(f, dir), "utf8")));
    assert.ok(r.ok, `${f}: ${r.ok ? "" : r.issues.map((i) => formatIssue(i)).join("; ")}`);
  }
  const published = JSON.parse(readFileSync(new URL("experiment.schema.json", dir), "utf8"));
  assert.deepEqual(
    published,
    experimentJsonSchema(),
    "regenerate with: npx powerlaw-sgd schema --out data/experiments/experiment.schema.json",
  );
});

// dataset problems and the nn regime
const network: ExperimentInput = {
  experiment: "n",
  problem: { kind: "dataset", dataset: "mnist", N: 64, hidden_dim: 32 },
  regimes: [
    { regime: "nn", replicates: 2 },
    { regime: "sd", tau: [1] },
  ],
  sweep: { lr: [0.5], batch_size: [8] },
  n_steps: 10,
};

function networkErrors(patch: (c: any) => void): string[] {
  const c = structuredClone(network) as any;
  patch(c);
  const r = parseExperiment(c);
  assert.equal(r.ok, false, "expected the config to be refused");
  return r.ok ? [] : r.issues.map((i) => formatIssue(i));
}

test("a dataset problem with the nn regime parses, with defaults filled in", () => {
  const r = parseExperiment(network);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.issues));
  if (!r.ok) return;
  assert.deepEqual(r.value.problem, {
    kind: "dataset",
    dataset: "mnist",
    N: 64,
    hidden_dim: 32,
    ntk: "empirical",
    data_seed: 42,
  });
  assert.deepEqual(r.value.regimes[0], {
    regime: "nn",
    replicates: 2,
    lr_scale: true,
    engine: "gram",
    backend: "auto",
  });
});

test("dataset problem fields: each bad value names its field", () => {
  assert.deepEqual(
    networkErrors((c) => (c.problem.dataset = "imagenet")),
    [
      'problem.dataset: not one of the allowed values (got "imagenet"; ' +
        'allowed: "mnist" | "cifar10" | "tabular" | "diamonds" | "gaussian")',
    ],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.hidden_dim = 0)),
    ["problem.hidden_dim: too small (got 0; allowed: a number ≥ 1)"],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.N = 1)),
    ["problem.N: too small (got 1; allowed: a number ≥ 2)"],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.ntk = "exact")),
    ['problem.ntk: not one of the allowed values (got "exact"; allowed: "empirical" | "analytic")'],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.data_seed = -1)),
    ["problem.data_seed: too small (got -1; allowed: a number ≥ 0)"],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.width = 10)),
    [
      "problem.width: unknown key (got 10; allowed: kind, dataset, N, hidden_dim, ntk, seed, data_seed, path, " +
        "target, drop, categorical, input_dim)",
    ],
  );
  assert.deepEqual(
    networkErrors((c) => (c.sweep.batch_size = [65])),
    ["sweep.batch_size[0]: batch size larger than N = 64 (got 65; allowed: an integer in 1..64)"],
  );
});

test("dataset problem: fields of another data set, and the files a data set needs", () => {
  assert.deepEqual(
    networkErrors((c) => Object.assign(c.problem, { path: "x.csv", input_dim: 3 })),
    [
      "problem.path: only applies to dataset 'tabular' or 'cifar10', not 'mnist' (got \"x.csv\"; allowed: omit it)",
      "problem.input_dim: only applies to dataset 'gaussian', not 'mnist' (got 3; allowed: omit it)",
    ],
  );
  const tab = networkErrors((c) => (c.problem.dataset = "tabular"));
  assert.deepEqual(tab, [
    "problem.path: dataset 'tabular' needs the data file " +
      "(missing; allowed: a .csv or .parquet file (relative to the config file))",
    "problem.target: dataset 'tabular' needs the target column (missing; allowed: a numeric column of the file)",
  ]);
  assert.match(
    networkErrors((c) => (c.problem.dataset = "cifar10"))[0],
    /^problem\.path: dataset 'cifar10' needs the folder of the binary batches/,
  );
  assert.match(
    networkErrors((c) =>
      Object.assign(c.problem, { dataset: "tabular", path: "t.csv", target: "y", categorical: "drop" }),
    )[0],
    /^problem\.categorical: not one of the allowed values \(got "drop"; allowed: "onehot" \| "error"\)/,
  );
});

test("nn regime fields: each bad value names its field", () => {
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].lr_scale = "yes")),
    ['regimes[0].lr_scale: wrong type (got "yes"; allowed: boolean or a finite number)'],
  );
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].replicates = 0)),
    ["regimes[0].replicates: too small (got 0; allowed: a number ≥ 1)"],
  );
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].engine = "torch")),
    ['regimes[0].engine: not one of the allowed values (got "torch"; allowed: "gram" | "tfjs")'],
  );
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].backend = "gpu")),
    ['regimes[0].backend: not one of the allowed values (got "gpu"; allowed: "auto" | "tensorflow" | "wasm" | "cpu")'],
  );
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].backend = "wasm")),
    [
      "regimes[0].backend: the TensorFlow.js backend only applies to engine 'tfjs' " +
        '(got "wasm"; allowed: omit it, or set engine "tfjs")',
    ],
  );
  assert.ok(parseExperiment({ ...network, regimes: [{ regime: "nn", engine: "tfjs", backend: "cpu" }] }).ok);
  assert.deepEqual(
    networkErrors((c) => (c.regimes[0].optimizer = "adam")),
    ['regimes[0].optimizer: unknown key (got "adam"; allowed: regime, replicates, lr_scale, engine, backend)'],
  );
  assert.deepEqual(
    networkErrors((c) => (c.problem.ntk = "analytic")),
    [
      "problem.ntk: the nn regime trains the initial network, whose kernel is its empirical NTK " +
        "(lr_scale = N/λ_max(K_emp)); run nn with ntk 'empirical' " +
        '(got "analytic"; allowed: "empirical" (or drop the nn regime))',
    ],
  );
  assert.ok(
    parseExperiment({ ...network, problem: { ...network.problem, ntk: "analytic" }, regimes: [{ regime: "sd" }] }).ok,
  );
  assert.deepEqual(
    errors((c) => (c.regimes = [{ regime: "nn" }])),
    [
      "regimes[0].regime: the network regime needs a network: problem.kind 'dataset', not \"synthetic\" " +
        '(got "nn"; allowed: sd | full | linearized for this problem)',
    ],
  );
});
