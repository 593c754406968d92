/**
 * Which shard this process runs (pure: a function of the flags and an environment object). A sweep's runs are
 * split by index, run r into shard (r mod n) + 1 (lib/config/expand.ts shardRuns); the scheduler says i and n:
 *
 *   --shard i/n                        explicit; always wins
 *   --shard auto, Slurm job array      i = SLURM_ARRAY_TASK_ID + 1, n = SLURM_ARRAY_TASK_COUNT (= MAX − MIN + 1)
 *   --shard auto, Kubernetes Indexed   i = JOB_COMPLETION_INDEX + 1, n = --shards N or POWERLAW_SGD_SHARDS
 *
 * Array task ids are 0-based shard indices in both cases (submit `--array=0-(n−1)`), so that a task resubmitted
 * alone (`--array=2`, where Slurm says MIN = MAX = 2) still knows its shard when the count is given by --shards or
 * POWERLAW_SGD_SHARDS, which win over the array's own count. A missing or inconsistent environment is an error that
 * names the variable (exit 2). Shard stores get the shard in their name, in one folder (shardStorePath).
 */
import { join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

export interface Shard {
  /** 1-based */
  readonly index: number;
  readonly count: number;
}

export interface ResolvedShard extends Shard {
  /** where i and n came from */
  readonly from: "flag" | "slurm" | "kubernetes";
}

/** The environment variable that gives the shard count (a Kubernetes Job's completions; a resubmitted Slurm task). */
export const SHARDS_ENV = "POWERLAW_SGD_SHARDS";

/** Where shard stores go when --db is not given. */
export const DEFAULT_SHARD_DIR = "data/shards";

type Result = { value?: ResolvedShard; error?: string };

/** A variable's value as an integer ≥ min, or an error naming it. */
function intVar(env: Env, name: string, min: number): { value?: number; error?: string } {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return {};
  const t = raw.trim();
  if (/^\d+$/.test(t) && Number(t) >= min && Number.isSafeInteger(Number(t))) return { value: Number(t) };
  return { error: `--shard auto: ${name}=${JSON.stringify(raw)} is not an integer ≥ ${min}` };
}

/** --shard i/n (1 ≤ i ≤ n). */
export function parseShardText(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

function fromSlurm(env: Env, given: number | undefined, givenBy: string): Result {
  const id = intVar(env, "SLURM_ARRAY_TASK_ID", 0);
  const min = intVar(env, "SLURM_ARRAY_TASK_MIN", 0);
  const max = intVar(env, "SLURM_ARRAY_TASK_MAX", 0);
  const n = intVar(env, "SLURM_ARRAY_TASK_COUNT", 1);
  const step = intVar(env, "SLURM_ARRAY_TASK_STEP", 1);
  const bad = [id, min, max, n, step].find((v) => v.error);
  if (bad) return { error: bad.error };
  const task = id.value!;
  if (step.value !== undefined && step.value !== 1)
    return {
      error:
        `--shard auto: SLURM_ARRAY_TASK_STEP=${step.value}: shard arrays are contiguous and 0-based ` +
        "(submit --array=0-(n−1), without a step)",
    };
  if (given !== undefined) {
    if (task >= given)
      return {
        error:
          `--shard auto: SLURM_ARRAY_TASK_ID=${task} is not below the shard count ${given} (${givenBy}): ` +
          "task ids are 0-based shard indices",
      };
    if (max.value !== undefined && max.value >= given)
      return {
        error:
          `--shard auto: SLURM_ARRAY_TASK_MAX=${max.value} but the shard count is ${given} (${givenBy}): ` +
          `submit --array=0-${given - 1}`,
      };
    return { value: { index: task + 1, count: given, from: "slurm" } };
  }
  if (min.value === undefined && n.value === undefined)
    return {
      error:
        "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN/MAX: " +
        `give --shards N or ${SHARDS_ENV}`,
    };
  if (min.value !== undefined && min.value !== 0)
    return {
      error:
        `--shard auto: SLURM_ARRAY_TASK_MIN=${min.value}: shard arrays are 0-based (--array=0-(n−1)); ` +
        `a task resubmitted alone needs the shard count: --shards N or ${SHARDS_ENV}`,
    };
  const span = min.value !== undefined && max.value !== undefined ? max.value - min.value + 1 : undefined;
  if (span !== undefined && n.value !== undefined && span !== n.value)
    return {
      error:
        `--shard auto: SLURM_ARRAY_TASK_COUNT=${n.value} but SLURM_ARRAY_TASK_MIN..MAX = ${min.value}..${max.value} ` +
        `spans ${span} ids: a list or stepped array; submit --array=0-(n−1), or give --shards N`,
    };
  const count = n.value ?? span!;
  if (task >= count)
    return {
      error:
        `--shard auto: SLURM_ARRAY_TASK_ID=${task} is outside the array 0..${count - 1} ` +
        `(SLURM_ARRAY_TASK_COUNT=${count})`,
    };
  return { value: { index: task + 1, count, from: "slurm" } };
}

function fromKubernetes(env: Env, given: number | undefined, givenBy: string): Result {
  const idx = intVar(env, "JOB_COMPLETION_INDEX", 0);
  if (idx.error) return { error: idx.error };
  if (given === undefined)
    return {
      error:
        `--shard auto: JOB_COMPLETION_INDEX=${idx.value} gives the shard index but not the count: set ` +
        `${SHARDS_ENV} to the Job's completions, or give --shards N`,
    };
  if (idx.value! >= given)
    return {
      error: `--shard auto: JOB_COMPLETION_INDEX=${idx.value} is not below the shard count ${given} (${givenBy})`,
    };
  return { value: { index: idx.value! + 1, count: given, from: "kubernetes" } };
}

/**
 * The shard of this process from --shard (undefined | 'i/n' | 'auto'), --shards and the environment; {} when the
 * sweep is not sharded.
 */
export function resolveShard(shardFlag: string | undefined, shardsFlag: number | undefined, env: Env): Result {
  if (shardsFlag !== undefined && !(Number.isInteger(shardsFlag) && shardsFlag >= 1))
    return { error: `--shards: expected an integer ≥ 1, got ${shardsFlag}` };
  if (shardFlag === undefined)
    return shardsFlag === undefined ? {} : { error: "--shards N only applies with --shard auto" };
  if (shardFlag.trim() !== "auto") {
    const s = parseShardText(shardFlag);
    if (!s) return { error: `--shard: ${JSON.stringify(shardFlag)} is not i/n with 1 ≤ i ≤ n, or auto` };
    if (shardsFlag !== undefined && shardsFlag !== s.count)
      return { error: `--shards ${shardsFlag} disagrees with --shard ${shardFlag}` };
    return { value: { ...s, from: "flag" } };
  }
  let given = shardsFlag;
  let givenBy = "--shards";
  if (given === undefined) {
    const fromEnv = intVar(env, SHARDS_ENV, 1);
    if (fromEnv.error) return { error: fromEnv.error };
    given = fromEnv.value;
    givenBy = SHARDS_ENV;
  }
  const slurm = (env.SLURM_ARRAY_TASK_ID ?? "").trim() !== "";
  const k8s = (env.JOB_COMPLETION_INDEX ?? "").trim() !== "";
  if (slurm && k8s)
    return {
      error:
        `--shard auto: both SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID} and ` +
        `JOB_COMPLETION_INDEX=${env.JOB_COMPLETION_INDEX} are set: give --shard i/n`,
    };
  if (slurm) return fromSlurm(env, given, givenBy);
  if (k8s) return fromKubernetes(env, given, givenBy);
  return {
    error:
      "--shard auto: no shard index in the environment: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor " +
      "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; give --shard i/n",
  };
}

/** shard-003-of-016.duckdb: the index padded to the count's width (at least 3), so names sort by index. */
export function shardStoreName(shard: Shard): string {
  const w = Math.max(3, String(shard.count).length);
  return `shard-${String(shard.index).padStart(w, "0")}-of-${String(shard.count).padStart(w, "0")}.duckdb`;
}

/**
 * A shard's store: --db as given when it names a file; DIR/shard-….duckdb when --db is a folder (ends with '/', or
 * `isDirectory` says so); data/shards/shard-….duckdb when --db is not given. The shards of a sweep thus share one
 * folder, and with it one problem cache (<folder>/problems).
 */
export function shardStorePath(db: string | undefined, shard: Shard, isDirectory: (p: string) => boolean): string {
  if (db === undefined) return join(DEFAULT_SHARD_DIR, shardStoreName(shard));
  if (db.endsWith("/") || isDirectory(db)) return join(db, shardStoreName(shard));
  return db;
}
