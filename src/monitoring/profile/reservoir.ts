// A uniform sample of a stream of numbers in fixed memory, reproducible: the same values in the same order give
// the same sample (a profile built twice from one file is byte-identical).

/** mulberry32: a small, fast 32-bit PRNG; quality is ample for choosing reservoir slots. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a column name: each column gets its own, stable seed. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Li's Algorithm L: after the reservoir fills, it draws how many values to skip before the next replacement,
 * so the cost per value is one comparison instead of one random number (the hot loop sees millions of values).
 */
export class Reservoir {
  readonly values: Float64Array;
  /** Values offered so far. */
  seen = 0;
  private readonly random: () => number;
  private w = 0;
  /** Index (in `seen` order) of the next value that replaces a slot. */
  private next = Infinity;

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    this.values = new Float64Array(capacity);
    this.random = mulberry32(seed);
  }

  offer(v: number): void {
    const i = this.seen++;
    if (i < this.capacity) {
      this.values[i] = v;
      if (i === this.capacity - 1) {
        this.w = Math.exp(Math.log(this.uniform()) / this.capacity);
        this.next = i + 1 + this.skip();
      }
      return;
    }
    if (i !== this.next) return;
    this.values[Math.floor(this.random() * this.capacity)] = v;
    this.w *= Math.exp(Math.log(this.uniform()) / this.capacity);
    this.next = i + 1 + this.skip();
  }

  /** True while every value offered is still held (in offer order). */
  get complete(): boolean {
    return this.seen <= this.capacity;
  }

  /** The held values, sorted ascending. */
  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.seen, this.capacity)).sort();
  }

  private skip(): number {
    return Math.floor(Math.log(this.uniform()) / Math.log(1 - this.w));
  }

  /** In (0, 1): log(0) would make the skip infinite. */
  private uniform(): number {
    let u = this.random();
    while (u === 0) u = this.random();
    return u;
  }
}
