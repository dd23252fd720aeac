// Per-column drift decisions with the default methods agree with Evidently 0.7's on generated datasets —
// numeric, categorical and binary columns, small (≤ 1000 rows) and large references, drifted and not: the same
// method, the same verdict, the same score within 1e-6. One oracle run for the whole file.

import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { columnDrift } from "../../../src/monitoring/drift/column-drift.js";
import { ProfileBuilder } from "../../../src/monitoring/profile/profile-builder.js";
import { Agreement, num, oracleSkip, prng, runOracle, type OracleResult } from "../oracles/oracle.js";
import { profilePair } from "./profiles.js";

const rng = prng(2026);
const normals = (n: number, mean = 0, sd = 1) => Array.from({ length: n }, () => rng.normal(mean, sd));
const ints = (n: number, weights: number[]) =>
  Array.from({ length: n }, () =>
    rng.pick(
      weights.map((_, i) => i),
      weights,
    ),
  );
const cats = (
  n: number,
  weights: number[],
  names = ["red", "green", "blue", "cyan", "magenta", "yellow", "black"],
) => Array.from({ length: n }, () => rng.pick(names.slice(0, weights.length), weights));

interface Dataset {
  name: string;
  reference: (number | string)[];
  current: (number | string)[];
  /** The method Evidently is expected to pick, so the set covers each of its rules. */
  method: string;
}

const datasets: Dataset[] = [
  // Small references: KS for numbers, chi² for categories, Z for two values.
  { name: "numeric, same distribution", reference: normals(500), current: normals(500), method: "ks" },
  { name: "numeric, shifted", reference: normals(800), current: normals(600, 0.3), method: "ks" },
  { name: "numeric, wider", reference: normals(200), current: normals(3000, 0, 1.3), method: "ks" },
  { name: "numeric, tiny samples", reference: normals(30), current: normals(25, 0.4), method: "ks" },
  {
    name: "numeric with ties",
    reference: normals(1000).map((v) => Math.round(v * 3) / 3),
    current: normals(1000, 0.1).map((v) => Math.round(v * 3) / 3),
    method: "ks",
  },
  {
    name: "numeric, 4 values",
    reference: ints(600, [4, 3, 2, 1]),
    current: ints(600, [3, 3, 2, 2]),
    method: "chisquare",
  },
  { name: "numeric, 0/1", reference: ints(300, [7, 3]), current: ints(400, [6, 4]), method: "z" },
  {
    name: "numeric, 3 values each but 6 together",
    reference: ints(400, [1, 1, 1]),
    current: ints(400, [1, 1, 1]).map((v) => v + 3),
    method: "ks",
  },
  {
    name: "categorical, same",
    reference: cats(1000, [5, 4, 3, 2, 1]),
    current: cats(800, [5, 4, 3, 2, 1]),
    method: "chisquare",
  },
  {
    name: "categorical, shifted",
    reference: cats(700, [5, 4, 3, 2, 1]),
    current: cats(700, [3, 4, 3, 2, 3]),
    method: "chisquare",
  },
  {
    name: "categorical, a new category",
    reference: cats(500, [1, 1, 1]),
    current: cats(500, [1, 1, 1, 0.2]),
    method: "chisquare",
  },
  { name: "categorical binary, same", reference: cats(500, [1, 1]), current: cats(500, [1, 1]), method: "z" },
  {
    name: "categorical binary, shifted",
    reference: cats(500, [1, 1]),
    current: cats(450, [1.4, 1]),
    method: "z",
  },
  {
    name: "categorical, one value both sides",
    reference: cats(100, [1]),
    current: cats(80, [1]),
    method: "z",
  },
  // Large references: normed Wasserstein for numbers with more than 5 values, Jensen–Shannon otherwise.
  { name: "large numeric, same", reference: normals(5000), current: normals(5000), method: "wasserstein" },
  {
    name: "large numeric, shifted",
    reference: normals(3000),
    current: normals(2000, 0.2),
    method: "wasserstein",
  },
  {
    name: "large numeric, slightly shifted",
    reference: normals(10000),
    current: normals(8000, 0.05),
    method: "wasserstein",
  },
  {
    name: "numeric, 1001 reference rows",
    reference: normals(1001, 5, 2),
    current: normals(300, 5.5, 2),
    method: "wasserstein",
  },
  {
    name: "numeric, 1000 reference rows",
    reference: normals(1000, 5, 2),
    current: normals(300, 5.5, 2),
    method: "ks",
  },
  {
    name: "large numeric, 3 values",
    reference: ints(4000, [5, 3, 2]),
    current: ints(4000, [5, 3, 2]),
    method: "jensenshannon",
  },
  {
    name: "large numeric, 0/1 shifted",
    reference: ints(2000, [1, 1]),
    current: ints(2000, [1.5, 1]),
    method: "jensenshannon",
  },
  {
    name: "large categorical, same",
    reference: cats(5000, [6, 5, 4, 3, 2, 1]),
    current: cats(5000, [6, 5, 4, 3, 2, 1]),
    method: "jensenshannon",
  },
  {
    name: "large categorical, shifted",
    reference: cats(2000, [6, 5, 4, 3, 2, 1]),
    current: cats(3000, [1, 2, 3, 4, 5, 6]),
    method: "jensenshannon",
  },
  {
    name: "large categorical binary",
    reference: cats(1500, [1, 1]),
    current: cats(1500, [1.2, 1]),
    method: "jensenshannon",
  },
];

