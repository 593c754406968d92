// Everything a results store holds, keyed by run identity (run ids differ between stores), for tests that compare
// a merged store with the same sweep run in one process: runs, curves and modes bit for bit, problems, spectra.
import { Store } from "../../lib/store/store.ts";

export async function storeContents(db: string) {
  const s = await Store.open(db, { readOnly: true });
  try {
    const q = (sql: string) => s.rows(sql);
    return {
      runs: await q(
        "SELECT experiment, config_hash, code_version, problem, regime, tau, lr, momentum, replicate, status, " +
          "diverged_at, steps, final_loss FROM runs ORDER BY experiment, config_hash",
      ),
      curves: await q(
        "SELECT r.experiment, r.config_hash, c.step, c.loss FROM curves c JOIN runs r USING (run_id) ORDER BY ALL",
      ),
      modes: await q("SELECT r.config_hash, m.step, m.k, m.c FROM modes m JOIN runs r USING (run_id) ORDER BY ALL"),
      problems: await q("SELECT problem, kind, N, nu, kappa, loss0 FROM problems ORDER BY problem"),
      spectra: await q('SELECT problem, k, "lambda", c FROM spectra ORDER BY ALL'),
      experiments: await q("SELECT experiment, n_runs, code_version FROM experiments ORDER BY experiment"),
      ids: await q("SELECT run_id, config_hash FROM runs ORDER BY run_id"),
    };
  } finally {
    await s.close();
  }
}

/** The tables that must be equal between a merged store and a one-process one. */
export const COMPARED = ["runs", "curves", "modes", "problems", "spectra", "experiments"] as const;
