// A researcher's own scripts run unchanged: the flag lines of the reference's run_*.sh scripts and every flag of
// its train_*.py argparse blocks, with `python train_X.py` replaced by the matching command and sizes made small
// (N ≤ 100, n_steps ≤ 50, hidden ≤ 64), go through main() with exit 0; the stored runs carry the reference's
// parameters, and the flags that mean something else here say so on stderr. Also: the reference's conventions
// reach the engines (--conventions reference, --lr_scale X), and a float32 kernel PyTorch computed (asymmetric by
// a few ulps) is accepted while a truly non-symmetric one is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../lib/cli/main.ts";
import { Store } from "../../lib/store/store.ts";
import { Rng } from "../../lib/random/rng.ts";
import { writeNpy } from "../../lib/io/npy.ts";
import { loadProblem } from "../../lib/prepare/problem.ts";
import { parseExperiment } from "../../lib/config/schema.ts";
import { linearized } from "../../lib/regimes/linearized.ts";
import { fromPytorchMomentum, jacobiSchedule, powerSchedule } from "../../lib/schedule/index.ts";
import { spectralDiagonal } from "../../lib/regimes/spectralDiagonal.ts";

const maxRel = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));

const dir = mkdtempSync(join(tmpdir(), "reference-"));
const fixtures = new URL("../io/fixtures/", import.meta.url).pathname;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function rows(db: string, sql: string): Promise<Record<string, unknown>[]> {
  const s = await Store.open(db, { readOnly: true });
  try {
    return await s.rows(sql);
  } finally {
    await s.close();
  }
}

/** Runs a command in the temporary folder's terms: exit 0 expected, the notes returned. */
async function ok(...argv: string[]): Promise<string> {
  const r = await cli(...argv, "--quiet");
  assert.equal(r.code, 0, `${argv.join(" ")}\n${r.err}`);
  return r.err;
}

const RUNS = "SELECT regime, tau, lr, momentum, batch_size, schedule, replicate, optimizer, n_steps, dataset, N";

/** The reference's data folder: sgemm_product and Bike-Sharing tables with their real columns, CIFAR-10 batches. */
const dataRoot = join(dir, "data");
{
  const rng = new Rng(5);
  const pick = (xs: number[]) => xs[rng.int(xs.length)];
  const sgemm = [
    "MWG,NWG,KWG,MDIMC,NDIMC,MDIMA,NDIMB,KWI,VWM,VWN,STRM,STRN,SA,SB,Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)",
  ];
  for (let i = 0; i < 160; i++) {
    const x = [
      pick([16, 32, 64, 128]),
      pick([16, 32, 64, 128]),
      pick([16, 32]),
      pick([8, 16, 32]),
      pick([8, 16, 32]),
      pick([8, 16, 32]),
      pick([8, 16, 32]),
      pick([2, 8]),
      pick([1, 2, 4, 8]),
      pick([1, 2, 4, 8]),
      pick([0, 1]),
      pick([0, 1]),
      pick([0, 1]),
      pick([0, 1]),
    ];
    const base = x.reduce((a, b) => a + b, 0) * 0.7 + 50 * rng.uniform();
    sgemm.push([...x, ...[0, 1, 2, 3].map(() => (base * (1 + 0.01 * rng.uniform())).toFixed(2))].join(","));
  }
  mkdirSync(join(dataRoot, "sgemm_product"), { recursive: true });
  writeFileSync(join(dataRoot, "sgemm_product", "sgemm_product.csv"), `${sgemm.join("\n")}\n`);
  const bike = [
    "instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit," +
      "temp,atemp,hum,windspeed,casual,registered,cnt",
  ];
  for (let i = 0; i < 120; i++) {
    const casual = rng.int(50);
    const registered = rng.int(300);
    bike.push(
      [i + 1, `2011-01-${String(1 + (i % 28)).padStart(2, "0")}`, 1 + rng.int(4), rng.int(2), 1 + rng.int(12), i % 24]
        .concat([rng.int(2), rng.int(7), rng.int(2), 1 + rng.int(3)])
        .concat([rng.uniform(), rng.uniform(), rng.uniform(), rng.uniform()].map((v) => v.toFixed(4)) as never[])
        .concat([casual, registered, casual + registered])
        .join(","),
    );
  }
  mkdirSync(join(dataRoot, "Bike-Sharing"), { recursive: true });
  writeFileSync(join(dataRoot, "Bike-Sharing", "hour.csv"), `${bike.join("\n")}\n`);
  // CIFAR-10 binary: 1 label byte + 3072 pixel bytes a record
  const cifar = Buffer.alloc(200 * 3073);
  for (let r = 0; r < 200; r++) {
    cifar[r * 3073] = r % 10;
    for (let p = 1; p < 3073; p++) cifar[r * 3073 + p] = rng.int(256);
  }
  mkdirSync(join(dataRoot, "cifar-10-batches-bin"), { recursive: true });
  writeFileSync(join(dataRoot, "cifar-10-batches-bin", "data_batch_1.bin"), cifar);
}

