// docs/theory.md is the project's maths document, and code comments cite its sections as "docs/theory.md §2.3",
// "docs/theory.md §3–§7" or "docs/theory.md §1, §2.4". These tests keep the citations and the document in step:
// (1) every cited section exists as a heading, (2) no file cites the maths notes that live outside the
// repository, and (3) every repository path the document names exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOC_PATH = join(ROOT, "docs", "theory.md");
const DOC = readFileSync(DOC_PATH, "utf8");

/** Where citations may appear; generated and vendored folders are skipped. */
const SCANNED = ["lib", "loaders", "src", "test", "bench", "scripts", "docs", "README.md"];
const SKIPPED_DIRS = new Set(["node_modules", ".observablehq"]);
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|md|wat|c|h|sh|css|html)$/;

function textFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  const stat = statSync(path);
  if (stat.isFile()) return TEXT_FILE.test(path) ? [path] : [];
  return readdirSync(path)
    .filter((name) => !SKIPPED_DIRS.has(name))
    .flatMap((name) => textFiles(join(path, name)));
}

const FILES = SCANNED.flatMap((p) => textFiles(join(ROOT, p)));

/** Section numbers of the document's headings: "## 2. …" → "2", "### 2.3 …" → "2.3". */
function headingNumbers(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{2,4} +§?(\d+(?:\.\d+)*)\.? /gm)) out.add(m[1]);
  return out;
}

const NUMBER = String.raw`(\d+(?:\.\d+)*)`;
/** A citation and the sections chained after it: "–2.4" and "–§7" (ranges), ", §2.4" and " and §5" (lists). */
const CITATION = new RegExp(
  String.raw`docs/theory\.md ?§ ?${NUMBER}((?:\s*[–-]\s*§? ?\d+(?:\.\d+)*|\s*(?:,|and)\s*§ ?\d+(?:\.\d+)*)*)`,
  "g",
);

/** Every section number a text cites, with its line number. */
function citedSections(text: string): { line: number; section: string }[] {
  const out: { line: number; section: string }[] = [];
  for (const m of text.matchAll(CITATION)) {
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ line, section: m[1] });
    for (const more of m[2].matchAll(/\d+(?:\.\d+)*/g)) out.push({ line, section: more[0] });
  }
  return out;
}

test("the citation parser reads single sections, ranges and lists, and the heading parser reads ## and ###", () => {
  const cited = (s: string) => citedSections(s).map((c) => c.section);
  assert.deepEqual(cited("(docs/theory.md §2.4)."), ["2.4"]);
  assert.deepEqual(cited("docs/theory.md §2.4. Next sentence 3.5"), ["2.4"]);
  assert.deepEqual(cited("docs/theory.md §2.3–2.4, v = d"), ["2.3", "2.4"]);
  assert.deepEqual(cited("docs/theory.md §3–§7"), ["3", "7"]);
  assert.deepEqual(cited("docs/theory.md §1, §2.4): and"), ["1", "2.4"]);
  assert.deepEqual(cited('docs/theory.md §5, "fitting from data", 20 runs'), ["5"]);
  assert.deepEqual(cited("a\nb docs/theory.md §9\n"), ["9"]);
  assert.equal(citedSections("a\nb docs/theory.md §9\n")[0].line, 2);
  assert.deepEqual(
    [...headingNumbers("## 1. Setup [R]\n### 2.3 Full\n#### 2.3.1 x\n# 7 title\n## Notes\n")],
    ["1", "2.3", "2.3.1"],
  );
});

