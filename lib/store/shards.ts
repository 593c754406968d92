/**
 * Which shards of an experiment a store holds, in its meta table: key `shard:<experiment>`, value
 * {"count": n, "runs": {"<i>": planned runs of shard i}}. A shard's store (written by the runner when it runs
 * --shard i/n) names its one shard; a merged store (lib/store/merge.ts) names the shards it holds complete. The
 * merge reads them to report a shard that is missing or unfinished by its index. A store written without a shard
 * has no such key (the runner removes it: the store then holds what its last invocation planned).
 */
import { sqlString, type Store } from "./store.ts";

export interface ShardMeta {
  readonly count: number;
  /** shard index (1-based) → runs planned for it */
  readonly runs: Readonly<Record<number, number>>;
}

export const shardMetaKey = (experiment: string): string => `shard:${experiment}`;

/** Records the shard of this invocation (or removes the key when it is not sharded). */
export async function recordShard(
  store: Store,
  experiment: string,
  shard: { readonly index: number; readonly count: number } | undefined,
  planned: number,
): Promise<void> {
  await writeShardMeta(store, experiment, shard ? { count: shard.count, runs: { [shard.index]: planned } } : null);
}

/** Writes (or with null, removes) an experiment's shard record. */
export async function writeShardMeta(store: Store, experiment: string, meta: ShardMeta | null): Promise<void> {
  const key = sqlString(shardMetaKey(experiment));
  await store.run(`DELETE FROM meta WHERE key = ${key}`);
  if (meta) await store.run(`INSERT INTO meta VALUES (${key}, ${sqlString(JSON.stringify(meta))})`);
}

/** Parses a meta value; undefined when it is not a shard record. */
export function parseShardMeta(value: string): ShardMeta | undefined {
  try {
    const m = JSON.parse(value) as { count?: unknown; runs?: unknown };
    if (!Number.isInteger(m.count) || (m.count as number) < 1 || typeof m.runs !== "object" || m.runs === null)
      return undefined;
    const runs: Record<number, number> = {};
    for (const [k, v] of Object.entries(m.runs as Record<string, unknown>)) {
      const i = Number(k);
      if (!Number.isInteger(i) || i < 1 || i > (m.count as number) || !Number.isInteger(v)) return undefined;
      runs[i] = v as number;
    }
    return { count: m.count as number, runs };
  } catch {
    return undefined;
  }
}
