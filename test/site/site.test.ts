/**
 * The site in a real browser (issue 5): build with the ci profile (offline-capable npm cache, loaders running the
 * ci-sized experiments), serve the output on 127.0.0.1, drive Debian's chromium with playwright-core, and check
 * every page: no console errors, no failed or off-host requests, the expected charts with data marks, every Input
 * changing what is drawn, the SQL page's row count for a known query, the explorer recomputing when a slider
 * moves. Screenshots go to screenshots/ (git-ignored): look at them.
 * Skips, saying why, only when /usr/bin/chromium is missing (CI installs it: apt-get install -y chromium).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { serveStatic, type StaticServer } from "./staticServer.ts";
import { buildSiteCi } from "./build.ts";

const CHROMIUM = "/usr/bin/chromium";
const projectRoot = resolve(import.meta.dirname, "..", "..");
let outputDir = "";
const screenshots = join(projectRoot, "screenshots");
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the browser tests`;
if (skip) console.log(`# site tests skipped: ${skip}`);

/** The pages of the site and the largest payload any of them may load (issue 5: ~10 MB, DuckDB-Wasm aside). */
const PAGES = ["/", "/regimes", "/regions", "/momentum", "/budget", "/phases", "/explorer", "/sql"];
const MAX_PAGE_DATA = 10 << 20;

/** A page plus everything that went wrong on it, and the bytes of data files it fetched. */
interface Visit {
  readonly page: Page;
  readonly problems: string[];
  readonly dataBytes: Map<string, number>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)],
  );
}

