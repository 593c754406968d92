/**
 * The site's experiment definitions: every data/experiments/*.json (except the JSON Schema) is an experiment
 * config that `npx powerlaw-sgd run FILE` also accepts; as committed it is the **default** profile. A profile
 * other than default patches it with data/experiments/profiles/<profile>.json: an object whose keys are
 * experiment names (and '*' for all) and whose values are JSON merge patches (RFC 7386: objects merge, arrays
 * and scalars replace, null deletes), so a profile can change sizes (problem.N, n_steps, replicates, the lr /
 * momentum / batch_size grids, record) without copying the definition. The patched document must still be a
 * valid config; every problem is reported at once.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { formatIssue, parseExperiment, type Experiment } from "../lib/config/schema.ts";
import { currentProfile, type Profile } from "./profile.ts";

export const projectRoot = resolve(import.meta.dirname, "..");
export const experimentsDir = join(projectRoot, "data", "experiments");

export interface Definition {
  /** experiment name (runs.experiment) */
  readonly name: string;
  /** the definition file, relative to the project */
  readonly file: string;
  /** the validated config with the profile's patch applied */
  readonly config: Experiment;
  /** whether the profile patched it */
  readonly patched: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === "object" && !Array.isArray(v);

/** RFC 7386 JSON merge patch (returns a new value; neither argument is modified). */
export function mergePatch(target: unknown, patch: unknown): Json {
  if (!isObject(patch)) return structuredClone(patch) as Json;
  const out: Record<string, Json> = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

export class DefinitionError extends Error {
  override readonly name = "DefinitionError";
}

/** The profile's patches: { experiment name | '*': merge patch }; {} for the default profile or a missing file. */
export function profilePatches(profile: Profile, dir = experimentsDir): Record<string, Json> {
  const file = join(dir, "profiles", `${profile}.json`);
  if (!existsSync(file)) return {};
  const doc = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!isObject(doc)) throw new DefinitionError(`${file}: expected an object of merge patches by experiment name`);
  const { $comment: _comment, ...patches } = doc;
  return patches;
}

/** Reads, patches and validates every definition (sorted by file name). */
export function loadDefinitions(profile: Profile = currentProfile(), dir = experimentsDir): Definition[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.endsWith(".schema.json"))
    .sort();
  const patches = profilePatches(profile, dir);
  const problems: string[] = [];
  const out: Definition[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const raw = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, Json>;
    const name = typeof raw.experiment === "string" ? raw.experiment : f.replace(/\.json$/, "");
    let doc: Json = raw;
    if (patches["*"] !== undefined) doc = mergePatch(doc, patches["*"]);
    if (patches[name] !== undefined) doc = mergePatch(doc, patches[name]);
    const parsed = parseExperiment(doc);
    if (!parsed.ok) {
      problems.push(
        ...parsed.issues.map(
          (i) => `${f}${patches[name] !== undefined ? ` (+ profile ${profile})` : ""}: ${formatIssue(i)}`,
        ),
      );
      continue;
    }
    if (seen.has(parsed.value.experiment))
      problems.push(
        `${f}: experiment name ${JSON.stringify(parsed.value.experiment)} ` +
          `is also used by ${seen.get(parsed.value.experiment)}`,
      );
    seen.set(parsed.value.experiment, f);
    out.push({
      name: parsed.value.experiment,
      file: `data/experiments/${f}`,
      config: parsed.value,
      patched: patches[name] !== undefined,
    });
  }
  for (const key of Object.keys(patches)) {
    if (key !== "*" && !seen.has(key))
      problems.push(`profiles/${profile}.json: no experiment named ${JSON.stringify(key)}`);
  }
  if (problems.length > 0)
    throw new DefinitionError(`bad experiment definitions (profile ${profile}):\n  ${problems.join("\n  ")}`);
  return out;
}

/** The definitions whose names match (exact names, or prefixes ending in '*', e.g. 'momentum-*'). */
export function selectDefinitions(defs: readonly Definition[], patterns: readonly string[]): Definition[] {
  const match = (name: string) =>
    patterns.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
  return defs.filter((d) => match(d.name));
}
