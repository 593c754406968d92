/**
 * Opening a store for reading (`query`, `export`): the file itself when no process writes it; while a sweep
 * writes it, a snapshot the sweep copies on request between two commits (lib/store/snapshot.ts), which holds
 * every run committed before the request. Waits at most waitS seconds for one, then fails naming the file.
 */
import { Store, StoreError } from "./store.ts";
import { DEFAULT_WAIT_S, snapshotReader } from "./snapshot.ts";

export interface ReadHandle {
  readonly store: Store;
  /** when the snapshot read was taken (ms since the epoch); null: the file itself */
  readonly snapshotAt: number | null;
}

/** How often the file itself is tried again while waiting for a snapshot (the sweep may end meanwhile). */
const DIRECT_EVERY_MS = 250;
const POLL_MS = 25;

export async function openForReading(db: string, options: { waitS?: number } = {}): Promise<ReadHandle> {
  const waitS = options.waitS ?? DEFAULT_WAIT_S;
  const giveUpAt = Date.now() + waitS * 1000;
  let asked: number | null = null;
  let directAt = 0;
  for (;;) {
    if (Date.now() >= directAt) {
      try {
        const store = await Store.open(db, { readOnly: true });
        snapshotReader.clearStale(db);
        return { store, snapshotAt: null };
      } catch (e) {
        if (!(e instanceof StoreError) || e.kind !== "locked") throw e;
      }
      directAt = Date.now() + DIRECT_EVERY_MS;
      asked ??= snapshotReader.request(db);
    }
    const snap = asked === null ? null : snapshotReader.ready(db, asked);
    if (snap) {
      try {
        const store = await Store.open(snap.file, { readOnly: true });
        // deleted while DuckDB opened it (the writer keeps two copies): the WAL may not have been read
        if (snapshotReader.intact(snap.file, snap.wal)) return { store, snapshotAt: snap.takenAt };
        await store.close();
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
      }
    }
    if (Date.now() >= giveUpAt)
      throw new StoreError(
        `${db} is in use by another process and no snapshot of it came within ${waitS} s (a sweep serves one ` +
          "within seconds; another program holding the file does not): wait for it to finish, or raise --wait",
        "locked",
      );
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
