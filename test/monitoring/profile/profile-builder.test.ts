import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CATEGORY_LIMIT, SAMPLE_LIMIT, type NumericProfile } from "../../../src/monitoring/monitoring.js";
import { ProfileBuilder } from "../../../src/monitoring/profile/profile-builder.js";
import { binCount, MAX_BINS } from "../../../src/monitoring/profile/bins.js";
import { validateProfile } from "../../../src/monitoring/profile/profile-files.js";

const FILE = { kind: "file", name: "train.parquet" } as const;

/** A small deterministic PRNG so the data is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const r = prng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = mean + sd * Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r());
  return out;
}

function numericOf(p: ReturnType<ProfileBuilder["build"]>, name: string): NumericProfile {
  const c = p.columns[name];
  assert.equal(c?.kind, "numeric");
  return c;
}

describe("profiles of numeric columns", () => {
  it("hold n, missing, min, max, mean, the sample std (ddof 1), quantiles and every value while n ≤ SAMPLE_LIMIT", () => {
    const b = new ProfileBuilder();
    b.addColumns({ x: [4, 1, null, 3, NaN, 2, undefined] }, 7);
    const x = numericOf(b.build(FILE), "x");
    assert.equal(x.n, 4);
    assert.equal(x.missing, 3);
    assert.equal(x.min, 1);
    assert.equal(x.max, 4);
    assert.equal(x.mean, 2.5);
    assert.ok(Math.abs(x.std - Math.sqrt(5 / 3)) < 1e-12);
    assert.deepEqual(x.sample, [1, 2, 3, 4]);
    // numpy.quantile([1, 2, 3, 4], 0.25) == 1.75 (linear interpolation)
    assert.equal(x.quantiles.find((q) => q.p === 0.25)?.value, 1.75);
    assert.deepEqual(
      x.quantiles.map((q) => q.p),
      [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99],
    );
    assert.equal(x.distinct, 4);
    assert.deepEqual(x.values, [1, 2, 3, 4]);
  });

  it("bins a baseline equal-width over [min, max] with Sturges' count (as numpy's histogram_bin_edges), capped at 20", () => {
    assert.equal(binCount(1_000_000), MAX_BINS);
    const b = new ProfileBuilder();
    b.addColumns({ x: Float64Array.from({ length: 1000 }, (_, i) => i / 999) }, 1000);
    const x = numericOf(b.build(FILE), "x");
    // numpy.histogram_bin_edges(np.linspace(0, 1, 1000), bins="sturges") has ceil(log2 1000) + 1 = 11 bins
    assert.equal(x.binEdges.length, 12);
    x.binEdges.forEach((e, i) => assert.ok(Math.abs(e - i / 11) < 1e-12));
    assert.equal(
      x.binCounts.reduce((a, c) => a + c, 0),
      1000,
    );
    // np.histogram(np.arange(1000) / 999, that_edges)[0]
    assert.deepEqual(x.binCounts, [91, 91, 91, 91, 91, 90, 91, 91, 91, 91, 91]);
  });

  it("keeps exact counts and near-equal-width edges past SAMPLE_LIMIT, in a bounded sample", () => {
    const n = 200_000;
    const values = normals(n, 7, 10, 2);
    const b = new ProfileBuilder();
    for (let i = 0; i < n; i += 30_000)
      b.addColumns({ x: values.subarray(i, i + 30_000) }, Math.min(30_000, n - i));
    const x = numericOf(b.build(FILE), "x");
    assert.equal(x.n, n);
    assert.equal(x.sample.length, SAMPLE_LIMIT);
    assert.deepEqual(
      x.sample,
      [...x.sample].sort((a, c) => a - c),
    );
    const k = binCount(n); // Sturges: ceil(log2 200 000) + 1 = 19
    assert.equal(k, 19);
    assert.equal(x.binEdges.length, k + 1);
    assert.equal(x.binEdges[0], x.min);
    assert.equal(x.binEdges[k], x.max);
    const width = (x.max - x.min) / k;
    for (let i = 1; i < k; i++)
      assert.ok(Math.abs(x.binEdges[i]! - (x.min + i * width)) <= (x.max - x.min) / 1024);
    // Every value is counted on the edges the profile states.
    const expected = new Array<number>(k).fill(0);
    for (const v of values) {
      let j = 0;
      while (j < k - 1 && v >= x.binEdges[j + 1]!) j++;
      expected[j]!++;
    }
    assert.deepEqual(x.binCounts, expected);
    assert.ok(Math.abs(x.mean - 10) < 0.05 && Math.abs(x.std - 2) < 0.05);
    assert.ok(Math.abs(x.quantiles.find((q) => q.p === 0.5)!.value - 10) < 0.1);
  });

  it("samples deterministically: the same values give the same sample", () => {
    const values = normals(50_000, 3);
    const build = () => {
      const b = new ProfileBuilder();
      b.addColumns({ x: values }, values.length);
      return numericOf(b.build(FILE), "x").sample;
    };
    assert.deepEqual(build(), build());
  });

  it("samples uniformly over the whole stream, not just its start or end", () => {
    const n = 1_000_000;
    const b = new ProfileBuilder();
    for (let i = 0; i < n; i += 100_000)
      b.addColumns({ x: Float64Array.from({ length: 100_000 }, (_, j) => i + j) }, 100_000);
    const sample = numericOf(b.build(FILE), "x").sample;
    assert.equal(sample.length, SAMPLE_LIMIT);
    assert.equal(new Set(sample).size, SAMPLE_LIMIT, "each value at most once");
    const deciles = new Array<number>(10).fill(0);
    for (const v of sample) deciles[Math.floor(v / (n / 10))]!++;
    // 1 000 expected per decile; a binomial sd is 30, so ±150 is 5 sd.
    for (const d of deciles) assert.ok(Math.abs(d - 1000) < 150, `decile counts ${deciles.join(", ")}`);
  });

  it("counts distinct values up to 6, listing them while there are at most 5", () => {
    const b = new ProfileBuilder();
    b.addColumns({ few: [3, 1, 3, 2, 1], many: [1, 2, 3, 4, 5, 6, 7] }, 7);
    const p = b.build(FILE);
    assert.equal(numericOf(p, "few").distinct, 3);
    assert.deepEqual(numericOf(p, "few").values, [1, 2, 3]);
    assert.equal(numericOf(p, "many").distinct, 6);
    assert.equal(numericOf(p, "many").values, undefined);
  });

  it("reads bigints and typed arrays as numbers", () => {
    const b = new ProfileBuilder();
    b.addColumns({ i: BigInt64Array.from([1n, 2n, 3n]), f: new Float32Array([0.5, 1.5, 2.5]) }, 3);
    const p = b.build(FILE);
    assert.equal(numericOf(p, "i").mean, 2);
    assert.equal(numericOf(p, "f").max, 2.5);
  });
});

describe("a current profile built on a reference", () => {
  it("counts on the reference's edges, values outside them in the end bins", () => {
    const ref = new ProfileBuilder();
    ref.addColumns({ x: Float64Array.from({ length: 100 }, (_, i) => i) }, 100);
    const reference = ref.build(FILE);
    const edges = numericOf(reference, "x").binEdges;
    const cur = new ProfileBuilder(reference);
    cur.addColumns({ x: [-50, 0, 50, 99, 1000] }, 5);
    const x = numericOf(cur.build(FILE), "x");
    assert.deepEqual(x.binEdges, edges);
    assert.equal(x.binCounts[0], 2);
    assert.equal(x.binCounts[x.binCounts.length - 1], 2);
    assert.equal(
      x.binCounts.reduce((a, c) => a + c, 0),
      5,
    );
  });

  it("keeps the reference's kinds and ignores columns the reference does not have", () => {
    const ref = new ProfileBuilder();
    ref.addColumns({ code: ["1", "2", "2"], x: [1, 2, 3] }, 3);
    const cur = new ProfileBuilder(ref.build(FILE));
    cur.addColumns({ code: [1, 2, 2, 3], x: [1, "oops", 2, 3], extra: [1, 2, 3, 4] }, 4);
    const p = cur.build(FILE);
    assert.deepEqual(Object.keys(p.columns).sort(), ["code", "x"]);
    assert.equal(p.columns.code?.kind, "categorical");
    assert.deepEqual(p.columns.code?.kind === "categorical" && p.columns.code.frequencies, {
      "1": 1,
      "2": 2,
      "3": 1,
    });
    assert.equal(numericOf(p, "x").n, 3);
    assert.equal(numericOf(p, "x").missing, 1);
  });

  it("lists the reference's categories first, however many new ones the window brings", () => {
    const ref = new ProfileBuilder();
    ref.addColumns({ c: ["a", "b"] }, 2);
    const cur = new ProfileBuilder(ref.build(FILE));
    const values = [
      ...Array.from({ length: CATEGORY_LIMIT + 500 }, (_, i) => `new${i % (CATEGORY_LIMIT + 100)}`),
      "b",
    ];
    cur.addColumns({ c: values }, values.length);
    const c = cur.build(FILE).columns.c;
    assert.ok(c?.kind === "categorical");
    assert.equal(c.frequencies.b, 1);
    assert.equal(Object.keys(c.frequencies)[0], "b");
    assert.equal(Object.keys(c.frequencies).length, CATEGORY_LIMIT);
  });

  it("reports a reference column absent from the window as all missing", () => {
    const ref = new ProfileBuilder();
    ref.addColumns({ x: [1, 2, 3], c: ["a", "b", "a"] }, 3);
    const cur = new ProfileBuilder(ref.build(FILE));
    cur.addColumns({ x: [1, 2] }, 2);
    const p = cur.build(FILE);
    assert.equal(p.columns.c?.n, 0);
    assert.equal(p.columns.c?.missing, 2);
  });
});

describe("profiles of categorical columns", () => {
  it("count strings and booleans by their JSON text, the CATEGORY_LIMIT most frequent, the rest as other", () => {
    const values: unknown[] = [];
    for (let i = 0; i < CATEGORY_LIMIT + 10; i++) values.push(`c${i}`);
    for (let i = 0; i < 5; i++) values.push("c0");
    const b = new ProfileBuilder();
    b.addColumns({ city: values, flag: [true, false, true, null] }, values.length);
    const p = b.build(FILE);
    const city = p.columns.city;
    assert.ok(city?.kind === "categorical");
    assert.equal(Object.keys(city.frequencies).length, CATEGORY_LIMIT);
    assert.equal(city.frequencies.c0, 6);
    assert.equal(city.other, 10);
    assert.equal(city.n, values.length);
    const flag = p.columns.flag;
    assert.ok(flag?.kind === "categorical");
    assert.deepEqual(flag.frequencies, { true: 2, false: 1 });
    assert.equal(flag.missing, values.length - 3);
  });

  it("stay bounded on a column of unique values (hashed ids): n is exact, the rarest fold into other", () => {
    const b = new ProfileBuilder();
    const n = 60_000;
    for (let i = 0; i < n; i += 10_000)
      b.addColumns({ id: Array.from({ length: 10_000 }, (_, j) => `id-${i + j}`) }, 10_000);
    const id = b.build(FILE).columns.id;
    assert.ok(id?.kind === "categorical");
    assert.equal(id.n, n);
    assert.equal(Object.keys(id.frequencies).length, CATEGORY_LIMIT);
    assert.equal(Object.values(id.frequencies).reduce((a, c) => a + c, 0) + id.other, n);
  });

  it("a column of numbers that meets strings becomes categorical, its numbers counted by their text", () => {
    const b = new ProfileBuilder();
    b.addColumns({ mixed: [1, 2, 2] }, 3);
    b.addColumns({ mixed: ["x", 2, null] }, 3);
    const mixed = b.build(FILE).columns.mixed;
    assert.ok(mixed?.kind === "categorical");
    assert.deepEqual(mixed.frequencies, { "2": 3, "1": 1, x: 1 });
    assert.equal(mixed.missing, 1);
  });
});

describe("rows and predictions", () => {
  it("adds rows one at a time and outputs under predictions", () => {
    const b = new ProfileBuilder();
    b.add({ a: 1, b: "x" });
    b.add({ a: 2 });
    b.add({ prediction: 1 }, "prediction");
    b.add({ prediction: 0 }, "prediction");
    const p = b.build(FILE, 1234);
    assert.equal(p.rows, 2);
    assert.equal(p.createdAt, 1234);
    assert.equal(p.columns.b?.missing, 1);
    assert.deepEqual(Object.keys(p.predictions), ["prediction"]);
    assert.deepEqual(p.source, FILE);
  });

  it("produces a profile that validates and survives JSON", () => {
    const b = new ProfileBuilder();
    b.addColumns(
      { x: normals(20_000, 1), c: Array.from({ length: 20_000 }, (_, i) => (i % 3 ? "a" : "b")) },
      20_000,
    );
    const p = b.build(FILE);
    assert.deepEqual(validateProfile(JSON.parse(JSON.stringify(p))), p);
  });
});
