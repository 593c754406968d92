// Observable Framework configuration. The site builds with no network: scripts/framework-cache.mjs fills
// src/.observablehq/cache/_npm from node_modules before every build/preview (see that file), DuckDB-Wasm
// loads no extensions, and the default Google Fonts stylesheet is dropped.
export default {
  root: "src",
  // the browser tests build into a scratch folder (POWERLAW_SGD_SITE_OUTPUT) so they never replace dist/
  output: process.env.POWERLAW_SGD_SITE_OUTPUT || "dist",
  title: "powerlaw-sgd",
  // links end in .html (regimes.html, not regimes): any static server serves dist/ as the README says
  // (`python3 -m http.server -d dist`); the preview redirects /regimes to /regimes.html
  preserveExtension: true,
  pages: [
    { name: "Overview", path: "/" },
    { name: "Regime comparison", path: "/regimes" },
    { name: "Convergence regions", path: "/regions" },
    { name: "Negative momentum", path: "/momentum" },
    { name: "Budget independence", path: "/budget" },
    { name: "Phases & asymptotics", path: "/phases" },
    { name: "Theory explorer", path: "/explorer" },
    { name: "SQL", path: "/sql" },
    // live mode (issue 6): the sweep in progress, from src/live/runs.json
    { name: "Runs", path: "/runs" },
  ],
  // no https://fonts.googleapis.com stylesheet (Framework's default): the site must render offline
  globalStylesheets: [],
  // no favicon request (a static host would answer 404)
  head: '<link rel="icon" href="data:,">',
  // Framework's default extensions (json, parquet) would be downloaded from extensions.duckdb.org
  duckdb: { extensions: { json: null, parquet: null } },
  footer: "powerlaw-sgd: mini-batch SGD with momentum on power-law problems.",
  search: false,
};
