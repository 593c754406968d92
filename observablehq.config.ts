// Observable Framework configuration. The site builds with no network: scripts/framework-cache.mjs fills
// src/.observablehq/cache/_npm from node_modules before every build/preview (see that file), DuckDB-Wasm
// loads no extensions, and the default Google Fonts stylesheet is dropped.
export default {
  root: "src",
  output: "dist",
  title: "powerlaw-sgd",
  pages: [
    { name: "Overview", path: "/" },
    { name: "Theory explorer", path: "/explorer" },
  ],
  // no https://fonts.googleapis.com stylesheet (Framework's default): the site must render offline
  globalStylesheets: [],
  // Framework's default extensions (json, parquet) would be downloaded from extensions.duckdb.org
  duckdb: { extensions: { json: null, parquet: null } },
  footer: "powerlaw-sgd: mini-batch SGD with momentum on power-law problems.",
  search: false,
};
