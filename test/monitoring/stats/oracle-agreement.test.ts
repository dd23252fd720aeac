// The drift statistics agree with scipy and Evidently on the same seeded data, within 1e-6: the oracle
// (test/monitoring/oracles/oracle.py) runs once for the whole file with every case batched.

import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { chiSquare } from "../../../src/monitoring/stats/chi-square.js";
import { chiSquaredSf, normalSf } from "../../../src/monitoring/stats/gamma.js";
import { hellinger } from "../../../src/monitoring/stats/hellinger.js";
import { jensenShannon } from "../../../src/monitoring/stats/jensen-shannon.js";
import { klDiv } from "../../../src/monitoring/stats/kl-divergence.js";
import { kolmogorovSf } from "../../../src/monitoring/stats/kolmogorov-distribution.js";
import { ks2samp, NEGLIGIBLE_EXPONENT } from "../../../src/monitoring/stats/kolmogorov-smirnov.js";
import { psi } from "../../../src/monitoring/stats/psi.js";
import { wasserstein, wassersteinNormed } from "../../../src/monitoring/stats/wasserstein.js";
import { zTestProportions } from "../../../src/monitoring/stats/z-test.js";
import {
  Agreement,
  categoryCounts,
  histogram,
  num,
  oracleSkip,
  prng,
  runOracle,
  sturgesEdges,
  type OracleCase,
  type OracleResult,
} from "../oracles/oracle.js";

const rng = prng(13);
const normals = (n: number, mean = 0, sd = 1) => Array.from({ length: n }, () => rng.normal(mean, sd));
/** Values on a coarse grid, so that both samples share many ties. */
const rounded = (n: number, mean: number) => normals(n, mean).map((v) => Math.round(v * 4) / 4);
const categories = (n: number, weights: number[], names = ["a", "b", "c", "d", "e", "f"]) =>
  Array.from({ length: n }, () => rng.pick(names.slice(0, weights.length), weights));

// Pairs of samples: [reference size, current size, current's shift, ties?]. Up to 10 000 values per side
// scipy's auto method is exact; beyond it asymptotic.
const ksPairs: [number, number, number, boolean][] = [
  [40, 40, 0.5, false],
  [200, 200, 0.1, false],
  [7, 11, 1, false],
  [100, 73, 0.3, false],
  [1000, 400, 0.05, false],
  [900, 2500, 0.2, true],
  [300, 10_000, 0.1, false],
  [10_000, 10_000, 0.02, false],
  [500, 500, 0, true],
  [20_000, 80, 0.3, false],
  [15_000, 12_000, 0.03, false],
  [12_000, 300, 0, true],
  [30_000, 25_000, 0.01, false],
  // Unequal sizes so far apart that the exact p-value is certainly negligible: asymptotic, still within 1e-6.
  [1000, 10_000, 1, false],
  [10_000, 7000, 0.5, false],
  [3000, 2000, 0.3, false],
];
const ksData = ksPairs.map(([n1, n2, shift, ties]) =>
  ties ? [rounded(n1, 0), rounded(n2, shift)] : [normals(n1), normals(n2, shift)],
);
// The one-sample Kolmogorov distribution in each of scipy's regimes.
const kstwoPoints: [number, number][] = [
  [10, 0.07],
  [10, 0.3],
  [10, 0.95],
  [100, 0.05],
  [100, 0.1],
  [100, 0.2],
  [100, 0.3],
  [130, 0.6],
  [500, 0.002],
  [500, 0.02],
  [500, 0.04],
  [500, 0.08],
  [5000, 0.01],
  [5000, 0.02],
  [5000, 0.06],
  [200_000, 0.001],
  [200_000, 0.003],
  [50, 0.01],
  [1000, 0.0009],
  [3000, 0.9998],
  // n > 140 with n·x^1.5 ≤ 1.4: the Durbin matrix.
  [1000, 0.0015],
  [2000, 0.004],
  [20_000, 0.0008],
];
const chiPoints: [number, number][] = [
  [0.5, 1],
  [3.84, 1],
  [10, 2],
  [1e-3, 3],
  [11.07, 5],
  [60, 50],
  [40, 50],
  [1050, 999],
  [900, 999],
  [200, 3],
];
const chiTables: [number[], number[]][] = [
  [
    [10, 20, 30],
    [15, 20, 25],
  ],
  [
    [120, 80, 45, 55],
    [100, 100, 50, 50],
  ],
  [
    [3, 0, 7],
    [4, 2, 4],
  ],
  [
    [1000, 1200, 900, 1100, 800],
    [1000, 1000, 1000, 1000, 1000],
  ],
];
const zPoints = [0, 0.5, 1.96, -1.3, 4, 8.5, 12];
const zSamples = [
  [categories(300, [0.7, 0.3]), categories(300, [0.6, 0.4])],
  [categories(1000, [0.5, 0.5]), categories(40, [0.5, 0.5])],
  [categories(100, [1]), categories(100, [1])],
  [categories(100, [1]), categories(50, [0.9, 0.1])],
];
// Distances on raw data, binned as Evidently bins them.
const numericPairs = [
  [normals(2000), normals(1500, 0.3)],
  [normals(800), normals(5000, 0, 1.5)],
  [normals(3000), normals(3000)],
  [normals(5000, 10, 3), normals(400, 14, 3)],
];
const categoricalPairs = [
  [categories(2000, [5, 3, 2, 1]), categories(1500, [4, 4, 2, 1])],
  [categories(500, [1, 1, 1]), categories(700, [1, 1, 1, 0.5])],
  [categories(1200, [10, 1, 0.01]), categories(1000, [10, 1])],
];
const wassersteinPairs = [
  ...numericPairs,
  [rounded(600, 0), rounded(900, 0.4)],
  [
    [1, 1, 1],
    [1, 2, 3],
  ],
];

