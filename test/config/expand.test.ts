import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregate, expandRuns, expandSettings, shardRuns } from "../../lib/config/expand.ts";
import { parseExperiment, type ExperimentInput } from "../../lib/config/schema.ts";
import { canonicalJson, hashOf } from "../../lib/config/hash.ts";
import { CurveBatcher, logSteps, recordedSteps, stepFilter } from "../../lib/run/record.ts";

function parse(input: ExperimentInput) {
  const r = parseExperiment(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}
const base: ExperimentInput = {
  experiment: "t",
  problem: { kind: "synthetic", N: 20, nu: 1.5, kappa: 1 },
  regimes: [{ regime: "sd" }],
  sweep: { lr: [1], batch_size: [1] },
  n_steps: 10,
};

test("prod = itertools.product over (batch_size, lr, momentum), last fastest", () => {
  const e = parse({ ...base, sweep: { batch_size: [1, 2], lr: [0.1, 0.2], momentum: [0, -0.3, 0.5] } });
  const s = expandSettings(e).map((x) => [x.batchSize, x.lr, x.momentum]);
  assert.equal(s.length, 12);
  assert.deepEqual(s.slice(0, 4), [
    [1, 0.1, 0],
    [1, 0.1, -0.3],
    [1, 0.1, 0.5],
    [1, 0.2, 0],
  ]);
  assert.deepEqual(s[11], [2, 0.2, 0.5]);
});

test("zip = element-wise, length-1 lists broadcast (the reference's rule)", () => {
  const e = parse({
    ...base,
    sweep: { batch_size: [4], lr: [0.1, 0.2, 0.3], momentum: [0, 0.1, 0.2], aggr_type: "zip" },
  });
  assert.deepEqual(
    expandSettings(e).map((x) => [x.batchSize, x.lr, x.momentum]),
    [
      [4, 0.1, 0],
      [4, 0.2, 0.1],
      [4, 0.3, 0.2],
    ],
  );
  assert.throws(
    () =>
      aggregate(
        [
          [1, 2],
          [1, 2, 3],
        ],
        "zip",
      ),
    /equal lengths or length 1/,
  );
  assert.deepEqual(aggregate([[1], [2]], "zip"), [[1, 2]]);
});

test("jacobi sweeps (batch_size, lr, a, b); power sweeps (batch_size, lr, momentum, p, n0)", () => {
  const j = parse({ ...base, sweep: { batch_size: [1], lr: [0.5], schedule: { kind: "jacobi", a: [1, 2], b: [0] } } });
  const sj = expandSettings(j);
  assert.deepEqual(
    sj.map((x) => x.schedule),
    [
      { kind: "jacobi", lr: 0.5, a: 1, b: 0, indexing: "exact" },
      { kind: "jacobi", lr: 0.5, a: 2, b: 0, indexing: "exact" },
    ],
  );
  assert.equal(sj[0].momentum, null);
  const p = parse({
    ...base,
    sweep: { batch_size: [1], lr: [0.5], momentum: [0.1], schedule: { kind: "power", p: [0.5, 1], n0: [10] } },
  });
  assert.deepEqual(
    expandSettings(p).map((x) => x.schedule),
    [
      { kind: "power", lr: 0.5, p: 0.5, n0: 10, momentum: 0.1 },
      { kind: "power", lr: 0.5, p: 1, n0: 10, momentum: 0.1 },
    ],
  );
});

test("regimes multiply settings: sd × τ, linearized × replicates, full once", () => {
  const e = parse({
    ...base,
    regimes: [
      { regime: "sd", tau: [1, -1, 0] },
      { regime: "full" },
      { regime: "linearized", replicates: 3, optimizer: "adam" },
    ],
    sweep: { batch_size: [1, 2], lr: [0.1] },
    seed: 7,
  });
  const runs = expandRuns(e);
  assert.equal(runs.length, 3 * 2 + 2 + 2 * 3);
  assert.deepEqual(
    runs.map((r) => r.index),
    runs.map((_, i) => i),
  );
  assert.deepEqual(
    runs.slice(0, 6).map((r) => [r.tau, r.batchSize]),
    [
      [1, 1],
      [1, 2],
      [-1, 1],
      [-1, 2],
      [0, 1],
      [0, 2],
    ],
  );
  const lin = runs.filter((r) => r.regime === "linearized");
  assert.deepEqual(
    lin.map((r) => [r.batchSize, r.replicate, r.seed, r.optimizer]),
    [
      [1, 0, 7, "adam"],
      [1, 1, 7, "adam"],
      [1, 2, 7, "adam"],
      [2, 0, 7, "adam"],
      [2, 1, 7, "adam"],
      [2, 2, 7, "adam"],
    ],
  );
  const shards = [1, 2, 3].map((i) => shardRuns(runs, { index: i, count: 3 }));
  assert.equal(shards.flat().length, runs.length);
  assert.deepEqual(
    shards[1].map((r) => r.index),
    [1, 4, 7, 10, 13],
  );
});

test("canonical JSON and hashes are key-order independent", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: -0, c: "x" }] }), '{"a":[1,{"c":"x","d":0}],"b":1}');
  assert.equal(hashOf({ a: 1, b: 2 }), hashOf({ b: 2, a: 1 }));
  assert.notEqual(hashOf({ a: 1 }), hashOf({ a: 2 }));
  assert.match(hashOf({}), /^[0-9a-f]{16}$/);
});

test("record modes keep first and last step", () => {
  assert.deepEqual(recordedSteps({ mode: "every", k: 4 }, 10), [0, 4, 8, 10]);
  assert.equal(recordedSteps({ mode: "all" }, 10).length, 11);
  assert.deepEqual(Array.from(logSteps(4, 100)), [1, 2, 3, 6, 10, 18, 32, 56, 100]);
  assert.deepEqual(recordedSteps({ mode: "log", per_decade: 4 }, 50), [0, 1, 2, 3, 6, 10, 18, 32, 50]);
  const k = recordedSteps({ mode: "log", per_decade: 20 }, 10000);
  assert.equal(k[k.length - 1], 10000);
  assert.ok(k.length > 60 && k.length < 90, `${k.length}`);
});

test("CurveBatcher batches, and adds a diverged run's last step", () => {
  const got: [number[], number[]][] = [];
  const b = new CurveBatcher(stepFilter({ mode: "every", k: 5 }, 100), 2, (s, l) =>
    got.push([Array.from(s), Array.from(l)]),
  );
  for (let t = 0; t <= 12; t++) b.push(t, t * 10);
  b.finish();
  assert.deepEqual(got, [
    [
      [0, 5],
      [0, 50],
    ],
    [
      [10, 12],
      [100, 120],
    ],
  ]);
  const got2: number[] = [];
  const c = new CurveBatcher(stepFilter({ mode: "all" }, 3), 10, (s) => got2.push(...s));
  for (let t = 0; t <= 3; t++) c.push(t, 1);
  c.finish();
  assert.deepEqual(got2, [0, 1, 2, 3]);
});
