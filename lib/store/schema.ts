/**
 * The SQL schema of the results store (DuckDB). Column lists are data so that the DDL, the appenders and
 * the migrations (new columns are added at the end of a table with ALTER TABLE) stay in step.
 * Integers that users filter on are INTEGER (32-bit), so JSON output carries them as numbers.
 */
export interface Column {
  readonly name: string;
  readonly type: "INTEGER" | "DOUBLE" | "VARCHAR" | "TIMESTAMP" | "JSON" | "BOOLEAN";
  readonly doc: string;
}

export interface Table {
  readonly name: string;
  readonly doc: string;
  readonly columns: readonly Column[];
}

export const SCHEMA_VERSION = 1;

export const RUN_STATUSES = ["running", "done", "diverged", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const REGIMES = ["nn", "linearized", "full", "sd"] as const;

const c = (name: string, type: Column["type"], doc: string): Column => ({ name, type, doc });

export const TABLES: readonly Table[] = [
  {
    name: "meta",
    doc: "key/value facts about the file (schema_version)",
    columns: [c("key", "VARCHAR", "name"), c("value", "VARCHAR", "value")],
  },
  {
    name: "experiments",
    doc: "one row per experiment name: its latest config",
    columns: [
      c("experiment", "VARCHAR", "experiment name (runs.experiment)"),
      c("description", "VARCHAR", "free text from the config"),
      c("config", "JSON", "the validated config, defaults filled in"),
      c("code_version", "VARCHAR", "package version + digest of the engine sources at the last invocation"),
      c("n_runs", "INTEGER", "runs in the expansion at the last invocation"),
      c("created_at", "TIMESTAMP", "first invocation (UTC)"),
      c("updated_at", "TIMESTAMP", "last invocation (UTC)"),
    ],
  },
  {
    name: "problems",
    doc:
      "one row per distinct problem " +
      "(synthetic parameters, kernel/residual file contents, or a data set + initial network)",
    columns: [
      c("problem", "VARCHAR", "problem id: digest of its definition (and of the files' bytes)"),
      c("kind", "VARCHAR", "'synthetic' | 'kernel' | 'dataset' (a network's NTK on a data set)"),
      c(
        "dataset",
        "VARCHAR",
        "'synthetic', the kernel file's name, or the data set ('mnist', 'cifar10', 'tabular', 'diamonds', 'gaussian')",
      ),
      c("N", "INTEGER", "number of points = modes"),
      c("nu", "DOUBLE", "ν (synthetic; fitted for dataset problems) else NULL"),
      c("kappa", "DOUBLE", "κ (synthetic; fitted for dataset problems) else NULL"),
      c("lambda_min", "DOUBLE", "synthetic: λ_min of λ_k = λ_min + (1 − λ_min)·k^(−ν) (the floor, if any, is in spec)"),
      c(
        "seed",
        "INTEGER",
        "seed of the Haar eigenvectors (synthetic) or of the initial network (dataset, empirical NTK)",
      ),
      c("zeta", "DOUBLE", "ζ = κ/ν (synthetic; fitted for dataset problems) else NULL"),
      c(
        "kernel",
        "VARCHAR",
        "kernel .npy path as given " +
          "(dataset problems: the cached K̂, rescaled so that λ_1 = 1, in <db folder>/problems/<problem>/khat.npy)",
      ),
      c("residual", "VARCHAR", "residual .npy path as given (dataset problems: the cached network residual d_0)"),
      c("normalize", "VARCHAR", "'reference' | 'none' (kernel problems; 'none' for dataset problems)"),
      c("loss0", "DOUBLE", "initial loss L(0) = Σ C_k(0)/(2N)"),
      c(
        "spec",
        "JSON",
        "the problem's config " +
          "(dataset problems: also d, hidden_dim, ntk, λ_max(K), lr_scale, the fits and their windows)",
      ),
      c("created_at", "TIMESTAMP", "when first stored"),
    ],
  },
  {
    name: "spectra",
    doc: "eigenvalues and initial eigencomponents of each problem, k = 1..N (descending λ)",
    columns: [
      c("problem", "VARCHAR", "problems.problem"),
      c("k", "INTEGER", "mode index, 1-based"),
      c("lambda", "DOUBLE", "λ_k of K̂ = K/N (λ_1 = 1 after normalisation)"),
      c("c", "DOUBLE", "C_k(0) = (u_kᵀ d_0)²"),
    ],
  },
  {
    name: "runs",
    doc: "one row per run",
    columns: [
      c("run_id", "INTEGER", "run id, unique within the file"),
      c("experiment", "VARCHAR", "experiments.experiment"),
      c("problem", "VARCHAR", "problems.problem"),
      c(
        "config_hash",
        "VARCHAR",
        "digest of everything that defines the run (problem, regime, hyper-parameters, n_steps, record, seed, …)",
      ),
      c("code_version", "VARCHAR", "package version + digest of the engine sources"),
      c("regime", "VARCHAR", "'sd' | 'full' | 'linearized' | 'nn'"),
      c("tau", "DOUBLE", "τ (SD) else NULL"),
      c("lr", "DOUBLE", "learning rate α (the base lr for jacobi/power schedules)"),
      c("momentum", "DOUBLE", "momentum β (NULL for jacobi: β_n varies)"),
      c("batch_size", "INTEGER", "batch size b"),
      c("schedule", "VARCHAR", "'constant' | 'jacobi' | 'power'"),
      c("sched_a", "DOUBLE", "jacobi a"),
      c("sched_b", "DOUBLE", "jacobi b"),
      c("sched_p", "DOUBLE", "power-law exponent p"),
      c("sched_n0", "DOUBLE", "power-law time scale n0"),
      c("jacobi_indexing", "VARCHAR", "'exact' | 'reference'"),
      c("optimizer", "VARCHAR", "'sgd' | 'adam' (linearized) else NULL"),
      c("n_steps", "INTEGER", "steps requested"),
      c("replicate", "INTEGER", "replicate index r (linearized), else 0"),
      c(
        "seed",
        "INTEGER",
        "experiment seed (linearized and nn replicate r draw their batches from generator seed seed·2²¹ + r)",
      ),
      c("dataset", "VARCHAR", "problems.dataset"),
      c("N", "INTEGER", "problem size"),
      c("gamma", "DOUBLE", "batch noise factor γ = (N − b)/((N − 1)b)"),
      c("record", "VARCHAR", "record mode: 'all' | 'every:K' | 'log:K'"),
      c("track_every", "INTEGER", "per-mode errors every k steps into modes (0 = off)"),
      c("divergence_factor", "DOUBLE", "divergence bound as a multiple of L(0)"),
      c("status", "VARCHAR", "'running' | 'done' | 'diverged' | 'failed'"),
      c("diverged_at", "INTEGER", "first step with a non-finite loss or one above the bound (diverged runs)"),
      c("steps", "INTEGER", "steps taken"),
      c("final_loss", "DOUBLE", "loss at the last step taken"),
      c("error", "VARCHAR", "error message (failed runs)"),
      c(
        "backend",
        "VARCHAR",
        "what computed it: 'native' | 'wasm' | 'ts' (the kernels of sd, full and the linearized gather; " +
          "older stores: 'js'); nn: '<method>-f64:<native|wasm|ts>' with method gram | sparse | forward " +
          "(float64 engine, its full-train-loss method and kernels) or 'tfjs-tensorflow' | 'tfjs-wasm' | 'tfjs-cpu' " +
          "(TensorFlow.js float32, the backend actually used)",
      ),
      c("started_at", "TIMESTAMP", "UTC"),
      c("finished_at", "TIMESTAMP", "UTC"),
      c("duration_ms", "DOUBLE", "wall time of the run in its worker"),
      c(
        "lr_scale",
        "DOUBLE",
        "nn: N/λ_max(K_emp) of the initial network (applied or not), or the lr_scale given; NULL for the other regimes",
      ),
      c(
        "lr_scale_applied",
        "BOOLEAN",
        "nn: whether the network's learning rate was α·lr_scale (true) or α " +
          "(false, the reference's four-regime script); NULL for the other regimes",
      ),
      c(
        "hidden_dim",
        "INTEGER",
        "hidden width H of the network: nn runs, " +
          "and sd/full/linearized runs on its empirical NTK (dataset problems); NULL otherwise",
      ),
    ],
  },
  {
    name: "curves",
    doc: "loss curves: the recorded steps of each run (step 0 = initial loss; first and last always)",
    columns: [
      c("run_id", "INTEGER", "runs.run_id"),
      c("step", "INTEGER", "step t (0 = before the first update)"),
      c("loss", "DOUBLE", "L(t) = ‖d_t‖²/(2N) (expected loss for sd/full)"),
    ],
  },
  {
    name: "modes",
    doc: "per-mode errors C_k(t) at tracked steps (--track_diag_err)",
    columns: [
      c("run_id", "INTEGER", "runs.run_id"),
      c("step", "INTEGER", "step t"),
      c("k", "INTEGER", "mode index, 1-based"),
      c("c", "DOUBLE", "C_k(t)"),
    ],
  },
];

export function table(name: string): Table {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`no table ${name}`);
  return t;
}

export function createTableSql(t: Table): string {
  return `CREATE TABLE IF NOT EXISTS ${t.name} (${t.columns.map((col) => `"${col.name}" ${col.type}`).join(", ")})`;
}

/** Markdown documentation of the schema (for the README). */
export function schemaMarkdown(): string {
  return TABLES.filter((t) => t.name !== "meta")
    .map((t) => {
      const rows = t.columns.map((col) => `| \`${col.name}\` | ${col.type} | ${col.doc.replace(/\|/g, "\\|")} |`);
      return `### \`${t.name}\`\n${t.doc}.\n\n| column | type | meaning |\n| --- | --- | --- |\n${rows.join("\n")}\n`;
    })
    .join("\n");
}
