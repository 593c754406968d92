// Tabular reader (DuckDB): CSV and Parquet written here, one-hot categoricals, per-feature standardisation,
// the shipped diamonds table, and broken inputs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { loadDiamonds, loadTabular } from "../../lib/data/tabular.ts";
import { meanStd } from "../../lib/data/dataset.ts";

let dir = "";
const csv = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tabular-test-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const rows = [
  "a,b,colour,flag,target",
  "1.0,10,red,true,3.5",
  "2.0,10,blue,false,1.0",
  "3.5,10,red,true,2.0",
  "4.0,10,green,false,8.0",
  "0.5,10,blue,true,0.5",
];

test("CSV: numeric, boolean and one-hot features standardised per feature; constant column dropped", async () => {
  const p = csv("small.csv", rows.join("\n") + "\n");
  const ds = await loadTabular({ path: p, target: "target" });
  assert.equal(ds.N, 5);
  assert.deepEqual(ds.features, ["a", "colour=blue", "colour=green", "colour=red", "flag"]);
  assert.deepEqual(ds.info.dropped, ["b"]);
  assert.deepEqual(Array.from(ds.rawTargets), [3.5, 1, 2, 8, 0.5]);
  const t = meanStd([3.5, 1, 2, 8, 0.5]);
  for (let i = 0; i < ds.N; i++) assert.ok(Math.abs(ds.y[i] - (ds.rawTargets[i] - t.mean) / t.std) < 1e-12);
  const a = meanStd([1, 2, 3.5, 4, 0.5]);
  assert.ok(Math.abs(ds.x[2 * ds.d] - (3.5 - a.mean) / a.std) < 1e-12);
  for (let k = 0; k < ds.d; k++) {
    const col = Array.from({ length: 5 }, (_, r) => ds.x[r * ds.d + k]);
    const s = meanStd(col);
    assert.ok(Math.abs(s.mean) < 1e-12 && Math.abs(s.std - 1) < 1e-12, `feature ${ds.features![k]}`);
  }
  // a subset is seeded and its statistics are its own
  const sub = await loadTabular({ path: p, target: "target", N: 3, seed: 1 });
  assert.equal(sub.N, 3);
  assert.deepEqual((await loadTabular({ path: p, target: "target", N: 3, seed: 1 })).indices, sub.indices);
});

test("Parquet written by DuckDB reads the same as the CSV", async () => {
  const p = csv("same.csv", rows.join("\n") + "\n");
  const pq = join(dir, "same.parquet");
  const inst = await DuckDBInstance.create(":memory:");
  const con = await inst.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${p}')) TO '${pq}' (FORMAT parquet)`);
  con.closeSync();
  inst.closeSync();
  const a = await loadTabular({ path: p, target: "target" });
  const b = await loadTabular({ path: pq, target: "target" });
  assert.deepEqual(b.features, a.features);
  assert.deepEqual(Array.from(b.x), Array.from(a.x));
  assert.deepEqual(Array.from(b.y), Array.from(a.y));
});

test("broken inputs: clear errors naming the file and the problem", async () => {
  await assert.rejects(
    loadTabular({ path: join(dir, "none.csv"), target: "y" }),
    /tabular: .*none\.csv: file not found/,
  );
  await assert.rejects(loadTabular({ path: csv("x.json", "{}"), target: "y" }), /x\.json: unknown file type/);
  const p = csv("ok.csv", rows.join("\n") + "\n");
  await assert.rejects(
    loadTabular({ path: p, target: "price" }),
    /ok\.csv: no target column "price" \(columns: a, b, colour, flag, target\)/,
  );
  await assert.rejects(
    loadTabular({ path: p, target: "colour" }),
    /ok\.csv: target column "colour" is not numeric \(VARCHAR\)/,
  );
  await assert.rejects(
    loadTabular({ path: p, target: "target", categorical: "error" }),
    /ok\.csv: column "colour" is categorical \(VARCHAR\)/,
  );
  await assert.rejects(loadTabular({ path: p, target: "target", N: 6 }), /N = 6 is larger than the 5 points available/);
  await assert.rejects(loadTabular({ path: p, target: "target", drop: ["zzz"] }), /cannot drop "zzz"/);
  const missing = csv("missing.csv", "a,target\n1,2\n,3\n4,5\n");
  await assert.rejects(
    loadTabular({ path: missing, target: "target" }),
    /missing\.csv: column "a" has 1 missing or non-finite value\(s\) \(first at data row 2\)/,
  );
  const mixed = csv("mixed.csv", "a,target\n1,2\n2,3\noops,5\n4,1\n");
  await assert.rejects(
    loadTabular({ path: mixed, target: "target" }),
    /mixed\.csv: column "a" mixes numbers and text .*"oops"/,
  );
  const many = csv("many.csv", "id,target\n" + Array.from({ length: 120 }, (_, i) => `id${i},${i}`).join("\n") + "\n");
  await assert.rejects(
    loadTabular({ path: many, target: "target" }),
    /many\.csv: column "id" is not numeric .* 120 distinct values/,
  );
  await assert.rejects(
    loadTabular({ path: many, target: "target", drop: ["id"], N: 5 }),
    /many\.csv: no non-constant feature column left/,
  );
  const dates = csv("dates.csv", "day,target\n2024-01-01,1\n2024-01-02,2\n2024-01-03,4\n");
  await assert.rejects(loadTabular({ path: dates, target: "target" }), /dates\.csv: column "day" has type DATE/);
  const constant = csv("const.csv", "a,target\n1,2\n2,2\n3,2\n");
  await assert.rejects(loadTabular({ path: constant, target: "target" }), /target column "target" is constant/);
});

test("diamonds (the shipped example): 53 940 rows, target price, cut/color/clarity one-hot", async () => {
  const ds = await loadDiamonds({ N: 500 });
  assert.equal(ds.name, "diamonds");
  assert.equal(ds.info.rows, 53940);
  assert.equal(ds.N, 500);
  assert.deepEqual(ds.info.categorical, ["cut", "color", "clarity"]);
  assert.ok(ds.features!.includes("carat") && ds.features!.includes("cut=Ideal") && !ds.features!.includes("price"));
  assert.equal(ds.d, ds.features!.length);
  assert.ok(ds.rawTargets.every((v) => v >= 326 && v <= 18823));
  await assert.rejects(loadDiamonds({ N: 500, categorical: "error" }), /column "cut" is categorical/);
});
