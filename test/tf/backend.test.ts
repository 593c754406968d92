// Backend selection: explicit choices, the auto fallback order (with injected loaders), errors, and the env override.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  defaultLoaders,
  parseBackendChoice,
  selectBackend,
  currentBackend,
  type BackendLoaders,
} from "../../lib/tf/backend.ts";

const fail = (why: string) => async () => {
  throw new Error(why);
};

async function tfjsNodeInstalled(): Promise<boolean> {
  try {
    await defaultLoaders.tensorflow();
    return true;
  } catch {
    return false;
  }
}

test("parseBackendChoice accepts the four values and names them in its error", () => {
  for (const v of ["auto", "tensorflow", "wasm", "cpu", " WASM "]) assert.ok(parseBackendChoice(v));
  assert.throws(() => parseBackendChoice("gpu"), /auto\|tensorflow\|wasm\|cpu.*"gpu"/);
});

test("explicit cpu and wasm are selected, reported and computed with", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    assert.equal(await selectBackend(name), name);
    assert.equal(tf.getBackend(), name);
    assert.equal(currentBackend(), name);
    const c = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync();
    assert.deepEqual(Array.from(c), [19, 22, 43, 50]);
  }
});

test("auto prefers tensorflow, then wasm, then cpu", async () => {
  const saved = process.env.POWERLAW_SGD_TF_BACKEND;
  delete process.env.POWERLAW_SGD_TF_BACKEND;
  try {
    const noNode: BackendLoaders = { ...defaultLoaders, tensorflow: fail("native binding missing") };
    const skipped: string[] = [];
    assert.equal(await selectBackend("auto", { loaders: noNode, onSkip: (b) => skipped.push(b) }), "wasm");
    assert.deepEqual(skipped, ["tensorflow"]);
    const onlyCpu: BackendLoaders = { ...defaultLoaders, tensorflow: fail("no native"), wasm: fail("no wasm") };
    assert.equal(await selectBackend("auto", { loaders: onlyCpu }), "cpu");
    assert.equal(tf.getBackend(), "cpu");
    // with the real loaders: tensorflow exactly when tfjs-node loads here (it cannot install on this machine)
    const expected = (await tfjsNodeInstalled()) ? "tensorflow" : "wasm";
    assert.equal(await selectBackend("auto"), expected);
  } finally {
    if (saved !== undefined) process.env.POWERLAW_SGD_TF_BACKEND = saved;
  }
});

test("an explicit choice never falls back, and its error says why", async () => {
  const broken: BackendLoaders = { ...defaultLoaders, wasm: fail("wasm binary missing") };
  await assert.rejects(
    selectBackend("wasm", { loaders: broken }),
    /backend "wasm" is unavailable.*wasm binary missing/,
  );
  if (!(await tfjsNodeInstalled())) {
    await assert.rejects(
      selectBackend("tensorflow"),
      /"tensorflow" is unavailable \(@tensorflow\/tfjs-node is an optional dependency/,
    );
  }
  const none: BackendLoaders = { tensorflow: fail("a"), wasm: fail("b"), cpu: fail("c") };
  await assert.rejects(selectBackend("auto", { loaders: none }), /tensorflow: a; wasm: b; cpu: c/);
});

test("POWERLAW_SGD_TF_BACKEND overrides auto, not an explicit choice", async () => {
  const saved = process.env.POWERLAW_SGD_TF_BACKEND;
  process.env.POWERLAW_SGD_TF_BACKEND = "cpu";
  try {
    assert.equal(await selectBackend("auto"), "cpu");
    assert.equal(await selectBackend("wasm"), "wasm");
    process.env.POWERLAW_SGD_TF_BACKEND = "tpu";
    await assert.rejects(selectBackend("auto"), /"tpu"/);
  } finally {
    if (saved === undefined) delete process.env.POWERLAW_SGD_TF_BACKEND;
    else process.env.POWERLAW_SGD_TF_BACKEND = saved;
  }
});
