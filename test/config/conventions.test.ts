// The reference's conventions in the config: the new fields at their defaults leave every run identity (config
// hash) and synthetic problem id as they were before the fields existed (hashes recorded then, below); a
// convention that changes a run's numbers changes exactly the identities of the runs it affects.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExperiment, type Experiment, type ExperimentInput } from "../../lib/config/schema.ts";
import { expandRuns } from "../../lib/config/expand.ts";
import { runHash } from "../../lib/run/runner.ts";
import { loadProblem } from "../../lib/prepare/problem.ts";
import { hashOf } from "../../lib/config/hash.ts";

function parse(input: unknown): Experiment {
  const r = parseExperiment(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

const hashes = (e: Experiment, problemId: string) => expandRuns(e).map((s) => runHash(problemId, s));

const SYNTHETIC = {
  experiment: "h",
  problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1 },
  regimes: [{ regime: "sd", tau: [1, -1] }, { regime: "full" }, { regime: "linearized", replicates: 2 }],
  sweep: { lr: [0.5], momentum: [0, -0.3], batch_size: [10] },
  n_steps: 100,
} satisfies ExperimentInput;
const JACOBI = {
  experiment: "h",
  problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1, lambda_min: 0 },
  regimes: [{ regime: "linearized", optimizer: "adam" }, { regime: "sd" }],
  sweep: { lr: [0.5], batch_size: [10], schedule: { kind: "jacobi", a: [1], b: [0.5] } },
  n_steps: 100,
} satisfies ExperimentInput;
const NETWORK = {
  experiment: "h",
  problem: { kind: "dataset", dataset: "mnist", N: 64 },
  regimes: [{ regime: "nn", lr_scale: false, engine: "tfjs" }, { regime: "linearized" }],
  sweep: { lr: [0.5], batch_size: [8] },
  n_steps: 50,
} satisfies ExperimentInput;

// recorded with the code before lambda_floor, conventions, adam, a numeric lr_scale and saved problems existed
const BEFORE = {
  problem: "6321f7a82fc5dd79",
  synthetic: [
    "ba875b66e5017686",
    "6910d6e5f06ac2c7",
    "79147e78639ce61a",
    "70a1fe2a303179e0",
    "511164131cb5aa57",
    "ca180b5032cfd72b",
    "f3ab6d0212ef2147",
    "83bc51d32237e053",
    "e367c37db273ecc9",
    "023afd4c5fafb61f",
  ],
  jacobi: ["9b980d69a588bd9a", "d1914b062506d5fc"],
  nn: ["c50f6839a92c0fcf"],
  network: ["8477c5ba0627925c", "f72ad61b5af1bad7"],
};

const synthId = (e: Experiment) => loadProblem(e.problem, { dense: false, seed: e.seed }).id;