/** A float32 Gram matrix computed the way a GPU/BLAS does: (i, j) and (j, i) summed in different orders. */
function float32Gram(N: number, d: number, seed: number): Float32Array {
  const x = new Rng(seed).normals(N * d).map(Math.fround);
  const K = new Float32Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let q = 0; q < d; q++) {
        const k = i <= j ? q : d - 1 - q;
        s = Math.fround(s + Math.fround(x[i * d + k] * x[j * d + k]));
      }
      K[i * N + j] = s;
    }
  return K;
}

test("run_train_sd.sh: sd on the synthetic problem, results in --save_dir", async () => {
  const save = join(dir, "output/spectral_diagonal/loss_optimum_beta/N=100/synthetic/nu=1.5/kappa=4.0");
  // python train_spectral_diagonal.py \ (the lines of run_train_sd.sh, N=10000 → 100, "# set" filled in)
  const notes = await ok(
    ...["sd", "--dataset", "synthetic", "--N", "100", "--nu", "1.5", "--kappa", "4.0"],
    ...["--sched", "constant", "--lr", "0.5", "1.0", "--momentum", "0.0", "-0.3"],
    ...["--n_steps", "50", "--batch_size", "10", "--aggr_type", "prod", "--save_dir", save],
  );
  assert.match(notes, new RegExp(`note: --save_dir ${save}: results go to ${save}/results.duckdb`));
  const db = join(save, "results.duckdb");
  const r = await rows(db, `${RUNS}, status FROM runs ORDER BY lr, momentum`);
  assert.deepEqual(
    r.map((x) => [x.regime, x.tau, x.lr, x.momentum, x.batch_size, x.schedule, x.n_steps, x.dataset, x.N]),
    [
      ["sd", 1, 0.5, -0.3, 10, "constant", 50, "synthetic", 100],
      ["sd", 1, 0.5, 0, 10, "constant", 50, "synthetic", 100],
      ["sd", 1, 1, -0.3, 10, "constant", 50, "synthetic", 100],
      ["sd", 1, 1, 0, 10, "constant", 50, "synthetic", 100],
    ],
  );
  const [p] = await rows(db, "SELECT nu, kappa, lambda_min FROM problems");
  assert.deepEqual([p.nu, p.kappa, p.lambda_min], [1.5, 4, 0]);
});

