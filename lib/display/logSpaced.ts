/**
 * Log-spaced thinning for payloads shipped to pages (issue 5: curves are stored in full, shipped with at
 * most a few hundred points per decade). Keeps step 0, the last step, and the first step at or after each
 * of `perDecade` log-uniform marks per decade.
 */
export function logSpacedSteps(lastStep: number, perDecade = 100): Set<number> {
  if (!Number.isInteger(lastStep) || lastStep < 0)
    throw new RangeError(`lastStep must be an integer ≥ 0, got ${lastStep}`);
  if (!(Number.isFinite(perDecade) && perDecade > 0)) throw new RangeError(`perDecade must be > 0, got ${perDecade}`);
  const steps = new Set<number>([0]);
  if (lastStep === 0) return steps;
  const decades = Math.log10(lastStep);
  const marks = Math.ceil(decades * perDecade);
  for (let i = 0; i <= marks; i++) {
    const step = Math.ceil(Math.pow(10, i / perDecade) - 1e-9);
    if (step <= lastStep) steps.add(step);
  }
  steps.add(lastStep);
  return steps;
}

/** Keeps the records whose step is log-spaced; `lastStep` is the largest step that can occur. */
export function keepLogSpaced<R extends { readonly step: number }>(
  records: Iterable<R>,
  lastStep: number,
  perDecade = 100,
): R[] {
  const keep = logSpacedSteps(lastStep, perDecade);
  const out: R[] = [];
  let last: R | undefined;
  for (const r of records) {
    last = r;
    if (keep.has(r.step)) out.push(r);
  }
  // a run that stops early (divergence) still shows where it stopped
  if (last !== undefined && out[out.length - 1] !== last) out.push(last);
  return out;
}
