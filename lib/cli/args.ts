/**
 * A small argparse-like command-line parser (pure), faithful to how the reference scripts' argparse reads
 * their flags: `--name v1 v2 …` for list flags (nargs='+'), negative numbers taken as values
 * (`--momentum 0 -0.3`, `--tau 1 -1 0`), `--name=value`, snake_case and kebab-case alike, the last
 * occurrence of a flag winning. Every problem is collected (not thrown) so the CLI can list them all.
 */
export type OptionKind = "floats" | "ints" | "float" | "int" | "string" | "strings" | "choice" | "flag";

export interface OptionSpec {
  /** canonical snake_case name, without dashes */
  readonly name: string;
  readonly kind: OptionKind;
  readonly help: string;
  readonly choices?: readonly string[];
  readonly default?: unknown;
  /** other accepted names (snake_case), e.g. 'opt' for 'optimizer' */
  readonly aliases?: readonly string[];
  readonly metavar?: string;
}

export interface ParsedArgs {
  readonly values: Record<string, unknown>;
  /** names (canonical) given on the command line */
  readonly given: Set<string>;
  readonly positionals: string[];
  readonly help: boolean;
  readonly errors: string[];
  /** canonical names of the flags whose values did not parse */
  readonly badFlags: Set<string>;
}

const NEGATIVE_NUMBER = /^-(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Whether a token starts a flag (as opposed to a value, negative numbers included). */
export function isFlagToken(tok: string): boolean {
  if (tok === "-" || tok === "--") return false;
  if (tok.startsWith("--")) return true;
  return tok.startsWith("-") && !NEGATIVE_NUMBER.test(tok) && !/^-inf(inity)?$/i.test(tok);
}

export function normalizeName(flag: string): string {
  return flag.replace(/^-+/, "").replace(/-/g, "_");
}

/** A number as Python's float() reads it (also 'inf', 'nan'); undefined if not a number. */
export function parseFloatStrict(tok: string): number | undefined {
  const t = tok.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  return undefined;
}

export function parseIntStrict(tok: string): number | undefined {
  return /^[+-]?\d+$/.test(tok.trim()) ? Number(tok.trim()) : undefined;
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const values: Record<string, unknown> = {};
  for (const s of specs) if (s.default !== undefined) values[s.name] = s.default;
  const given = new Set<string>();
  const positionals: string[] = [];
  const errors: string[] = [];
  const badFlags = new Set<string>();
  let help = false;
  let i = 0;
  while (i < argv.length) {
    const tok = argv[i++];
    if (tok === "--") {
      positionals.push(...argv.slice(i));
      break;
    }
    if (!isFlagToken(tok)) {
      positionals.push(tok);
      continue;
    }
    if (tok === "-h" || tok === "--help") {
      help = true;
      continue;
    }
    let name = tok;
    let inline: string | undefined;
    const eq = tok.indexOf("=");
    if (tok.startsWith("--") && eq > 0) {
      name = tok.slice(0, eq);
      inline = tok.slice(eq + 1);
    }
    const key = normalizeName(name);
    const spec = byName.get(key);
    if (!spec) {
      const near = specs
        .map((s) => s.name)
        .filter((n) => n.startsWith(key.slice(0, 3)) || key.startsWith(n.slice(0, 3)));
      const hint = near.length ? ` (did you mean ${near.map((n) => `--${n}`).join(", ")}?)` : "";
      errors.push(`unknown option ${name}${hint}; see --help`);
      // skip its values
      while (i < argv.length && !isFlagToken(argv[i])) i++;
      continue;
    }
    given.add(spec.name);
    const flag = `--${spec.name}`;
    if (spec.kind === "flag") {
      if (inline !== undefined) {
        if (/^(true|1|yes)$/i.test(inline)) values[spec.name] = true;
        else if (/^(false|0|no)$/i.test(inline)) values[spec.name] = false;
        else errors.push(`${flag} takes no value (got ${JSON.stringify(inline)})`);
      } else values[spec.name] = true;
      continue;
    }
    const raw: string[] = [];
    if (inline !== undefined) raw.push(inline);
    const many = spec.kind === "floats" || spec.kind === "ints" || spec.kind === "strings";
    while ((many || raw.length === 0) && i < argv.length && !isFlagToken(argv[i])) {
      if (!many && raw.length === 1) break;
      raw.push(argv[i++]);
      if (!many) break;
    }
    if (raw.length === 0) {
      errors.push(`${flag} expects ${many ? "one or more values" : "a value"}`);
      continue;
    }
    const conv = (t: string): unknown => {
      switch (spec.kind) {
        case "floats":
        case "float": {
          const v = parseFloatStrict(t);
          if (v === undefined) errors.push(`${flag}: ${JSON.stringify(t)} is not a number`);
          return v;
        }
        case "ints":
        case "int": {
          const v = parseIntStrict(t);
          if (v === undefined) errors.push(`${flag}: ${JSON.stringify(t)} is not an integer`);
          return v;
        }
        case "choice":
          if (!spec.choices!.includes(t))
            errors.push(`${flag}: ${JSON.stringify(t)} is not one of ${spec.choices!.join(", ")}`);
          return t;
        default:
          return t;
      }
    };
    const before = errors.length;
    const converted = raw.map(conv);
    if (errors.length > before) {
      badFlags.add(spec.name);
      delete values[spec.name];
    } else values[spec.name] = many ? converted : converted[0];
  }
  return { values, given, positionals, help, errors, badFlags };
}

/** The help text of a command: usage, description and one line per option with its default. */
export function formatHelp(usage: string, description: string, specs: readonly OptionSpec[]): string {
  const lines = [`usage: ${usage}`, "", description.trim(), "", "options:"];
  const left = (s: OptionSpec): string => {
    const names = [s.name, ...(s.aliases ?? [])].map((n) => `--${n}`).join(", ");
    const list = s.kind === "floats" || s.kind === "ints" || s.kind === "strings";
    const metavar = s.metavar ?? (list ? `${s.name.toUpperCase()} [...]` : s.name.toUpperCase());
    const meta = s.kind === "flag" ? "" : s.choices ? ` {${s.choices.join(",")}}` : ` ${metavar}`;
    return `  ${names}${meta}`;
  };
  const all = [
    { l: "  -h, --help", h: "show this help and exit" },
    ...specs.map((s) => ({
      l: left(s),
      h:
        s.help +
        (s.default !== undefined && s.kind !== "flag"
          ? ` (default: ${Array.isArray(s.default) ? (s.default as unknown[]).join(" ") : String(s.default)})`
          : ""),
    })),
  ];
  const width = Math.min(40, Math.max(...all.map((x) => x.l.length)) + 2);
  for (const { l, h } of all)
    lines.push(l.length + 1 > width ? `${l}\n${" ".repeat(width)}${h}` : `${l.padEnd(width)}${h}`);
  lines.push(
    "",
    "Flags accept snake_case or kebab-case (--batch_size = --batch-size); " +
      "list flags take several values (--momentum 0 -0.3).",
  );
  return lines.join("\n");
}