test(
  "run_train_full.sh and run_train_linearized.sh: " + "--dataset mnist is the analytic NTK problem of an MNIST subset",
  async () => {
    for (const script of ["full", "linearized"]) {
      const save = join(dir, `output/${script}//N=1000/mnist`);
      // python train_full.py / train_linearized.py \ (N, nu, kappa, lr, momentum, n_steps, batch_size filled in)
      const notes = await ok(
        ...[script, "--dataset", "mnist", "--N", "64", "--nu", "1.5", "--kappa", "1.0"],
        ...["--sched", "constant", "--lr", "1.0", "--momentum", "0.0", "-0.3"],
        ...["--n_steps", "30", "--batch_size", "8", "--aggr_type", "prod", "--save_dir", save],
      );
      assert.match(
        notes,
        /note: --nu 1\.5, --kappa 1: ignored \(--dataset mnist: ν and κ come from its kernel's spectrum\)/,
      );
      const db = join(save, "results.duckdb");
      const r = await rows(db, `${RUNS}, status FROM runs ORDER BY momentum`);
      assert.deepEqual(
        r.map((x) => [x.regime, x.lr, x.momentum, x.batch_size, x.dataset, x.N, x.status]),
        [
          [script, 1, -0.3, 8, "mnist", 64, "done"],
          [script, 1, 0, 8, "mnist", 64, "done"],
        ],
      );
      const [p] = await rows(
        db,
        "SELECT kind, dataset, N, spec->>'$.ntk' AS ntk, spec->>'$.data_seed' AS s FROM problems",
      );
      assert.deepEqual([p.kind, p.dataset, p.N, p.ntk, Number(p.s)], ["dataset", "mnist", 64, "analytic", 42]);
      // the reference's residual is the standardised target: L(0) = ½·mean(y²) ≈ ½ (a stratified subset of
      // globally standardised digits)
      const [{ loss }] = await rows(db, "SELECT min(loss) AS loss FROM curves WHERE step = 0");
      assert.ok(Math.abs(Number(loss) - 0.5) < 0.1, `L(0) = ${loss}`);
    }
  },
);

test(
  "run_train_nn.sh: nn with --lr_scale 0.85 (a number), " + "--val_frequency and the --nu --kappa it passes",
  async () => {
    const save = join(dir, "output/mlp_nn/compare_4_regimes/N=100/mnist/lr=1.2/batch_size=1 10 100");
    // python train_nn.py \ (N=10000 → 100, n_steps 10000 → 20; --hidden_dim 32 added: the default is 1000)
    const notes = await ok(
      ...["nn", "--dataset", "mnist", "--N", "100", "--nu", "1.5", "--kappa", "3.0"],
      ...["--sched", "constant", "--lr", "1.2", "--momentum", "0.0", "--lr_scale", "0.85"],
      ...["--n_steps", "20", "--batch_size", "1", "10", "100", "--aggr_type", "prod", "--val_frequency", "100"],
      ...["--save_dir", save, "--hidden_dim", "32"],
    );
    assert.match(notes, /note: --nu 1\.5, --kappa 3: ignored/);
    assert.match(notes, /note: --val_frequency 100: ignored/);
    const r = await rows(
      join(save, "results.duckdb"),
      `${RUNS}, lr_scale, lr_scale_applied, hidden_dim, status FROM runs ORDER BY batch_size`,
    );
    assert.deepEqual(
      r.map((x) => [x.regime, x.lr, x.momentum, x.batch_size, x.N, x.lr_scale, x.lr_scale_applied, x.hidden_dim]),
      [
        ["nn", 1.2, 0, 1, 100, 0.85, true, 32],
        ["nn", 1.2, 0, 10, 100, 0.85, true, 32],
        ["nn", 1.2, 0, 100, 100, 0.85, true, 32],
      ],
    );
  },
);

test("run_train_4_regimes.sh: compare on sgemm_product (the mean of its four run times) from --data_root", async () => {
  const save = join(dir, "output/compare_4_regimes_serial/N=100/sgemm_product/lr=1.1/momentum=0.0");
  // python train_4_regimes_serial.py \ (N 3000 → 100, runs 100 → 2, n_steps 100 → 20; --data_root and
  // --hidden_dim added: the script reads ./data and builds H = 1000)
  const notes = await ok(
    ...["compare", "--dataset", "sgemm_product", "--N", "100", "--nn_runs", "2", "--linearized_runs", "2"],
    ...["--lr", "1.1", "--momentum", "0.0", "--n_steps", "20", "--batch_size", "10", "100", "--aggr_type", "zip"],
    ...["--save_dir", save, "--data_root", dataRoot, "--hidden_dim", "32"],
  );
  assert.match(notes, /note: --save_dir/);
  const db = join(save, "results.duckdb");
  const r = await rows(db, "SELECT regime, batch_size, count(*)::INTEGER AS n FROM runs GROUP BY ALL ORDER BY ALL");
  assert.deepEqual(
    r.map((x) => [x.regime, x.batch_size, x.n]),
    [
      ["full", 10, 1],
      ["full", 100, 1],
      ["linearized", 10, 2],
      ["linearized", 100, 2],
      ["nn", 10, 2],
      ["nn", 100, 2],
      ["sd", 10, 2],
      ["sd", 100, 2],
    ],
  );
  const [p] = await rows(
    db,
    "SELECT dataset, N, spec->>'$.target' AS target, spec->>'$.data_seed' AS s, spec->>'$.path' AS path FROM problems",
  );
  assert.deepEqual(
    [p.dataset, p.N, JSON.parse(String(p.target)), Number(p.s), p.path],
    [
      "tabular",
      100,
      ["Run1 (ms)", "Run2 (ms)", "Run3 (ms)", "Run4 (ms)"],
      42,
      join(dataRoot, "sgemm_product/sgemm_product.csv"),
    ],
  );
});

test("train_spectral_diagonal.py: every flag (and --from_saved --data_path with a torch.save file)", async () => {
  const save = join(dir, "sd-all");
  const notes = await ok(
    ...["sd", "--tau", "1.0", "--dataset", "mnist", "--N", "64", "--nu", "1.0", "--kappa", "1.0"],
    ...["--sched", "jacobi", "--lr", "0.5", "--momentum", "0.0", "--a", "1.0", "--b", "0.5"],
    ...["--n_steps", "30", "--batch_size", "8", "--workers", "2", "--track_diag_err", "--track_freq", "10"],
    ...["--aggr_type", "prod", "--save_dir", save],
  );
  assert.match(notes, /note: --workers 2: 2 worker threads/);
  const db = join(save, "results.duckdb");
  const [run] = await rows(db, "SELECT schedule, sched_a, sched_b, jacobi_indexing, track_every, tau FROM runs");
  assert.deepEqual(
    [run.schedule, run.sched_a, run.sched_b, run.jacobi_indexing, run.track_every, run.tau],
    ["jacobi", 1, 0.5, "exact", 10, 1],
  );
  const [{ modes }] = await rows(db, "SELECT count(DISTINCT step)::INTEGER AS modes FROM modes");
  assert.equal(modes, 4); // steps 0, 10, 20, 30
  // --from_saved --data_path: the reference's {'NTK_train_train': K, 'target_train_train': d} saved by torch.save
  const savedNotes = await ok(
    ...["sd", "--from_saved", "--data_path", join(fixtures, "saved.pth"), "--N", "1000", "--lr", "0.5"],
    ...["--n_steps", "20", "--batch_size", "2", "--save_dir", join(dir, "sd-saved")],
  );
  assert.match(savedNotes, /note: --N 1000: ignored \(the saved kernel defines the problem\)/);
  const [p] = await rows(join(dir, "sd-saved", "results.duckdb"), "SELECT kind, N, kernel, normalize FROM problems");
  assert.deepEqual(
    [p.kind, p.N, p.kernel, p.normalize],
    ["kernel", 4, `${join(fixtures, "saved.pth")}:NTK_train_train`, "reference"],
  );
});

test(
  "train_full.py: every flag; --lambda_min is the reference's lift; " + "--from_saved --ntk_model reads NT_kernels/",
  async () => {
    const save = join(dir, "full-all");
    await ok(
      ...["full", "--dataset", "synthetic", "--data_root", "./data", "--N", "50", "--nu", "1.5", "--kappa", "1.0"],
      ...["--lambda_min", "0.1", "--sched", "constant", "--lr", "1.0", "--momentum", "0.0", "--a", "1.0", "--b", "1.0"],
      ...["--n_steps", "20", "--batch_size", "5", "--workers", "1", "--aggr_type", "zip", "--save_dir", save],
    );
    const db = join(save, "results.duckdb");
    const [p] = await rows(db, "SELECT problem, lambda_min FROM problems");
    assert.equal(p.lambda_min, 0.1);
    const spectrum = await rows(db, 'SELECT k, "lambda" FROM spectra ORDER BY k');
    for (const { k, lambda } of spectrum) {
      const want = 0.1 + 0.9 * Number(k) ** -1.5; // generate_synthetic_data: lambda_min + (1 - lambda_min) * k ** (-nu)
      assert.ok(Math.abs(Number(lambda) - want) < 1e-14, `λ_${k} = ${lambda}, want ${want}`);
    }
    // the saved-kernel layout of train_full.py: {data_root}/NT_kernels/{ntk_model}_{dataset}_label.npy
    const root = join(dir, "saved-root");
    mkdirSync(join(root, "NT_kernels"), { recursive: true });
    mkdirSync(join(root, "NT_errors"), { recursive: true });
    writeNpy(join(root, "NT_kernels", "mlp_mnist_label.npy"), float32Gram(30, 20, 1), [30, 30], "f4");
    writeNpy(join(root, "NT_errors", "mlp_mnist_label.npy"), new Rng(2).normals(30), [30], "f4");
    const notes = await ok(
      ...["full", "--dataset", "mnist", "--from_saved", "--ntk_model", "mlp", "--data_root", root, "--lr", "1.0"],
      ...["--n_steps", "20", "--batch_size", "5", "--save_dir", join(dir, "full-saved")],
    );
    assert.match(notes, /note: --from_saved --ntk_model mlp: kernel .*NT_kernels\/mlp_mnist_label\.npy/);
    const [q] = await rows(join(dir, "full-saved", "results.duckdb"), "SELECT kind, N, dataset FROM problems");
    assert.deepEqual([q.kind, q.N, q.dataset], ["kernel", 30, "mlp_mnist_label"]);
  },
);

test("train_linearized.py: every flag, Adam with --b1 --b2 on a CIFAR-10 NTK; --from_saved with an .npz", async () => {
  const save = join(dir, "linearized-all");
  await ok(
    ...["linearized", "--dataset", "cifar10", "--data_root", dataRoot, "--N", "40", "--nu", "1.0", "--kappa", "1.0"],
    ...["--opt", "adam", "--b1", "0.8", "--b2", "0.99", "--sched", "constant", "--lr", "0.01", "--momentum", "0.0"],
    ...["--a", "1.0", "--b", "1.0", "--n_steps", "20", "--batch_size", "4", "--workers", "1"],
    ...["--track_diag_err", "--track_freq", "5", "--aggr_type", "prod", "--save_dir", save],
  );
  const db = join(save, "results.duckdb");
  const [run] = await rows(db, `${RUNS}, status FROM runs`);
  assert.deepEqual(
    [run.regime, run.optimizer, run.dataset, run.N, run.status],
    ["linearized", "adam", "cifar10", 40, "done"],
  );
  const [e] = await rows(db, "SELECT config->>'$.regimes[0].adam' AS adam FROM experiments");
  assert.deepEqual(JSON.parse(String(e.adam)), { beta1: 0.8, beta2: 0.99, eps: 1e-8 });
  await ok(
    ...["linearized", "--from_saved", "--data_path", join(fixtures, "saved.npz"), "--lr", "0.5", "--n_steps", "10"],
    ...["--batch_size", "2", "--db", join(dir, "linearized-saved.duckdb")],
  );
});

test("train_nn.py: every flag (--data-root for MNIST is a note, --model mlp, --opt sgd, --verbose, …)", async () => {
  const save = join(dir, "nn-all");
  const notes = await ok(
    ...["nn", "--data-root", "./data", "--dataset", "mnist", "--model", "mlp", "--hidden_dim", "32", "--opt", "sgd"],
    ...["--sched", "constant", "--lr", "0.5", "--momentum", "0.0", "--n_steps", "20", "--batch_size", "10"],
    ...["--N", "64", "--lr_scale", "0.85", "--verbose", "--log_frequency", "1", "--val_frequency", "1"],
    ...["--aggr_type", "prod", "--save_dir", save],
  );
  for (const re of [
    /note: --data_root \.\/data: not read for --dataset mnist/,
    /note: --verbose/,
    /note: --log_frequency 1/,
  ])
    assert.match(notes, re);
  assert.ok(existsSync(join(save, "results.duckdb")));
  const bad = await cli("nn", "--model", "resnet18", "--db", join(dir, "never.duckdb"));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--model: only the two-layer ReLU network \(mlp\) exists here/);
});

