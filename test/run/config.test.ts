// One test per class of bad input: each asserts the message names the field (and shows the value).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExperiment, formatIssue, experimentJsonSchema, type ExperimentInput } from "../../lib/run/config.ts";

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
  assert.deepEqual(m, ["problem.sigma: unknown key (got 3; allowed: kind, N, nu, kappa, lambda_min, seed)"]);
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
  assert.deepEqual(errors((c) => (c.problem.N = 1)), ["problem.N: too small (got 1; allowed: a number ≥ 2)"]);
});

test("batch size not an integer in 1..N", () => {
  const m = errors((c) => (c.sweep.batch_size = [2.5, 0, 51]));
  assert.equal(m.length, 3);
  assert.match(m[0], /^sweep\.batch_size\[0\]: wrong type \(got 2\.5; allowed: an integer\)/);
  assert.match(m[1], /^sweep\.batch_size\[1\]: too small \(got 0; allowed: a number ≥ 1\)/);
  assert.match(m[2], /^sweep\.batch_size\[2\]: batch size larger than N = 50 \(got 51; allowed: an integer in 1\.\.50\)/);
});

test("a value outside an enumeration lists the allowed ones", () => {
  assert.deepEqual(errors((c) => (c.sweep.aggr_type = "cross")), ['sweep.aggr_type: not one of the allowed values (got "cross"; allowed: "prod" | "zip")']);
  assert.deepEqual(errors((c) => (c.regimes = [{ regime: "network" }])), ['regimes[0].regime: not one of the allowed values (got "network"; allowed: "sd" | "full" | "linearized" | "nn")']);
});

test("missing required field", () => {
  assert.deepEqual(errors((c) => delete c.n_steps), ["n_steps: required (missing; allowed: a finite number)"]);
});

test("zip with unequal lengths", () => {
  const m = errors((c) => {
    c.sweep = { lr: [0.1, 0.2, 0.3], momentum: [0, 0.5], batch_size: [1], aggr_type: "zip" };
  });
  assert.match(m[0], /^sweep\.momentum: with aggr_type 'zip' every list has the same length or length 1; the longest has 3 \(got \[0,0\.5\]/);
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
  assert.deepEqual(published, experimentJsonSchema(), "regenerate with: npx powerlaw-sgd schema --out data/experiments/experiment.schema.json");
});