function cases(): OracleCase[] {
  const out: OracleCase[] = [];
  for (const [a, b] of ksData) out.push({ op: "ks_2samp", a, b });
  for (const [n, x] of kstwoPoints) out.push({ op: "kstwo_sf", n, x });
  for (const [x, dof] of chiPoints) out.push({ op: "chi2_sf", x, dof });
  for (const [observed, expected] of chiTables) out.push({ op: "chisquare", observed, expected });
  for (const z of zPoints) out.push({ op: "norm_sf", z });
  for (const [reference, current] of zSamples) {
    out.push({ op: "evidently_stat", method: "z", kind: "categorical", reference, current, threshold: 0.05 });
  }
  for (const method of ["psi", "kl_div", "jensenshannon", "hellinger"]) {
    for (const [reference, current] of numericPairs) {
      out.push({ op: "evidently_stat", method, kind: "numeric", reference, current });
    }
    for (const [reference, current] of categoricalPairs) {
      out.push({ op: "evidently_stat", method, kind: "categorical", reference, current });
    }
  }
  for (const [a, b] of wassersteinPairs) {
    out.push({ op: "wasserstein_distance", a, b });
    out.push({ op: "evidently_stat", method: "wasserstein", kind: "numeric", reference: a, current: b });
  }
  return out;
}

/** The counts Evidently's get_binned_data computes for PSI / KL / JS: Sturges over ref + cur for numbers. */
function binnedCounts(kind: "numeric" | "categorical", ref: unknown[], cur: unknown[]): [number[], number[]] {
  if (kind === "categorical") return categoryCounts(ref, cur);
  const edges = sturgesEdges([...(ref as number[]), ...(cur as number[])]);
  return [histogram(ref as number[], edges), histogram(cur as number[], edges)];
}

/** Evidently's Hellinger bins numbers by Sturges over the distinct values of both samples. */
function hellingerCounts(
  kind: "numeric" | "categorical",
  ref: unknown[],
  cur: unknown[],
): [number[], number[]] {
  if (kind === "categorical") return categoryCounts(ref, cur);
  const edges = sturgesEdges([...new Set([...(ref as number[]), ...(cur as number[])])]);
  return [histogram(ref as number[], edges), histogram(cur as number[], edges)];
}