// Beyond SAMPLE_LIMIT values a profile keeps exact counts (categories, few-valued numbers: Evidently's numbers
// exactly) but only a uniform sample of a numeric column's values, from which Wasserstein is estimated.
const large: Dataset[] = [
  {
    name: "30k categories, shifted",
    reference: cats(30_000, [3, 2, 1]),
    current: cats(30_000, [2, 2, 1]),
    method: "jensenshannon",
  },
  {
    name: "30k 0/1 values, same",
    reference: ints(30_000, [3, 1]),
    current: ints(30_000, [3, 1]),
    method: "jensenshannon",
  },
  { name: "30k numbers, same", reference: normals(30_000), current: normals(30_000), method: "wasserstein" },
  {
    name: "30k numbers, shifted",
    reference: normals(30_000),
    current: normals(30_000, 0.3),
    method: "wasserstein",
  },
];

describe("per-column drift verdicts against Evidently's defaults", { skip: oracleSkip }, () => {
  let results: OracleResult[] = [];

  before(async () => {
    results = await runOracle(
      [...datasets, ...large].map((d) => ({
        op: "evidently_drift",
        kind: typeof d.reference[0] === "string" ? "categorical" : "numeric",
        reference: d.reference,
        current: d.current,
      })),
    );
  });

  it("covers at least 20 datasets, each of Evidently's default methods, drifted and not", () => {
    assert.ok(datasets.length >= 20);
    assert.deepEqual(
      new Set(results.map((r) => r.method)),
      new Set(["ks", "chisquare", "z", "wasserstein", "jensenshannon"]),
    );
    const verdicts = new Set(results.map((r) => r.drifted));
    assert.deepEqual(verdicts, new Set([true, false]));
  });

  it("picks Evidently's method, and reaches its verdict with its score", (t) => {
    const agreement = new Agreement();
    datasets.forEach((d, i) => {
      const evidently = results[i]!;
      assert.equal(evidently.method, d.method, `${d.name}: Evidently's own choice`);
      const [ref, cur] = profilePair(d.reference, d.current);
      const ours = columnDrift("x", "input", ref, cur);
      assert.equal(ours.method, evidently.method, d.name);
      assert.equal(
        ours.drifted,
        evidently.drifted,
        `${d.name}: score ${ours.score} vs ${String(evidently.score)}`,
      );
      assert.equal(ours.threshold, num(evidently.threshold), d.name);
      assert.ok(
        agreement.close(ours.method, ours.score, num(evidently.score)),
        `${d.name}: ${ours.score} vs ${String(evidently.score)}`,
      );
    });
    const drifted = results.slice(0, datasets.length).filter((r) => r.drifted).length;
    t.diagnostic(
      `verdicts equal on ${datasets.length} datasets (${drifted} drifted); ${agreement.summary()}`,
    );
  });

  it("reaches the same verdicts on profiles made by the ProfileBuilder (a baseline, then a window on its edges)", () => {
    datasets.forEach((d, i) => {
      const reference = new ProfileBuilder();
      reference.addColumns({ x: d.reference }, d.reference.length);
      const ref = reference.build({ kind: "file", name: "reference" });
      const current = new ProfileBuilder(ref);
      current.addColumns({ x: d.current }, d.current.length);
      const cur = current.build({ kind: "window", deployment: "d", from: 0, to: 1 });
      const ours = columnDrift("x", "input", ref.columns.x!, cur.columns.x!);
      const evidently = results[i]!;
      assert.deepEqual([ours.method, ours.drifted], [evidently.method, evidently.drifted], d.name);
      assert.ok(
        Math.abs(ours.score - num(evidently.score)) <= 1e-6,
        `${d.name}: ${ours.score} vs ${String(evidently.score)}`,
      );
    });
  });

  it("beyond the sample limit: exact for categories and few values, Wasserstein estimated from the samples", () => {
    large.forEach((d, i) => {
      const evidently = results[datasets.length + i]!;
      assert.equal(evidently.method, d.method, `${d.name}: Evidently's own choice`);
      const reference = new ProfileBuilder();
      reference.addColumns({ x: d.reference }, d.reference.length);
      const ref = reference.build({ kind: "file", name: "reference" });
      const current = new ProfileBuilder(ref);
      current.addColumns({ x: d.current }, d.current.length);
      const ours = columnDrift(
        "x",
        "input",
        ref.columns.x!,
        current.build({ kind: "file", name: "current" }).columns.x!,
      );
      assert.deepEqual([ours.method, ours.drifted], [evidently.method, evidently.drifted], d.name);
      // Two 10 000-value samples estimate the distance to within a few hundredths (sampling error ~1/√n).
      const tolerance = d.method === "wasserstein" ? 0.05 : 1e-6;
      assert.ok(
        Math.abs(ours.score - num(evidently.score)) <= tolerance,
        `${d.name}: ${ours.score} vs ${String(evidently.score)}`,
      );
    });
  });
});
