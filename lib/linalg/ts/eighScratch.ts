/**
 * Work buffers of the eigensolver kept between calls. Writing to fresh memory costs a page fault per 4 KiB
 * (measured here: ~200 ms to fill a new 72 MB array, 5 ms to refill it), so the O(n²) buffers of one call
 * are reused by the next instead of being allocated anew; they only grow. A workspace is not re-entrant,
 * which is fine in one JS thread (each worker thread has its own).
 */
export class Scratch {
  private readonly slots = new Map<string, Float64Array>();

  /** A buffer of exactly `length` doubles (a view of the named slot, grown if needed); contents undefined. */
  f64(name: string, length: number): Float64Array {
    let b = this.slots.get(name);
    if (!b || b.length < length) {
      b = new Float64Array(length);
      this.slots.set(name, b);
    }
    return b.subarray(0, length);
  }

  /** Drops every buffer (the memory goes back to the garbage collector). */
  release(): void {
    this.slots.clear();
  }
}

/**
 * Bump allocation from a named slot of a Scratch: `take` hands out consecutive views, `mark`/`reset` free
 * everything taken since a mark. Running past the slot's end moves to a new, larger slot (views already
 * handed out stay valid; the next call starts with the larger one).
 */
export class Pool {
  private buf: Float64Array;
  private off = 0;

  constructor(
    private readonly scratch: Scratch,
    private readonly name: string,
    capacity: number,
  ) {
    this.buf = scratch.f64(name, capacity);
  }

  take(length: number): Float64Array {
    if (this.off + length > this.buf.length) {
      this.buf = this.scratch.f64(this.name, Math.max(2 * this.buf.length, length));
      this.off = 0;
    }
    const v = this.buf.subarray(this.off, this.off + length);
    this.off += length;
    return v;
  }

  mark(): number {
    return this.off;
  }

  reset(mark = 0): void {
    this.off = Math.min(mark, this.off);
  }
}