describe("drift statistics against scipy and Evidently", { skip: oracleSkip }, () => {
  let results: OracleResult[] = [];
  let at = 0;
  const next = (): OracleResult => results[at++]!;
  const agreement = new Agreement();

  before(async () => {
    results = await runOracle(cases());
  });

  it("two-sample KS: the statistic and p-value of scipy's ks_2samp, exact up to 10 000 values a side, asymptotic beyond", () => {
    ksPairs.forEach(([n1, n2], i) => {
      const [a, b] = ksData[i]!;
      const ours = ks2samp(a!, b!);
      const scipy = next();
      const negligible = n1 !== n2 && ((n1 * n2) / (n1 + n2)) * ours.statistic ** 2 >= NEGLIGIBLE_EXPONENT;
      assert.equal(ours.method, Math.max(n1, n2) <= 10_000 && !negligible ? "exact" : "asymp", `${n1}×${n2}`);
      assert.ok(
        agreement.close(`KS D (${ours.method})`, ours.statistic, num(scipy.statistic)),
        `${n1}×${n2} D`,
      );
      assert.ok(agreement.close(`KS p (${ours.method})`, ours.pValue, num(scipy.pValue)), `${n1}×${n2} p`);
    });
  });

  it("the Kolmogorov distribution's survival function in each of scipy's regimes (kstwo.sf)", () => {
    for (const [n, x] of kstwoPoints) {
      assert.ok(agreement.close("kstwo.sf", kolmogorovSf(n, x), num(next().value)), `n=${n} x=${x}`);
    }
  });

  it("chi-squared: the survival function and scipy's chisquare statistic and p-value", () => {
    for (const [x, dof] of chiPoints) {
      assert.ok(agreement.close("chi2.sf", chiSquaredSf(x, dof), num(next().value)), `x=${x} dof=${dof}`);
    }
    for (const [observed, expected] of chiTables) {
      const ours = chiSquare(observed, expected);
      const scipy = next();
      assert.ok(agreement.close("chi² statistic", ours.statistic, num(scipy.statistic)));
      assert.ok(agreement.close("chi² p", ours.pValue, num(scipy.pValue)));
      assert.equal(ours.dof, observed.length - 1);
    }
  });

  it("Z-test: the normal tail and the p-value of Evidently's z stattest, one value in both samples giving 1", () => {
    for (const z of zPoints) assert.ok(agreement.close("norm.sf", normalSf(z), num(next().value)), `z=${z}`);
    for (const [ref, cur] of zSamples) {
      const first = [...new Set([...ref!, ...cur!])].sort()[0];
      const k1 = ref!.filter((v) => v !== first).length;
      const k2 = cur!.filter((v) => v !== first).length;
      const ours = zTestProportions(k1, ref!.length, k2, cur!.length);
      assert.ok(agreement.close("Z p", ours.pValue, num(next().score)));
    }
  });

  for (const [method, fn, counts] of [
    ["PSI", psi, binnedCounts],
    ["KL", klDiv, binnedCounts],
    ["JS", jensenShannon, binnedCounts],
    ["Hellinger", hellinger, hellingerCounts],
  ] as const) {
    it(`${method}: Evidently's score on numeric and categorical data, on Evidently's bins`, () => {
      for (const [kind, pairs] of [
        ["numeric", numericPairs],
        ["categorical", categoricalPairs],
      ] as const) {
        for (const [ref, cur] of pairs as unknown[][][]) {
          const [r, c] = counts(kind, ref!, cur!);
          const evidently = next();
          assert.ok(agreement.close(method, fn(r, c), num(evidently.score)), `${method} ${kind}`);
        }
      }
    });
  }

  it("Wasserstein: scipy's wasserstein_distance, and Evidently's normed by the reference's std (floored at 0.001)", () => {
    for (const [a, b] of wassersteinPairs) {
      assert.ok(agreement.close("Wasserstein", wasserstein(a!, b!), num(next().value)));
      assert.ok(agreement.close("Wasserstein normed", wassersteinNormed(a!, b!), num(next().score)));
    }
  });

  it("every case was compared", (t) => {
    assert.equal(at, results.length);
    t.diagnostic(`oracle agreement: ${agreement.summary()}`);
  });
});