test("new options at their defaults keep every existing config hash and problem id", () => {
  const s = parse(SYNTHETIC);
  assert.equal(synthId(s), BEFORE.problem);
  assert.deepEqual(hashes(s, BEFORE.problem), BEFORE.synthetic);
  assert.deepEqual(hashes(parse(JACOBI), BEFORE.problem), BEFORE.jacobi);
  const nn = { ...NETWORK, regimes: [{ regime: "nn", replicates: 1 }] };
  assert.deepEqual(hashes(parse(nn), "fixed-problem"), BEFORE.nn);
  assert.deepEqual(hashes(parse(NETWORK), "fixed-problem"), BEFORE.network);
  // the same with every new field written out at its default value
  const explicit = {
    ...SYNTHETIC,
    problem: { ...SYNTHETIC.problem, lambda_min: 0, lambda_floor: 0 },
    conventions: { momentum: "classic", adam_bias_correction: "standard", ntk_formula: "exact", fit_windows: "log" },
  } satisfies ExperimentInput;
  assert.equal(synthId(parse(explicit)), BEFORE.problem);
  assert.deepEqual(hashes(parse(explicit), BEFORE.problem), BEFORE.synthetic);
  const adam = {
    ...JACOBI,
    regimes: [
      { regime: "linearized", optimizer: "adam", adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
      { regime: "sd" },
    ],
    conventions: {},
  } satisfies ExperimentInput;
  assert.deepEqual(hashes(parse(adam), BEFORE.problem), BEFORE.jacobi);
  const nnTrue = { ...NETWORK, regimes: [{ regime: "nn", lr_scale: true }] } satisfies ExperimentInput;
  assert.deepEqual(hashes(parse(nnTrue), "fixed-problem"), BEFORE.nn);
});

test("a convention changes the identities of exactly the runs whose numbers it changes", () => {
  const base = hashes(parse(JACOBI), BEFORE.problem);
  // Adam's bias correction: the adam run only
  const adam = hashes(parse({ ...JACOBI, conventions: { adam_bias_correction: "reference" } }), BEFORE.problem);
  assert.notEqual(adam[0], base[0]);
  assert.equal(adam[1], base[1]);
  // momentum 'reference': linearized and nn read PyTorch's β, sd and full the classic one
  const sgd = { ...JACOBI, regimes: [{ regime: "linearized" }, { regime: "sd" }, { regime: "full" }] };
  const classic = hashes(parse(sgd), BEFORE.problem);
  const ref = hashes(parse({ ...sgd, conventions: { momentum: "reference" } }), BEFORE.problem);
  assert.deepEqual([ref[0] !== classic[0], ref[1] === classic[1], ref[2] === classic[2]], [true, true, true]);
  const specs = expandRuns(parse({ ...sgd, conventions: { momentum: "pytorch" } }));
  assert.deepEqual(
    specs.map((s) => s.momentumConvention),
    ["pytorch", "pytorch", "pytorch"],
  );
  assert.deepEqual(
    expandRuns(parse({ ...sgd, conventions: { momentum: "reference" } })).map((s) => s.momentumConvention),
    ["pytorch", undefined, undefined],
  );
  // Adam's β's
  const b1 = expandRuns(
    parse({ ...JACOBI, regimes: [{ regime: "linearized", optimizer: "adam", adam: { beta1: 0.8 } }] }),
  );
  assert.deepEqual(b1[0].adam, { beta1: 0.8 });
  // a numeric lr_scale
  const nn = expandRuns(parse({ ...NETWORK, regimes: [{ regime: "nn", lr_scale: 0.85 }] }));
  assert.deepEqual([nn[0].applyLrScale, nn[0].lrScale], [true, 0.85]);
  assert.notEqual(runHash("p", nn[0]), BEFORE.nn[0]);
});

test("lambda_min is the reference's lift, lambda_floor the floor: ids follow the problem, not the name", () => {
  const problem = (p: Record<string, number>) =>
    synthId(parse({ ...SYNTHETIC, problem: { kind: "synthetic", N: 100, nu: 1.5, kappa: 1, ...p } }));
  // a floor keeps the id the floor had when it was called lambda_min
  const oldFloorId = hashOf({ kind: "synthetic", N: 100, nu: 1.5, kappa: 1, lambda_min: 0.01, seed: 0 });
  assert.equal(problem({ lambda_floor: 0.01 }), oldFloorId);
  // the lift is another problem
  const lift = problem({ lambda_min: 0.01 });
  assert.notEqual(lift, oldFloorId);
  assert.notEqual(lift, BEFORE.problem);
  const spectrum = loadProblem(parse({ ...SYNTHETIC, problem: { ...SYNTHETIC.problem, lambda_min: 0.01 } }).problem, {
    dense: false,
    seed: 0,
  }).spectrum;
  assert.ok(Math.abs(spectrum.lambda[99] - (0.01 + 0.99 * 100 ** -1.5)) < 1e-15);
});

test("conventions: unknown names and values are named with the allowed ones", () => {
  const r = parseExperiment({ ...SYNTHETIC, conventions: { momentum: "keras", nesterov: true } });
  assert.equal(r.ok, false);
  const messages = r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message} (${i.allowed})`);
  assert.ok(
    messages.some((m) => /^conventions\.momentum: .*"classic" \| "pytorch" \| "reference"/.test(m)),
    messages.join("\n"),
  );
  assert.ok(
    messages.some((m) => /^conventions\.nesterov: unknown key/.test(m)),
    messages.join("\n"),
  );
});