test("train_4_regimes.py and train_4_regimes_serial.py: every flag; --seed picks the data subset", async () => {
  const save = join(dir, "compare-all");
  await ok(
    ...["compare", "--dataset", "mnist", "--data_root", "./data", "--N", "64", "--hidden_dim", "32", "--lr", "0.5"],
    ...["--momentum", "0.0", "--n_steps", "20", "--batch_size", "8", "--workers", "2", "--seed", "7"],
    ...["--aggr_type", "prod", "--save_dir", save],
  );
  const db = join(save, "results.duckdb");
  const [p] = await rows(db, "SELECT spec->>'$.data_seed' AS data_seed, seed FROM problems");
  assert.deepEqual([Number(p.data_seed), p.seed], [7, 0]); // the subset's seed; the network's is --init_seed
  const regimes = await rows(db, "SELECT DISTINCT regime FROM runs ORDER BY regime");
  assert.deepEqual(
    regimes.map((x) => x.regime),
    ["full", "linearized", "nn", "sd"],
  );
  const serial = join(dir, "compare-serial");
  await ok(
    ...["compare", "--dataset", "bike_sharing", "--data_root", dataRoot, "--N", "100", "--hidden_dim", "32"],
    ...["--lr", "0.5", "--momentum", "0.0", "--n_steps", "20", "--batch_size", "10", "--workers", "2", "--seed", "42"],
    ...["--tau", "-2", "-1", "0", "1", "2", "--nn_runs", "2", "--linearized_runs", "2", "--aggr_type", "prod"],
    ...["--save_dir", serial, "--conventions", "reference"],
  );
  // the reference's serial script trains the network at α itself (no lr_scale)
  const nn = await rows(
    join(serial, "results.duckdb"),
    "SELECT DISTINCT lr_scale_applied FROM runs WHERE regime = 'nn'",
  );
  assert.deepEqual(
    nn.map((x) => x.lr_scale_applied),
    [false],
  );
  const taus = await rows(join(serial, "results.duckdb"), "SELECT tau FROM runs WHERE regime = 'sd' ORDER BY tau");
  assert.deepEqual(
    taus.map((x) => x.tau),
    [-2, -1, 0, 1, 2],
  );
  const [q] = await rows(
    join(serial, "results.duckdb"),
    "SELECT spec->>'$.target' AS t, spec->>'$.drop' AS d FROM problems",
  );
  assert.deepEqual([q.t, JSON.parse(String(q.d))], ["cnt", ["instant", "dteday", "casual", "registered"]]);
});

