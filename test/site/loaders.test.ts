/** The site's loader helpers (loaders/): log-spaced thinning, Arrow output, and the SD curves loader. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { tableFromIPC } from "apache-arrow";
import { arrowTable, float64, int32, toIPC, utf8 } from "../../loaders/arrow.ts";
import { keepLogSpaced, logSpacedSteps } from "../../loaders/logSpaced.ts";
import { currentProfile } from "../../loaders/profile.ts";
import { sdCurves, sdCurvesParams } from "../../loaders/sdCurves.ts";

describe("logSpacedSteps", () => {
  test("keeps 0 and the last step, at most perDecade (+1) points per decade", () => {
    for (const [last, per] of [[1, 10], [7, 100], [1000, 40], [12345, 100]] as const) {
      const steps = [...logSpacedSteps(last, per)].sort((a, b) => a - b);
      assert.equal(steps[0], 0);
      assert.equal(steps.at(-1), last);
      assert.ok(steps.every((s) => Number.isInteger(s) && s >= 0 && s <= last));
      for (let d = 0; 10 ** d <= last; d++) {
        const inDecade = steps.filter((s) => s >= 10 ** d && s < 10 ** (d + 1)).length;
        assert.ok(inDecade <= per + 1, `decade ${d}: ${inDecade} points`);
      }
    }
    // every step is kept while the decade has fewer steps than marks
    assert.deepEqual([...logSpacedSteps(20, 100)].sort((a, b) => a - b), Array.from({ length: 21 }, (_, i) => i));
  });

  test("rejects bad arguments", () => {
    assert.throws(() => logSpacedSteps(-1), RangeError);
    assert.throws(() => logSpacedSteps(10, 0), RangeError);
  });

  test("keepLogSpaced keeps the last record of a run that stopped early", () => {
    const records = Array.from({ length: 38 }, (_, step) => ({ step, loss: 1 / (step + 1) }));
    const kept = keepLogSpaced(records, 10_000, 5);
    assert.equal(kept.at(-1)?.step, 37);
    assert.equal(kept[0].step, 0);
  });
});

describe("arrow output", () => {
  test("writes an IPC stream with typed columns and schema metadata", () => {
    const table = arrowTable({ name: utf8(["a", "b"]), x: float64([0.5, 1.5]), n: int32([1, 2]) }, { note: "hi", obj: { k: 1 } });
    const back = tableFromIPC(toIPC(table));
    assert.deepEqual(back.schema.fields.map((f) => `${f.name}:${f.type}`), ["name:Utf8", "x:Float64", "n:Int32"]);
    assert.deepEqual(back.toArray().map((r) => r.toJSON()), [{ name: "a", x: 0.5, n: 1 }, { name: "b", x: 1.5, n: 2 }]);
    assert.equal(back.schema.metadata.get("note"), "hi");
    assert.deepEqual(JSON.parse(back.schema.metadata.get("obj")!), { k: 1 });
  });

  test("rejects columns of different lengths", () => {
    assert.throws(() => arrowTable({ a: float64([1]), b: float64([1, 2]) }), RangeError);
  });
});

describe("profiles", () => {
  test("default when unset, an error for unknown names", () => {
    assert.equal(currentProfile({}), "default");
    assert.equal(currentProfile({ POWERLAW_SGD_PROFILE: "ci" }), "ci");
    assert.throws(() => currentProfile({ POWERLAW_SGD_PROFILE: "huge" }), /must be one of ci, default, paper/);
  });
});

describe("sd-curves loader", () => {
  test("ci profile: one log-spaced curve per τ, starting at L(0) = 1/(2N)", () => {
    const params = sdCurvesParams("ci");
    const table = tableFromIPC(toIPC(sdCurves("ci")));
    assert.deepEqual(table.schema.fields.map((f) => f.name), ["regime", "tau", "step", "loss"]);
    const rows = table.toArray().map((r) => r.toJSON() as { regime: string; tau: number; step: number; loss: number });
    assert.deepEqual([...new Set(rows.map((r) => r.tau))], [...params.taus]);
    assert.ok(rows.every((r) => r.regime === "sd" && Number.isFinite(r.loss) && r.loss > 0));
    for (const tau of params.taus) {
      const curve = rows.filter((r) => r.tau === tau);
      assert.equal(curve[0].step, 0);
      assert.ok(Math.abs(curve[0].loss - 1 / (2 * params.N)) < 1e-12);
      assert.equal(curve.at(-1)!.step, params.nSteps);
      assert.ok(curve.at(-1)!.loss < curve[0].loss / 100, "the loss decreases by orders of magnitude");
      assert.ok(curve.length < 4 * params.perDecade, `thinned: ${curve.length} points`);
    }
    assert.equal(table.schema.metadata.get("profile"), "ci");
    assert.deepEqual(JSON.parse(table.schema.metadata.get("problem")!), { kind: "synthetic", N: params.N, nu: params.nu, kappa: params.kappa });
  });
});
