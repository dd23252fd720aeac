// The statistics on cases with closed-form answers (the oracle test checks them against scipy and Evidently).

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { chiSquare } from "../../../src/monitoring/stats/chi-square.js";
import { chiSquaredSf, gammaQ, normalSf } from "../../../src/monitoring/stats/gamma.js";
import { hellinger } from "../../../src/monitoring/stats/hellinger.js";
import { jensenShannon } from "../../../src/monitoring/stats/jensen-shannon.js";
import { klDiv } from "../../../src/monitoring/stats/kl-divergence.js";
import { kolmogorovSf } from "../../../src/monitoring/stats/kolmogorov-distribution.js";
import { ks2samp } from "../../../src/monitoring/stats/kolmogorov-smirnov.js";
import { psi } from "../../../src/monitoring/stats/psi.js";
import { flooredSharesOf } from "../../../src/monitoring/stats/shares.js";
import { wasserstein, wassersteinNormed } from "../../../src/monitoring/stats/wasserstein.js";
import { zTestProportions } from "../../../src/monitoring/stats/z-test.js";

const near = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

describe("two-sample Kolmogorov–Smirnov", () => {
  it("separated samples of 5: D = 1 and the exact p = 2 / C(10, 5)", () => {
    const r = ks2samp([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    assert.deepEqual([r.statistic, r.method], [1, "exact"]);
    near(r.pValue, 2 / 252);
  });

  it("the same sample twice: D = 0, p = 1; unsorted input is sorted first", () => {
    assert.deepEqual(ks2samp([3, 1, 2], [2, 3, 1]), { statistic: 0, pValue: 1, method: "exact" });
  });

  it("refuses an empty sample", () => {
    assert.throws(() => ks2samp([], [1]), /two non-empty samples/);
  });

  it("the Kolmogorov distribution: certain below 1/(2n), 2(1 − x)^n near 1", () => {
    assert.equal(kolmogorovSf(10, 0.04), 1);
    near(kolmogorovSf(10, 0.95), 2 * 0.05 ** 10);
    assert.equal(kolmogorovSf(10, 1), 0);
  });
});

describe("chi-squared, the incomplete gamma function and the normal tail", () => {
  it("Q(1, x) = e^−x, so the chi-squared tail with 2 degrees of freedom is e^(−x/2)", () => {
    near(gammaQ(1, 3), Math.exp(-3));
    near(chiSquaredSf(5, 2), Math.exp(-2.5));
  });

  it("Pearson's statistic Σ (O − E)² / E with k − 1 degrees of freedom; an unexpected category is p = 0", () => {
    const r = chiSquare([10, 20, 30], [20, 20, 20]);
    assert.deepEqual([r.statistic, r.dof], [10, 2]);
    near(r.pValue, Math.exp(-5));
    assert.equal(chiSquare([5, 5], [10, 0]).pValue, 0);
  });

  it("the normal tail at 1.96 is 2.5%", () => {
    near(normalSf(1.959963984540054), 0.025, 1e-15);
    near(normalSf(0), 0.5);
  });

  it("the two-proportion Z-test: z from the pooled share, two-sided p", () => {
    const r = zTestProportions(50, 100, 30, 100);
    const pooled = 0.4;
    near(r.statistic, 0.2 / Math.sqrt(pooled * (1 - pooled) * 0.02));
    near(r.pValue, 2 * normalSf(r.statistic));
    assert.deepEqual(zTestProportions(0, 10, 0, 20), { statistic: 0, pValue: 1 });
  });
});

describe("distances between binned distributions", () => {
  it("empty bins get Evidently's floor: 0.0001, or the smallest share / 10⁶ when that is smaller", () => {
    assert.deepEqual(Array.from(flooredSharesOf([1, 0, 1])), [0.5, 0.0001, 0.5]);
    assert.deepEqual(Array.from(flooredSharesOf([1, 0, 19_999])), [
      1 / 20_000,
      1 / 20_000 / 1e6,
      19_999 / 20_000,
    ]);
  });

  it("PSI and KL on floored shares; equal distributions score 0", () => {
    near(psi([50, 50], [100, 0]), (0.5 - 1) * Math.log(0.5) + (0.5 - 0.0001) * Math.log(0.5 / 0.0001));
    assert.equal(psi([3, 1], [30, 10]), 0);
    near(klDiv([1, 1], [1, 3]), 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75));
  });

  it("Jensen–Shannon distance in natural log: √ln 2 for disjoint distributions; Hellinger 1", () => {
    near(jensenShannon([1, 0], [0, 1]), Math.sqrt(Math.LN2));
    assert.equal(hellinger([1, 0], [0, 1]), 1);
    assert.equal(hellinger([2, 2], [1, 1]), 0);
  });

  it("Wasserstein of a sample and its shift is the shift; normed, divided by the reference's population std", () => {
    near(wasserstein([0, 1, 2, 3], [2, 3, 4, 5]), 2);
    near(wassersteinNormed([0, 1, 2, 3], [2, 3, 4, 5]), 2 / Math.sqrt(1.25));
    near(wassersteinNormed([1, 1], [2, 2]), 1 / 0.001, 1e-9);
  });
});
