/**
 * Build profiles (issue 5): POWERLAW_SGD_PROFILE picks the sizes every loader uses.
 *   ci       small, for CI and the browser tests (seconds)
 *   default  what `npm run build` does (a cold build in ≤ 15 min on 2 cores)
 *   paper    the paper's full sizes
 */
import { join, resolve } from "node:path";

export type Profile = "ci" | "default" | "paper";

export const PROFILES: readonly Profile[] = ["ci", "default", "paper"];

export function currentProfile(env: NodeJS.ProcessEnv = process.env): Profile {
  const value = env.POWERLAW_SGD_PROFILE?.trim() || "default";
  if (!(PROFILES as readonly string[]).includes(value)) {
    throw new RangeError(`POWERLAW_SGD_PROFILE must be one of ${PROFILES.join(", ")}; got ${JSON.stringify(value)}`);
  }
  return value as Profile;
}

/** Picks the value for the current profile. */
export function bySize<T>(values: Record<Profile, T>, profile: Profile = currentProfile()): T {
  return values[profile];
}

/**
 * Where a profile's results live: data/results-<profile>.duckdb (git-ignored), so that the CI profile never
 * mixes its small runs into the default or paper ones; POWERLAW_SGD_DB overrides it (e.g. to point the site at
 * the CLI's data/results.duckdb). Relative paths are taken from the project folder.
 */
export function storePath(profile: Profile = currentProfile(), env: NodeJS.ProcessEnv = process.env): string {
  const root = resolve(import.meta.dirname, "..");
  const given = env.POWERLAW_SGD_DB?.trim();
  return given ? resolve(root, given) : join(root, "data", `results-${profile}.duckdb`);
}
