/**
 * Seeded pseudo-random numbers, identical on every platform (no Math.random):
 * xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64, on BigInt-free 32-bit halves.
 * uniform() returns a double in [0, 1) with 53 random bits; normal() uses the Marsaglia polar method.
 */
export class Rng {
  // state as 8 uint32 words: s0 = (h0,l0), s1 = (h1,l1), …
  private readonly s = new Uint32Array(8);
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    // splitmix64 over the 64-bit seed, done in BigInt once at construction only
    let x = BigInt(seed);
    const mask = (1n << 64n) - 1n;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b97f4a7c15n) & mask;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      z = z ^ (z >> 31n);
      this.s[2 * i] = Number(z >> 32n);
      this.s[2 * i + 1] = Number(z & 0xffffffffn);
    }
  }

  /** Next 64-bit output as [hi, lo] uint32 halves (xoshiro256**: rotl(s1·5, 7)·9). */
  private nextPair(out: Uint32Array): void {
    const s = this.s;
    // result = rotl(s1 * 5, 7) * 9
    const [mh, ml] = mul64(s[2], s[3], 0, 5);
    const [rh, rl] = rotl64(mh, ml, 7);
    const [oh, ol] = mul64(rh, rl, 0, 9);
    out[0] = oh;
    out[1] = ol;
    // t = s1 << 17
    const th = ((s[2] << 17) | (s[3] >>> 15)) >>> 0;
    const tl = (s[3] << 17) >>> 0;
    s[4] ^= s[0];
    s[5] ^= s[1]; // s2 ^= s0
    s[6] ^= s[2];
    s[7] ^= s[3]; // s3 ^= s1
    s[2] ^= s[4];
    s[3] ^= s[5]; // s1 ^= s2
    s[0] ^= s[6];
    s[1] ^= s[7]; // s0 ^= s3
    s[4] ^= th;
    s[5] ^= tl; // s2 ^= t
    const [qh, ql] = rotl64(s[6], s[7], 45); // s3 = rotl(s3, 45)
    s[6] = qh;
    s[7] = ql;
  }

  private readonly pair = new Uint32Array(2);

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    this.nextPair(this.pair);
    return (this.pair[0] * 2097152 + (this.pair[1] >>> 11)) / 9007199254740992; // top 53 bits, as (x >> 11)·2^-53
  }

  /** Uniform integer in 0..n−1 (n ≤ 2^32), without modulo bias beyond 2^-21 for n ≤ 2^32. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal variate (Marsaglia polar method; the second value of each pair is kept). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Fills a new Float64Array with standard normals. */
  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /**
   * b distinct indices drawn uniformly without replacement from 0..n−1, written to out[0..b).
   * Partial Fisher–Yates over a caller-kept permutation `perm` (any permutation of 0..n−1, reused
   * across calls): O(b) per call, and every b-subset is equally likely whatever perm's current order.
   */
  sampleWithoutReplacement(perm: Int32Array, b: number, out: Int32Array): void {
    const n = perm.length;
    for (let i = 0; i < b; i++) {
      const j = i + this.int(n - i);
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
      out[i] = perm[i];
    }
  }
}

function mul64(ah: number, al: number, bh: number, bl: number): [number, number] {
  // (ah·2^32 + al)(bh·2^32 + bl) mod 2^64 via 16-bit limbs of the low words
  const a0 = al & 0xffff,
    a1 = al >>> 16,
    b0 = bl & 0xffff,
    b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = (mid >>> 16) + (p01 >>> 16) + (p10 >>> 16) + a1 * b1;
  const hi = (Math.imul(ah, bl) + Math.imul(al, bh) + carry) >>> 0;
  return [hi, lo];
}

function rotl64(h: number, l: number, r: number): [number, number] {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) return [h >>> 0, l >>> 0];
  return [((h << r) | (l >>> (32 - r))) >>> 0, ((l << r) | (h >>> (32 - r))) >>> 0];
}
