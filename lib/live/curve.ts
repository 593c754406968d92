/**
 * Log-decimated loss curves for the live snapshots (pure).
 *
 * A LiveCurve keeps, of the (step, loss) points it is offered in increasing step order, the first point of
 * every log bin (K bins per decade: bin(t) = ⌊K·log10 t⌋, step 0 in its own bin) plus the newest point, so
 * a curve of T steps holds at most about K·log10(T) + 2 points however long it grows, and its end is always
 * the last step computed. decimate() thins a stored curve to fewer bins per decade (snapshot size cap).
 */
export class LiveCurve {
  readonly steps: number[] = [];
  readonly losses: number[] = [];
  private lastBin = Number.NEGATIVE_INFINITY;
  /** steps below this one fall into lastBin (log10 only once per bin: push is O(1) and cheap) */
  private nextEdge = Number.NEGATIVE_INFINITY;
  /** the newest point when it is not the first of its bin (shown as the curve's end) */
  private tailStep = -1;
  private tailLoss = NaN;

  constructor(readonly perDecade: number) {
    if (!(perDecade >= 1)) throw new RangeError(`perDecade must be ≥ 1, got ${perDecade}`);
  }

  push(step: number, loss: number): void {
    const bin = step < this.nextEdge ? this.lastBin : logBin(step, this.perDecade);
    if (bin !== this.lastBin) {
      this.steps.push(step);
      this.losses.push(loss);
      this.lastBin = bin;
      this.nextEdge = binEdge(bin + 1, this.perDecade);
      this.tailStep = -1;
    } else {
      this.tailStep = step;
      this.tailLoss = loss;
    }
  }

  pushAll(steps: ArrayLike<number>, losses: ArrayLike<number>): void {
    for (let i = 0; i < steps.length; i++) this.push(steps[i], losses[i]);
  }

  /** Number of points points() returns. */
  get size(): number {
    return this.steps.length + (this.tailStep >= 0 ? 1 : 0);
  }

  /** The kept points and the newest one. */
  points(): { step: number[]; loss: number[] } {
    if (this.tailStep < 0) return { step: this.steps.slice(), loss: this.losses.slice() };
    return { step: [...this.steps, this.tailStep], loss: [...this.losses, this.tailLoss] };
  }

  /** The last step offered (−1 if none). */
  get lastStep(): number {
    return this.tailStep >= 0 ? this.tailStep : this.steps.length ? this.steps[this.steps.length - 1] : -1;
  }

  static from(points: { step: readonly number[]; loss: readonly (number | null)[] }, perDecade: number): LiveCurve {
    const c = new LiveCurve(perDecade);
    for (let i = 0; i < points.step.length; i++) c.push(points.step[i], points.loss[i] ?? NaN);
    return c;
  }
}

export function logBin(step: number, perDecade: number): number {
  return step <= 0 ? -1 : Math.floor(perDecade * Math.log10(step) + 1e-9);
}

/** The smallest integer step of bin b (b ≥ 0): steps below it are in earlier bins. */
function binEdge(b: number, perDecade: number): number {
  let s = Math.ceil(Math.pow(10, b / perDecade) - 1e-9);
  while (logBin(s, perDecade) < b) s++;
  while (s > 1 && logBin(s - 1, perDecade) >= b) s--;
  return s;
}

/** The first point of each bin at `perDecade` bins per decade, plus the last point. */
export function decimate(
  points: { step: readonly number[]; loss: readonly number[] },
  perDecade: number,
): { step: number[]; loss: number[] } {
  const step: number[] = [];
  const loss: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  const n = points.step.length;
  for (let i = 0; i < n; i++) {
    const b = logBin(points.step[i], perDecade);
    if (b !== last || i === n - 1) {
      step.push(points.step[i]);
      loss.push(points.loss[i]);
      last = b;
    }
  }
  return { step, loss };
}
