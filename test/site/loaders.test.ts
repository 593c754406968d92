/**
 * The site's loader helpers (loaders/): log-spaced thinning, Arrow output, the archive writer, profiles and the
 * experiment definitions with their profile patches, and the store bookkeeping (ensure: compute once, then a
 * cheap check; prune what the definition no longer has).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import { tableFromIPC } from "apache-arrow";
import { arrowTable, bool, float64, int32, toIPC, utf8 } from "../../loaders/arrow.ts";
import { keepLogSpaced, logSpacedSteps } from "../../lib/display/logSpaced.ts";
import { currentProfile, PROFILES, storePath } from "../../loaders/profile.ts";
import { loadDefinitions, mergePatch, selectDefinitions, type Definition } from "../../loaders/definitions.ts";
import { ensureExperiments } from "../../loaders/ensure.ts";
import { zip } from "../../loaders/zip.ts";
import { expandRuns } from "../../lib/config/expand.ts";
import { parseExperiment } from "../../lib/config/schema.ts";
import { Store } from "../../lib/store/store.ts";

const projectRoot = resolve(import.meta.dirname, "..", "..");

describe("logSpacedSteps", () => {
  test("keeps 0 and the last step, at most perDecade (+1) points per decade", () => {
    for (const [last, per] of [
      [1, 10],
      [7, 100],
      [1000, 40],
      [12345, 100],
    ] as const) {
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
    assert.deepEqual(
      [...logSpacedSteps(20, 100)].sort((a, b) => a - b),
      Array.from({ length: 21 }, (_, i) => i),
    );
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
    const table = arrowTable(
      { name: utf8(["a", "b"]), x: float64([0.5, 1.5]), n: int32([1, 2]) },
      { note: "hi", obj: { k: 1 } },
    );
    const back = tableFromIPC(toIPC(table));
    assert.deepEqual(
      back.schema.fields.map((f) => `${f.name}:${f.type}`),
      ["name:Utf8", "x:Float64", "n:Int32"],
    );
    assert.deepEqual(
      back.toArray().map((r) => r.toJSON()),
      [
        { name: "a", x: 0.5, n: 1 },
        { name: "b", x: 1.5, n: 2 },
      ],
    );
    assert.equal(back.schema.metadata.get("note"), "hi");
    assert.deepEqual(JSON.parse(back.schema.metadata.get("obj")!), { k: 1 });
  });

  test("nulls stay nulls (not NaN, not 0)", () => {
    const back = tableFromIPC(
      toIPC(arrowTable({ s: utf8(["a", null]), x: float64([null, 2]), n: int32([3, null]), b: bool([true, null]) })),
    );
    assert.deepEqual(
      back.toArray().map((r) => r.toJSON()),
      [
        { s: "a", x: null, n: 3, b: true },
        { s: null, x: 2, n: null, b: null },
      ],
    );
  });

  test("rejects columns of different lengths", () => {
    assert.throws(() => arrowTable({ a: float64([1]), b: float64([1, 2]) }), RangeError);
  });
});

describe("zip archives", () => {
  test("Framework's reader (JSZip) extracts the members byte for byte", async () => {
    const fwRequire = createRequire(
      join(projectRoot, "node_modules", "@observablehq", "framework", "dist", "loader.js"),
    );
    const JSZip = fwRequire("jszip") as {
      loadAsync(data: Uint8Array): Promise<{
        file(name: string): { async(kind: "uint8array"): Promise<Uint8Array> } | null;
        files: Record<string, unknown>;
      }>;
    };
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) % 251);
    const archive = await JSZip.loadAsync(zip({ "a.arrow": bytes, "meta.json": '{"ü": 1}', "empty.txt": "" }));
    assert.deepEqual(Object.keys(archive.files), ["a.arrow", "meta.json", "empty.txt"]);
    assert.deepEqual(await archive.file("a.arrow")!.async("uint8array"), bytes);
    assert.equal(new TextDecoder().decode(await archive.file("meta.json")!.async("uint8array")), '{"ü": 1}');
    assert.equal((await archive.file("empty.txt")!.async("uint8array")).length, 0);
  });
});

describe("profiles", () => {
  test("default when unset, an error for unknown names", () => {
    assert.equal(currentProfile({}), "default");
    assert.equal(currentProfile({ POWERLAW_SGD_PROFILE: "ci" }), "ci");
    assert.throws(() => currentProfile({ POWERLAW_SGD_PROFILE: "huge" }), /must be one of ci, default, paper/);
  });

  test("each profile has its own store; POWERLAW_SGD_DB overrides it", () => {
    assert.equal(storePath("ci", {}), join(projectRoot, "data", "results-ci.duckdb"));
    assert.equal(storePath("default", {}), join(projectRoot, "data", "results-default.duckdb"));
    assert.equal(
      storePath("ci", { POWERLAW_SGD_DB: "data/results.duckdb" }),
      join(projectRoot, "data", "results.duckdb"),
    );
  });
});

describe("experiment definitions", () => {
  test("merge patches: objects merge, arrays and scalars replace, null deletes", () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3], e: 2 }, d: null }), {
      a: { b: 1, c: [3], e: 2 },
    });
    assert.deepEqual(mergePatch([1], { a: 1 }), { a: 1 });
    assert.equal(mergePatch({ a: 1 }, 5), 5);
  });

  test("every profile yields valid configs; ci patches every experiment and stays small", () => {
    const byProfile = Object.fromEntries(PROFILES.map((p) => [p, loadDefinitions(p)])) as Record<string, Definition[]>;
    const names = byProfile.default.map((d) => d.name);
    assert.ok(names.length >= 5, `definitions: ${names}`);
    for (const p of PROFILES)
      assert.deepEqual(
        byProfile[p].map((d) => d.name),
        names,
        `profile ${p} has the same experiments`,
      );
    assert.ok(
      byProfile.ci.every((d) => d.patched),
      `ci patches every definition: ${byProfile.ci.filter((d) => !d.patched).map((d) => d.name)}`,
    );
    assert.ok(
      byProfile.default.every((d) => !d.patched),
      "the committed files are the default profile",
    );
    // the ci profile's work: Σ runs × steps × N (SD) or × N² (dense regimes) stays far below the default's
    const work = (defs: Definition[]) =>
      defs.reduce(
        (sum, d) =>
          sum +
          expandRuns(d.config).reduce((s, r) => {
            const N = "N" in d.config.problem ? d.config.problem.N : 1000;
            return s + r.nSteps * (r.regime === "sd" ? N : r.regime === "full" ? N ** 3 / 50 : N * r.batchSize);
          }, 0),
        0,
      );
    const ci = work(byProfile.ci);
    const def = work(byProfile.default);
    assert.ok(ci < def / 20, `ci work ${ci.toExponential(2)} vs default ${def.toExponential(2)}`);
    assert.ok(ci < 2e10, `ci work ${ci.toExponential(2)}`);
  });

  test("selectDefinitions takes exact names and prefixes", () => {
    const defs = loadDefinitions("ci");
    assert.ok(selectDefinitions(defs, ["momentum-*"]).every((d) => d.name.startsWith("momentum-")));
    assert.equal(selectDefinitions(defs, ["*"]).length, defs.length);
    assert.deepEqual(
      selectDefinitions(defs, ["regions-synthetic"]).map((d) => d.name),
      ["regions-synthetic"],
    );
  });

  test("a bad patch is reported with the file and the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "defs-"));
    try {
      mkdirSync(join(dir, "profiles"));
      writeFileSync(
        join(dir, "x.json"),
        JSON.stringify({
          experiment: "x",
          problem: { kind: "synthetic", N: 10, nu: 1.5, kappa: 1 },
          regimes: [{ regime: "sd" }],
          sweep: { lr: [1], batch_size: [1] },
          n_steps: 10,
        }),
      );
      writeFileSync(join(dir, "profiles", "ci.json"), JSON.stringify({ x: { n_steps: 0 }, y: {} }));
      assert.throws(
        () => loadDefinitions("ci", dir),
        (e: Error) => /x\.json \(\+ profile ci\): n_steps/.test(e.message) && /no experiment named "y"/.test(e.message),
      );
      assert.equal(loadDefinitions("default", dir)[0].config.n_steps, 10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("ensureExperiments", () => {
  test("computes once, then answers from the state file; a changed definition prunes the runs it no longer has", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "ensure-"));
    const db = join(dir, "results.duckdb");
    const def = (lr: number[]): Definition => {
      const parsed = parseExperiment({
        experiment: "tiny",
        problem: { kind: "synthetic", N: 50, nu: 1.5, kappa: 1 },
        regimes: [{ regime: "sd", tau: [-1] }],
        sweep: { lr, batch_size: [5] },
        n_steps: 50,
      });
      if (!parsed.ok) throw new Error("bad test config");
      return { name: "tiny", file: "tiny.json", config: parsed.value, patched: false };
    };
    const quiet = { db, log: () => {}, progress: false };
    try {
      const [first] = await ensureExperiments([def([0.5, 1])], quiet);
      assert.equal(first.cached, false);
      assert.equal(first.computed, 2);
      const [second] = await ensureExperiments([def([0.5, 1])], quiet);
      assert.equal(second.cached, true, "second pass is a state-file check");
      const [third] = await ensureExperiments([def([1, 2])], quiet);
      assert.equal(third.computed, 1, "only the new learning rate is computed");
      assert.equal(third.pruned, 1, "the old one is pruned");
      const store = await Store.open(db, { readOnly: true });
      try {
        const rows = await store.rows("SELECT lr FROM runs ORDER BY lr");
        assert.deepEqual(
          rows.map((r) => r.lr),
          [1, 2],
        );
        const [{ n }] = await store.rows(
          "SELECT count(*)::INTEGER AS n FROM curves WHERE run_id NOT IN (SELECT run_id FROM runs)",
        );
        assert.equal(n, 0, "no orphan curve rows");
      } finally {
        await store.close();
      }
      assert.ok(JSON.parse(readFileSync(`${db}.site.json`, "utf8")).tiny.hashes.length === 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
