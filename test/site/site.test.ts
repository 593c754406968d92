/**
 * The site in a real browser (issue 5): build with the ci profile (offline-capable npm cache, loaders),
 * serve the output on 127.0.0.1, drive Debian's chromium with playwright-core, and check every page:
 * no console errors, no failed or off-host requests, charts with data marks, the SQL cell's table, the
 * explorer recomputing when a slider moves. Screenshots go to screenshots/ (git-ignored).
 * Skips, saying why, only when /usr/bin/chromium is missing (CI installs it: apt-get install -y chromium).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chromium, type Browser, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "./staticServer.ts";

const CHROMIUM = "/usr/bin/chromium";
const projectRoot = resolve(import.meta.dirname, "..", "..");
const outputDir = join(projectRoot, "build", "site-ci");
const screenshots = join(projectRoot, "screenshots");
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
if (skip) console.log(`# site tests skipped: ${skip}`);

/** A page plus everything that went wrong on it. */
interface Visit {
  readonly page: Page;
  readonly problems: string[];
}

describe("site (browser)", { skip, timeout: 170_000 }, () => {
  let server: StaticServer;
  let browser: Browser;
  const visits: Visit[] = [];

  before(async () => {
    const start = performance.now();
    const built = spawnSync(process.execPath, [join(projectRoot, "scripts", "site.mjs"), "build"], {
      cwd: projectRoot,
      env: { ...process.env, POWERLAW_SGD_PROFILE: "ci", POWERLAW_SGD_SITE_OUTPUT: outputDir },
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    if (built.status !== 0) throw new Error(`site build failed (exit ${built.status}):\n${built.stdout}\n${built.stderr}`);
    console.log(`# site build (ci profile) took ${((performance.now() - start) / 1000).toFixed(1)} s`);
    server = await serveStatic(outputDir);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    for (const { page } of visits) await page.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function visit(path: string): Promise<Visit> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    // the site must be self-contained: anything off 127.0.0.1 is blocked and reported
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || url.protocol === "blob:" || url.host === new URL(server.url).host) return route.continue();
      problems.push(`off-host request: ${url.href}`);
      return route.abort();
    });
    await page.goto(`${server.url}${path}`, { waitUntil: "load" });
    const v = { page, problems };
    visits.push(v);
    return v;
  }

  /** Number of SVG marks (paths, circles, rects…) in the given mark groups of a Plot chart. */
  async function markCount(page: Page, chart: string, mark = "line"): Promise<number> {
    return page.locator(`svg.${chart} g[aria-label="${mark}"] > *`).count();
  }

  test("overview: SD curves chart and SQL table over the same Arrow file", async () => {
    const { page, problems } = await visit("/");
    const lines = page.locator('svg.sd-curves g[aria-label="line"] > path');
    await lines.first().waitFor({ timeout: 20_000 });
    assert.equal(await lines.count(), 5, "one line per τ (−2, −1, 0, 1, 2)");
    const vertices = await lines.evaluateAll((paths) => paths.map((p) => (p.getAttribute("d") ?? "").split(/[ML]/).length - 1));
    assert.ok(vertices.every((n) => n > 50), `each curve has many points: ${vertices}`);
    // axes are labelled, and there is a colour legend
    const labels = await page.locator('svg.sd-curves g[aria-label$="-axis label"] text').allTextContents();
    assert.ok(labels.some((t) => t.includes("step")) && labels.some((t) => t.includes("loss")), `axis labels: ${labels}`);
    assert.ok((await page.locator(".sd-curves-figure .sd-curves-swatches, .sd-curves-figure [class*=swatch]").count()) > 0, "legend");
    // SQL cell: DuckDB-Wasm loads the .arrow file and returns one row per τ
    const rows = page.locator("form table tbody tr");
    await page.waitForFunction(() => document.querySelectorAll("form table tbody tr").length >= 5, null, { timeout: 60_000 });
    assert.equal(await rows.count(), 5, "SQL: one row per τ");
    await page.locator(".sql-summary").waitFor({ timeout: 10_000 });
    assert.match(await page.locator(".sql-summary").innerText(), /^5 rows from DuckDB/);
    await page.screenshot({ path: join(screenshots, "index.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test("explorer: the engine recomputes the SD curve when a slider moves", async () => {
    const { page, problems } = await visit("/explorer");
    const current = page.locator('svg.explorer-curve g[aria-label="line"] > path[stroke="steelblue"]');
    await current.first().waitFor({ timeout: 20_000 });
    assert.ok((await markCount(page, "explorer-curve")) >= 1);
    const before = await current.getAttribute("d");
    assert.ok(before && before.split("L").length > 100, "the curve has data points");
    await page.screenshot({ path: join(screenshots, "explorer.png"), fullPage: true });
    // move the α slider with the keyboard, like a user
    const alpha = page.locator("form input[type=range]").nth(3);
    const alphaBefore = await alpha.inputValue();
    await alpha.focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press("ArrowLeft");
    assert.notEqual(await alpha.inputValue(), alphaBefore, "the slider moved");
    await page.waitForFunction(
      (d) => document.querySelector('svg.explorer-curve g[aria-label="line"] > path[stroke="steelblue"]')?.getAttribute("d") !== d,
      before,
      { timeout: 10_000 },
    );
    const afterD = await current.getAttribute("d");
    assert.notEqual(afterD, before, "the drawn curve changed");
    // the previous curve is kept for comparison
    assert.equal(await page.locator('svg.explorer-curve g[aria-label="line"] > path').count(), 2);
    const ms = Number(await page.locator(".explorer-ms").innerText());
    console.log(`# explorer recompute (N = 1000, T = 10⁴): ${ms} ms`);
    await page.screenshot({ path: join(screenshots, "explorer-moved.png"), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