test("the document has §1–§8 with the subsections code cites, and its sections in order", () => {
  const numbers = [...DOC.matchAll(/^#{2,4} +(\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]);
  for (const s of ["1", "2", "2.1", "2.2", "2.3", "2.4", "3", "4", "5", "6", "7", "8"]) {
    assert.ok(numbers.includes(s), `docs/theory.md has no heading for §${s}`);
  }
  // "2" < "2.1" < "2.4" < "3" < "9.1" < "10": numeric, component by component, a missing component first
  const after = (a: string, b: string): boolean => {
    const [x, y] = [a.split(".").map(Number), b.split(".").map(Number)];
    for (let j = 0; j < Math.max(x.length, y.length); j++) {
      if ((x[j] ?? -1) !== (y[j] ?? -1)) return (y[j] ?? -1) > (x[j] ?? -1);
    }
    return false;
  };
  for (let i = 1; i < numbers.length; i++) {
    assert.ok(after(numbers[i - 1], numbers[i]), `§${numbers[i]} follows §${numbers[i - 1]}: headings out of order`);
  }
  assert.equal(new Set(numbers).size, numbers.length, "a section number is used twice");
});

test("every docs/theory.md citation (lib, loaders, src, test, bench, scripts, docs, README) names a heading", () => {
  const sections = headingNumbers(DOC);
  const missing: string[] = [];
  let count = 0;
  for (const file of FILES) {
    for (const { line, section } of citedSections(readFileSync(file, "utf8"))) {
      count++;
      if (!sections.has(section)) missing.push(`${relative(ROOT, file)}:${line}: §${section}`);
    }
  }
  assert.deepEqual(missing, [], `citations of sections that docs/theory.md does not have:\n${missing.join("\n")}`);
  // the scan reached the engine and this file (whose header cites three sections)
  assert.ok(
    FILES.some((f) => relative(ROOT, f) === join("lib", "theory", "atOne.ts")),
    "lib/ was not scanned",
  );
  assert.ok(count >= 3, `only ${count} citations found`);
});

test("no file cites the maths notes outside the repository (cite docs/theory.md §x instead)", () => {
  // The old notes' name, assembled so that this file does not cite them itself.
  const oldName = ["THE", "ORY"].join("");
  const oldCitation = new RegExp(String.raw`\b${oldName}\b`);
  const offenders: string[] = [];
  for (const file of FILES) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((text, i) => {
        if (oldCitation.test(text)) offenders.push(`${relative(ROOT, file)}:${i + 1}: ${text.trim().slice(0, 100)}`);
      });
  }
  assert.deepEqual(offenders, [], `replace these citations by docs/theory.md §x:\n${offenders.join("\n")}`);
});

/** Repository paths named in the text (lib/…, loaders/…, test/…, …), trailing punctuation excluded. */
function repositoryPaths(markdown: string): string[] {
  const paths = markdown.matchAll(/(?<![\w./-])((?:lib|loaders|src|test|bench|scripts|data|docs)\/[\w./-]*[\w/])/g);
  return [...new Set([...paths].map((m) => m[1]))];
}

test("every repository path docs/theory.md names exists, and every link resolves", () => {
  const missing = repositoryPaths(DOC).filter((p) => !existsSync(join(ROOT, p)));
  assert.deepEqual(missing, [], `docs/theory.md names paths that do not exist:\n${missing.join("\n")}`);
  // link definitions "[label]: target" and inline links "](target)", relative to docs/
  const targets = [
    ...[...DOC.matchAll(/^\[[^\]]+\]: +(\S+)$/gm)].map((m) => m[1]),
    ...[...DOC.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]),
  ].filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith("#"));
  const broken = targets.filter((t) => !existsSync(resolve(dirname(DOC_PATH), t.split("#")[0])));
  assert.deepEqual(broken, [], `docs/theory.md links to missing files:\n${broken.join("\n")}`);
  // a shortcut reference "[lib/x.ts]" renders as a link only when it is defined
  const defined = new Set([...DOC.matchAll(/^\[([^\]]+)\]: /gm)].map((m) => m[1].toLowerCase()));
  const used = [...DOC.matchAll(/\[((?:lib|loaders|src|test|bench|scripts|data|docs)\/[^\]]*)\](?![(:[])/g)];
  const undefinedRefs = [...new Set(used.map((m) => m[1]).filter((l) => !defined.has(l.toLowerCase())))];
  assert.deepEqual(undefinedRefs, [], `link references without a definition:\n${undefinedRefs.join("\n")}`);
});

test("the path finder excludes trailing punctuation and the reference code's paths", () => {
  assert.deepEqual(repositoryPaths("see [lib/theory/atOne.ts], lib/linalg/ and (loaders/regions.ts)."), [
    "lib/theory/atOne.ts",
    "lib/linalg/",
    "loaders/regions.ts",
  ]);
  assert.deepEqual(repositoryPaths("`datasets/get_data.py`, `training/train_full.py`, ../lib/x.ts"), []);
});