describe("site (browser)", { skip, timeout: 300_000 }, () => {
  let server: StaticServer;
  let browser: Browser;
  const visits: Visit[] = [];

  before(async () => {
    outputDir = await buildSiteCi(); // shared with test/site/serve.test.ts
    server = await serveStatic(outputDir);
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
    mkdirSync(screenshots, { recursive: true });
  });

  after(async () => {
    for (const { page } of visits) await page.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  async function visit(path: string): Promise<Visit> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const dataBytes = new Map<string, number>();
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => {
      // a download link's blob: or an aborted prefetch of a page we leave is not a failure of the site
      if (!r.url().startsWith("blob:")) problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
    });
    page.on("response", async (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
      if (/\/_file\//.test(r.url())) dataBytes.set(r.url(), Number(r.headers()["content-length"] ?? 0));
    });
    // the site must be self-contained: anything off 127.0.0.1 is blocked and reported
    await page.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === "data:" || url.protocol === "blob:" || url.host === new URL(server.url).host)
        return route.continue();
      problems.push(`off-host request: ${url.href}`);
      return route.abort();
    });
    await page.goto(`${server.url}${path}`, { waitUntil: "load" });
    const v = { page, problems, dataBytes };
    visits.push(v);
    return v;
  }

  /** The SVG of a Plot chart (by the className given to Plot.plot). */
  const chart = (page: Page, name: string) => page.locator(`svg.${name}`).first();

  /** Waits for a chart and returns the number of data marks (the shapes in its mark groups, in every facet). */
  async function marks(page: Page, name: string, mark?: string): Promise<number> {
    await chart(page, name).waitFor({ timeout: 30_000 });
    const groups = mark
      ? `g[aria-label="${mark}"]`
      : 'g[aria-label]:not([aria-label$="axis"]):not([aria-label$="tick"]):not([aria-label$="tick label"])' +
        ':not([aria-label$="label"]):not([aria-label$="grid"]):not([aria-label="frame"]):not([aria-label="facet"])';
    return page.locator(`svg.${name} ${groups} *:not(g):not(title)`).count();
  }

  /** A chart's drawing, to compare before and after an Input changes. */
  async function drawing(page: Page, name: string): Promise<string> {
    return (await page.locator(`svg.${name}`).evaluateAll((svgs) => svgs.map((s) => s.innerHTML).join("\n"))) ?? "";
  }

  /** Changes an Input (found by its label) with `act`, then waits until the chart's drawing changes. */
  async function changes(
    page: Page,
    label: string | RegExp,
    act: (form: Locator) => Promise<void>,
    charts: string[],
  ): Promise<void> {
    const form = page
      .locator("form")
      .filter({ has: page.locator("label", { hasText: label }) })
      .first();
    await form.waitFor({ timeout: 10_000 });
    const before = await Promise.all(charts.map((c) => drawing(page, c)));
    await act(form);
    await page
      .waitForFunction(
        ([names, prev]) =>
          (names as string[]).some(
            (n, i) =>
              [...document.querySelectorAll(`svg.${n}`)].map((s) => s.innerHTML).join("\n") !== (prev as string[])[i],
          ),
        [charts, before] as const,
        { timeout: 15_000 },
      )
      .catch(() => assert.fail(`changing "${label}" did not change ${charts.join(", ")}`));
  }

  const pickRadio = (value: string) => async (form: Locator) =>
    form.locator("label", { hasText: value }).locator("input").first().check();
  const otherRadio = async (form: Locator) => {
    const inputs = form.locator("input[type=radio]");
    const n = await inputs.count();
    for (let i = 0; i < n; i++) if (!(await inputs.nth(i).isChecked())) return inputs.nth(i).check();
    assert.fail("no other option");
  };
  const toggleFirstCheckbox = async (form: Locator) => form.locator("input[type=checkbox]").first().click();
  const otherSelect = async (form: Locator) => {
    const select = form.locator("select");
    const values = await select.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const current = await select.inputValue();
    const next = values.find((v) => v !== current);
    if (next === undefined) assert.fail("only one option");
    await select.selectOption(next);
  };
  async function optionCount(page: Page, label: string): Promise<number> {
    const form = page
      .locator("form")
      .filter({ has: page.locator("label", { hasText: label }) })
      .first();
    return form.locator("option, input[type=radio]").count();
  }

  async function finish(v: Visit, name: string): Promise<void> {
    await v.page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
    const total = [...v.dataBytes.values()].reduce((a, b) => a + b, 0);
    assert.ok(total < MAX_PAGE_DATA, `${name}: ${total} bytes of data`);
    assert.deepEqual(v.problems, []);
  }

  test("overview: headline tables with rows, links to every page", async () => {
    const v = await visit("/");
    const { page } = v;
    for (const table of ["overview-datasets", "overview-exponents", "overview-alpha"]) {
      await page.locator(`.${table} table tbody tr`).first().waitFor({ timeout: 20_000 });
      assert.ok((await page.locator(`.${table} table tbody tr`).count()) >= 1, table);
    }
    const text = await page.locator(".overview-datasets").innerText();
    assert.match(text, /synthetic ν=1\.5 κ=1/);
    assert.match(await page.locator("main").innerText(), /prediction falls inside the observed bracket/);
    for (const p of PAGES.slice(1))
      assert.ok((await page.locator(`a.overview-link[href="./${p.slice(1)}.html"]`).count()) === 1, `link to ${p}`);
    await finish(v, "index");
  });

  test(
    "regimes: curves of every regime with a band and the asymptote; spectrum panels; " + "every Input redraws",
    async () => {
      const v = await visit("/regimes");
      const { page } = v;
      // the synthetic problem has exact exponents, hence an asymptote in every profile
      const dataSet = page
        .locator("form")
        .filter({ has: page.locator("label", { hasText: "data set" }) })
        .locator("select");
      await dataSet.waitFor({ timeout: 20_000 });
      const labels0 = await dataSet.locator("option").allTextContents();
      assert.ok(
        labels0.some((l) => l.startsWith("mnist")) && labels0.some((l) => l.startsWith("diamonds")),
        `data sets: ${labels0}`,
      );
      await dataSet.selectOption({ label: labels0.find((l) => l.startsWith("synthetic"))! });
      await page.waitForFunction(
        () =>
          document
            .querySelector("svg.regimes-curves")
            ?.closest(".card")
            ?.querySelector("h2")
            ?.textContent?.includes("synthetic"),
        null,
        { timeout: 10_000 },
      );
      assert.ok((await marks(page, "regimes-curves", "line")) >= 5, "linearized, full, SD τ=±1 and an asymptote");
      assert.ok((await marks(page, "regimes-curves", "area")) >= 1, "the replicate band");
      assert.ok((await marks(page, "regimes-lambda", "line")) >= 2, "spectrum and its fit");
      assert.ok((await marks(page, "regimes-tail", "line")) >= 2, "tail and its fit");
      const legend = await page.locator(".regimes-curves-figure, figure:has(svg.regimes-curves)").first().innerText();
      assert.match(legend, /linearized/);
      assert.match(legend, /theory τ = -1/);
      const labels = await page.locator('svg.regimes-curves g[aria-label$="-axis label"] text').allTextContents();
      assert.ok(
        labels.some((t) => t.includes("step")) && labels.some((t) => t.includes("loss")),
        `axis labels: ${labels}`,
      );
      await page.screenshot({ path: join(screenshots, "regimes-initial.png"), fullPage: true });
      await changes(page, "batch size b", otherRadio, ["regimes-curves"]);
      await changes(page, "learning rate α", pickRadio("0.5"), ["regimes-curves"]);
      await changes(page, "momentum β", otherRadio, ["regimes-curves"]);
      await changes(page, "regimes", toggleFirstCheckbox, ["regimes-curves"]);
      await changes(page, "axes", toggleFirstCheckbox, ["regimes-curves"]);
      await page.screenshot({ path: join(screenshots, "regimes-changed.png"), fullPage: true });
      await changes(
        page,
        "data set",
        async () => void (await dataSet.selectOption({ label: labels0.find((l) => l.startsWith("mnist"))! })),
        ["regimes-curves", "regimes-lambda"],
      );
      assert.ok((await marks(page, "regimes-curves", "line")) >= 4, "network, linearized, full, SD τ=±1");
      assert.match(await page.locator("figure:has(svg.regimes-curves)").first().innerText(), /network/);
      await finish(v, "regimes");
    },
  );

  test(
    "regions: the (α, β) grid per batch size with diverged cells and the theory's curves; " + "every Input redraws",
    async () => {
      const v = await visit("/regions");
      const { page } = v;
      const rects = await marks(page, "regions-grid", "rect");
      assert.ok(rects >= 100, `grid cells: ${rects}`);
      assert.ok((await marks(page, "regions-grid", "dot")) >= 10, "diverged cells and observed boundary");
      assert.ok((await marks(page, "regions-grid", "line")) >= 6, "α_crit, edge and asymptote curves");
      assert.ok((await marks(page, "regions-compare", "dot")) >= 5, "observed vs predicted");
      const facets = await page.locator('svg.regions-grid g[aria-label="fx-axis tick label"] text').allTextContents();
      assert.deepEqual(facets, ["b = 1", "b = 10"]);
      await changes(page, "runs", toggleFirstCheckbox, ["regions-grid"]);
      await changes(page, "overlays", toggleFirstCheckbox, ["regions-grid"]);
      await changes(page, "colour", otherRadio, ["regions-grid"]);
      if ((await optionCount(page, "experiment")) > 1) await changes(page, "experiment", otherSelect, ["regions-grid"]);
      await finish(v, "regions");
    },
  );

  test("momentum: 2-D optimum, L(β) profiles, both conditions mapped; every Input redraws", async () => {
    const v = await visit("/momentum");
    const { page } = v;
    assert.ok((await marks(page, "momentum-grid", "rect")) >= 30);
    assert.ok(
      (await page.locator('svg.momentum-grid g[aria-label="dot"] path').count()) >= 2,
      "the best cell of each batch size",
    );
    assert.ok((await marks(page, "momentum-profiles", "line")) >= 3, "one L(β) line per problem");
    assert.ok((await marks(page, "momentum-conditions", "rect")) >= 1000, "the (ν, κ) map");
    assert.ok((await marks(page, "momentum-conditions", "dot")) >= 4, "the experiments placed");
    if ((await optionCount(page, "problem")) > 1) await changes(page, "problem", otherSelect, ["momentum-grid"]);
    await changes(page, "batch size b", otherRadio, ["momentum-profiles"]);
    await changes(page, "divide by L at β = 0", async (f) => f.locator("input[type=checkbox]").click(), [
      "momentum-profiles",
    ]);
    await changes(page, "show", otherRadio, ["momentum-conditions"]);
    await finish(v, "momentum");
  });

  test("budget: L/L(0) against t·b for every b, and the α_eff collapse; every Input redraws", async () => {
    const v = await visit("/budget");
    const { page } = v;
    assert.ok((await marks(page, "budget-batch", "line")) >= 3);
    assert.ok((await marks(page, "budget-momentum", "line")) >= 5);
    await changes(page, "batch sizes", toggleFirstCheckbox, ["budget-batch"]);
    await changes(page, "x axis", otherRadio, ["budget-batch"]);
    await changes(page, "α_eff", otherRadio, ["budget-momentum"]);
    await finish(v, "budget");
  });

  test(
    "phases: every experiment on the phase diagram, measured vs predicted exponents, the transition; " +
      "every Input redraws",
    async () => {
      const v = await visit("/phases");
      const { page } = v;
      assert.ok((await marks(page, "phases-diagram", "dot")) >= 4, "problems placed");
      assert.ok((await marks(page, "phases-exponents", "dot")) >= 5, "measured exponents");
      assert.ok((await marks(page, "phases-transition", "line")) >= 2, "curve and both laws");
      await changes(
        page,
        "ζ axis up to",
        async (f) => {
          const number = f.locator("input[type=number]");
          await number.fill("5");
          await number.press("Enter");
        },
        ["phases-diagram"],
      );
      await changes(page, "regimes", toggleFirstCheckbox, ["phases-exponents"]);
      if ((await optionCount(page, "problem")) > 1) await changes(page, "problem", otherSelect, ["phases-transition"]);
      await finish(v, "phases");
    },
  );

  test("explorer: the engine recomputes the SD curve and the theory when a slider moves", async () => {
    const v = await visit("/explorer");
    const { page } = v;
    const current = page.locator('svg.explorer-curve g[aria-label="line"] > path[stroke="steelblue"]');
    await current.first().waitFor({ timeout: 20_000 });
    const before = await current.getAttribute("d");
    assert.ok(before && before.split("L").length > 100, "the curve has data points");
    assert.ok((await marks(page, "explorer-curve", "line")) >= 2, "curve and asymptotes");
    assert.ok((await marks(page, "explorer-crit", "line")) >= 2, "α_crit(β) and the edge");
    const u1Before = await page.locator(".explorer-u1").innerText();
    await page.screenshot({ path: join(screenshots, "explorer.png"), fullPage: true });
    // move the α slider with the keyboard, like a user
    const alpha = page.locator("form input[type=range]").nth(3);
    const alphaBefore = await alpha.inputValue();
    await alpha.focus();
    for (let i = 0; i < 6; i++) await page.keyboard.press("ArrowLeft");
    assert.notEqual(await alpha.inputValue(), alphaBefore, "the slider moved");
    await page.waitForFunction(
      (d) =>
        document
          .querySelector('svg.explorer-curve g[aria-label="line"] > path[stroke="steelblue"]')
          ?.getAttribute("d") !== d,
      before,
      { timeout: 10_000 },
    );
    assert.notEqual(await current.getAttribute("d"), before, "the drawn curve changed");
    assert.notEqual(await page.locator(".explorer-u1").innerText(), u1Before, "Ũ(1) was recomputed");
    // the previous curve is kept for comparison
    assert.equal(await page.locator('svg.explorer-curve g[aria-label="line"] > path[stroke="#aaa"]').count(), 1);
    const ms = Number(await page.locator(".explorer-ms").innerText());
    console.log(`# explorer recompute (N = 1000, T = 10⁴, engine + theory): ${ms} ms`);
    assert.ok(ms < 1000, `recompute took ${ms} ms`);
    await finish(v, "explorer-moved");
  });

  test("sql: a known query returns the right row count; table, quick chart and CSV download", async () => {
    // the expected count, from the very Arrow file the page loads
    const runsFile = filesUnder(join(outputDir, "_file", "data", "sql")).find((f) => /runs\.[0-9a-f]+\.arrow$/.test(f));
    assert.ok(runsFile, "runs.arrow was built");
    const runs = tableFromIPC(readFileSync(runsFile));
    const expected = runs.toArray().filter((r) => r.regime === "sd" && r.batch_size === 10).length;
    assert.ok(expected > 10);
    const v = await visit("/sql");
    const { page } = v;
    await page.locator(".sql-count").waitFor({ timeout: 60_000 });
    assert.ok((await marks(page, "sql-chart")) >= 1, "the first example is charted");
    const textarea = page.locator("form textarea");
    await textarea.fill("SELECT run_id, lr, momentum, final_loss FROM runs WHERE regime = 'sd' AND batch_size = 10");
    await page.locator("form button", { hasText: "Run query" }).click();
    await page
      .waitForFunction(
        (n) => document.querySelector(".sql-count")?.textContent?.startsWith(`${n.toLocaleString("en-US")} rows`),
        expected,
        { timeout: 30_000 },
      )
      .catch(async () =>
        assert.fail(`expected ${expected} rows, the page says: ${await page.locator(".sql-result").innerText()}`),
      );
    assert.ok((await page.locator(".sql-result table tbody tr").count()) >= 10);
    assert.match((await page.locator("a.sql-download").getAttribute("href")) ?? "", /^blob:/);
    assert.ok((await marks(page, "sql-chart", "dot")) >= 10, "quick chart of the result");
    // a bad query shows its error instead of breaking the page
    await textarea.fill("SELECT nope FROM runs");
    await page.locator("form button", { hasText: "Run query" }).click();
    await page.locator(".sql-error").waitFor({ timeout: 10_000 });
    await textarea.fill("SELECT lr, count(*) AS n FROM runs GROUP BY lr ORDER BY lr");
    await page.locator("form button", { hasText: "Run query" }).click();
    await page.waitForFunction(() => !document.querySelector(".sql-error"), null, { timeout: 10_000 });
    await changes(page, "mark", otherRadio, ["sql-chart"]);
    await finish(v, "sql");
  });
});
