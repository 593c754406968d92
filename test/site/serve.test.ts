/**
 * The README's way of serving the site works (issue 11): the command line is read from README.md and run as it
 * stands (`python3 -m http.server -d dist PORT`, only the port replaced by a free one) in a folder whose `dist` is
 * the ci build; then Debian's chromium opens the overview and visits every page by clicking the sidebar's links,
 * asserting no response ≥ 400, no console error, the page's URL ending in .html and its content rendered (its
 * title, and a chart, table, form or note in main). The overview's headline figure has its marks: a dot per
 * measured exponent and per α_crit bracket, the diagonals and the bars.
 * Skips, saying why, when /usr/bin/chromium or python3 is missing.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildSiteCi, projectRoot } from "./build.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const skip = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`
  : !hasPython
    ? "python3 is missing: the README serves the site with python3 -m http.server"
    : false;
if (skip) console.log(`# serve test skipped: ${skip}`);

/** The README's serve command, as words; its last word is the port. */
function readmeServeCommand(): string[] {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const m = /`(python3 -m http\.server[^`]*)`/.exec(readme);
  assert.ok(m, "README.md shows a `python3 -m http.server …` command");
  const words = m[1].trim().split(/\s+/);
  assert.match(words[words.length - 1], /^\d+$/, `the command ends with a port: ${m[1]}`);
  assert.ok(words.join(" ").includes("-d dist"), `the command serves dist/: ${m[1]}`);
  return words;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

describe("site served as the README says (browser)", { skip, timeout: 300_000 }, () => {
  let server: ChildProcess;
  let serverLog = "";
  let browser: Browser;
  let url = "";

  before(async () => {
    const output = await buildSiteCi();
    const words = readmeServeCommand();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const cwd = mkdtempSync(join(tmpdir(), "serve-"));
    symlinkSync(output, join(cwd, "dist"));
    const [cmd, ...args] = [...words.slice(0, -1), String(port)];
    console.log(`# serving: ${[cmd, ...args].join(" ")} (README: ${words.join(" ")})`);
    server = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    server.stdout!.on("data", (d) => (serverLog += d));
    server.stderr!.on("data", (d) => (serverLog += d));
    for (let i = 0; ; i++) {
      const ok = await fetch(`${url}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (server.exitCode !== null || i > 100) throw new Error(`the server did not start:\n${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
  });

  /** Everything that goes wrong on the page from now on. */
  function watch(page: Page): string[] {
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on("requestfailed", (r) => {
      if (!r.url().startsWith("blob:"))
        problems.push(`request failed on ${page.url()}: ${r.url()} (${r.failure()?.errorText})`);
    });
    return problems;
  }

  /** The page's title is shown and main has rendered something beyond text (or the live page's note). */
  async function rendered(page: Page, name: string): Promise<void> {
    await page.locator("main h1").first().waitFor({ timeout: 20_000 });
    await page
      .locator("main svg, main table, main form, main .live-note, main .live-header, main textarea")
      .first()
      .waitFor({ state: "attached", timeout: 30_000 })
      .catch(() => assert.fail(`${name}: nothing rendered in main`));
    // leave only once every cell has its value (Framework's <observablehq-loading> placeholders are gone: the SQL
    // page's first query has run, so DuckDB's wasm is loaded) and the page's requests are done: a click
    // mid-download aborts it
    await page
      .waitForFunction(() => document.querySelectorAll("main observablehq-loading").length === 0, null, {
        timeout: 90_000,
      })
      .catch(() => assert.fail(`${name}: cells still pending after 90 s`));
    await page
      .waitForLoadState("networkidle", { timeout: 60_000 })
      .catch(() => assert.fail(`${name}: requests still in flight after 60 s`));
    assert.equal(await page.locator("main .observablehq--error").count(), 0, `${name}: a cell failed`);
  }

  test("every page through the sidebar's links: no 404, content rendered; the overview's headline figure", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.route("**/*", (route) => {
      const u = new URL(route.request().url());
      if (u.protocol === "data:" || u.protocol === "blob:" || u.host === new URL(url).host) return route.continue();
      problems.push(`off-host request: ${u.href}`);
      return route.abort();
    });
    const first = await page.goto(`${url}/`, { waitUntil: "load" });
    assert.equal(first?.status(), 200);
    await rendered(page, "overview");

    // the headline figure: a dot per measured exponent / α_crit bracket, a bar each, and the diagonals
    for (const [chart, label] of [
      ["overview-headline-exponents", "exponents"],
      ["overview-headline-alpha", "α_crit"],
    ]) {
      const svg = page.locator(`svg.${chart}`).first();
      await svg.waitFor({ timeout: 20_000 });
      const dots = await svg.locator('g[aria-label="dot"] circle').count();
      const bars = await svg.locator('g[aria-label="rule"] line').count();
      const lines = await svg.locator('g[aria-label="line"] path').count();
      assert.ok(dots >= 5, `${label}: ${dots} dots`);
      assert.equal(bars, dots, `${label}: a bar per dot`);
      assert.equal(lines, 1, `${label}: the diagonal`);
    }
    const legend = await page.locator("figure:has(svg.overview-headline-exponents)").first().innerText();
    assert.match(legend, /SD τ = -1/);

    const links = page.locator("#observablehq-sidebar a[href]");
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")!));
    const names = await links.allTextContents();
    const pages = hrefs.map((href, i) => ({ href, name: names[i].trim() })).filter((p) => !/^https?:/.test(p.href));
    assert.ok(pages.length >= 9, `sidebar links: ${hrefs.join(", ")}`);
    const visited: string[] = [];
    for (const { href, name } of pages) {
      const link = page.locator(`#observablehq-sidebar a[href="${href}"]`).first();
      const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), link.click()]);
      assert.equal(response?.status(), 200, `${name} (${href}): HTTP ${response?.status()}`);
      const path = new URL(page.url()).pathname;
      assert.ok(path === "/" || path.endsWith(".html"), `${name}: ${path}`);
      await rendered(page, name);
      visited.push(path);
    }
    console.log(`# visited ${visited.join(" ")}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