test(
  "the reference's conventions reach the engines: " + "--conventions reference (linearized, Jacobi) and --lr_scale X",
  async () => {
    const db = join(dir, "conventions.duckdb");
    const common = [
      "--N",
      "60",
      "--nu",
      "1.3",
      "--kappa",
      "0.5",
      "--sched",
      "jacobi",
      "--lr",
      "0.4",
      "--a",
      "1",
      "--b",
      "0.5",
    ];
    const args = [...common, "--n_steps", "40", "--batch_size", "6", "--db", db];
    await ok("linearized", ...args, "--experiment", "project");
    await ok("linearized", ...args, "--experiment", "reference", "--conventions", "reference");
    const curve = async (name: string) =>
      (
        await rows(
          db,
          `SELECT c.loss FROM curves c JOIN runs r USING (run_id) WHERE r.experiment = '${name}' ORDER BY c.step`,
        )
      ).map((x) => Number(x.loss));
    const [project, reference] = [await curve("project"), await curve("reference")];
    const [{ idx }] = await rows(
      db,
      "SELECT list(DISTINCT jacobi_indexing) AS idx FROM runs WHERE experiment = 'reference'",
    );
    assert.deepEqual(Array.from(idx as string[]), ["reference"]);
    // the same run computed here: PyTorch's momentum form, the one-late Jacobi coefficients
    const cfg = parseExperiment({
      experiment: "x",
      problem: { kind: "synthetic", N: 60, nu: 1.3, kappa: 0.5 },
      regimes: [{ regime: "linearized" }],
      sweep: { lr: [0.4], batch_size: [6], schedule: { kind: "jacobi", a: [1], b: [0.5] } },
      n_steps: 40,
    });
    assert.ok(cfg.ok);
    const problem = loadProblem(cfg.value.problem, { dense: true, seed: 0 }).dense!;
    const direct = [
      ...linearized(problem, {
        schedule: jacobiSchedule({ lr: 0.4, a: 1, b: 0.5, indexing: "reference" }),
        batchSize: 6,
        nSteps: 40,
        momentumConvention: "pytorch",
      }),
    ].map((r) => r.loss);
    assert.deepEqual(reference, direct);
    assert.notDeepEqual(project, reference);
    // --momentum_convention pytorch on sd: the schedule's β is PyTorch's, converted for the classic SD equations
    const sdArgs = ["--N", "60", "--nu", "1.3", "--kappa", "0.5", "--sched", "power", "--p", "0.8", "--n0", "4"];
    const sd = [...sdArgs, "--lr", "0.6", "--momentum", "0.7", "--n_steps", "40", "--batch_size", "6", "--db", db];
    await ok("sd", ...sd, "--experiment", "sd-classic");
    await ok("sd", ...sd, "--experiment", "sd-pytorch", "--momentum_convention", "pytorch");
    const schedule = powerSchedule({ lr: 0.6, p: 0.8, n0: 4, momentum: 0.7 });
    const spectrum = loadProblem({ ...cfg.value.problem }, { dense: false, seed: 0 }).spectrum;
    const sdDirect = [
      ...spectralDiagonal(spectrum, { schedule: fromPytorchMomentum(schedule), batchSize: 6, nSteps: 40, tau: 1 }),
    ].map((r) => r.loss);
    const sdTorch = await curve("sd-pytorch");
    assert.ok(maxRel(sdTorch, sdDirect) <= 1e-12, `sd pytorch convention vs direct: ${maxRel(sdTorch, sdDirect)}`);
    assert.ok(maxRel(await curve("sd-classic"), sdDirect) > 1e-3);
    // --lr_scale X: the network trained with X = the computed N/λ_max(K_emp) is the default run, bit for bit
    const nnDb = join(dir, "lr-scale.duckdb");
    const nn = [
      "nn",
      "--N",
      "40",
      "--hidden_dim",
      "16",
      "--lr",
      "0.5",
      "--n_steps",
      "15",
      "--batch_size",
      "4",
      "--db",
      nnDb,
    ];
    await ok(...nn, "--experiment", "apply");
    const [{ s }] = await rows(nnDb, "SELECT lr_scale AS s FROM runs");
    await ok(...nn, "--experiment", "given", "--lr_scale", String(s));
    await ok(...nn, "--experiment", "none", "--lr_scale", "none");
    const nnCurve = async (name: string) =>
      (
        await rows(
          nnDb,
          `SELECT c.loss FROM curves c JOIN runs r USING (run_id) WHERE r.experiment = '${name}' ORDER BY c.step`,
        )
      ).map((x) => Number(x.loss));
    assert.deepEqual(await nnCurve("given"), await nnCurve("apply"));
    assert.notDeepEqual(await nnCurve("none"), await nnCurve("apply"));
  },
);

