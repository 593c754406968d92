/**
 * Build profiles (issue 5): POWERLAW_SGD_PROFILE picks the sizes every loader uses.
 *   ci       small, for CI and the browser tests (seconds)
 *   default  what `npm run build` does (a cold build in ≤ 15 min on 2 cores)
 *   paper    the paper's full sizes
 */
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