test(
  "a float32 kernel computed in float32 (asymmetric by ulps) is accepted and symmetrised; " +
    "a non-symmetric one is not",
  async () => {
    const N = 40;
    const K = float32Gram(N, 30, 9);
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < N * N; i++) scale = Math.max(scale, Math.abs(K[i]));
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) worst = Math.max(worst, Math.abs(K[i * N + j] - K[j * N + i]));
    assert.ok(worst / scale > 1e-8 && worst / scale < 1e-5, `float32 round-off asymmetry ${worst / scale}`);
    const kernel = join(dir, "K32.npy");
    const residual = join(dir, "r.npy");
    writeNpy(kernel, K, [N, N], "f4");
    writeNpy(residual, new Rng(3).normals(N), [N]);
    const args = ["--residual", residual, "--lr", "0.5", "--n_steps", "10", "--batch_size", "4"];
    await ok("linearized", "--kernel", kernel, ...args, "--db", join(dir, "k32.duckdb"));
    // the same numbers written as float64 are held to float64's √ε
    const k64 = join(dir, "K64.npy");
    writeNpy(k64, K, [N, N], "f8");
    const r64 = await cli("linearized", "--kernel", k64, ...args, "--db", join(dir, "never.duckdb"));
    assert.equal(r64.code, 2);
    assert.match(
      r64.err,
      /kernel is not symmetric: .* > 1\.5e-8, √ε of the file's float64; a kernel computed in float32/,
    );
    // a truly non-symmetric float32 kernel
    const A = Float32Array.from(K);
    A[1] += 1e-2 * scale;
    const bad = join(dir, "Kbad.npy");
    writeNpy(bad, A, [N, N], "f4");
    const r = await cli("linearized", "--kernel", bad, ...args, "--db", join(dir, "never.duckdb"));
    assert.equal(r.code, 2);
    assert.match(r.err, /kernel is not symmetric: K\[0\]\[1\].*> 3\.5e-4, √ε of the file's float32/);
    assert.equal(existsSync(join(dir, "never.duckdb")), false);
  },
);
