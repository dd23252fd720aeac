import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FlowgateError } from "../../../src/core/errors.js";
import { columnDrift, methodApplies } from "../../../src/monitoring/drift/column-drift.js";
import { defaultMethod } from "../../../src/monitoring/drift/default-method.js";
import type { CategoricalProfile, NumericProfile } from "../../../src/monitoring/monitoring.js";
import { prng } from "../oracles/oracle.js";
import { categoricalProfile, numericProfile, profilePair } from "./profiles.js";

const rng = prng(7);
const normals = (n: number, mean = 0) => Array.from({ length: n }, () => rng.normal(mean, 1));
const repeat = <T>(v: T, n: number): T[] => new Array<T>(n).fill(v);

describe("the default method, as Evidently's get_default_stattest", () => {
  it("KS for numbers with more than 5 distinct values while the reference has at most 1000, normed Wasserstein above", () => {
    assert.equal(defaultMethod(...profilePair(normals(1000), normals(50))), "ks");
    assert.equal(defaultMethod(...profilePair(normals(1001), normals(50))), "wasserstein");
  });

  it("chi² for categories (and few-valued numbers), Z for at most two values, Jensen–Shannon above 1000 rows", () => {
    assert.equal(defaultMethod(...profilePair(["a", "b", "c"], ["a", "b"])), "chisquare");
    assert.equal(defaultMethod(...profilePair(["a", "b"], ["b", "a"])), "z");
    assert.equal(defaultMethod(...profilePair([1, 2, 3, 1], [2, 3])), "chisquare");
    assert.equal(defaultMethod(...profilePair([0, 1, 1], [1, 0])), "z");
    assert.equal(defaultMethod(...profilePair(repeat("a", 1001), ["a", "b", "c"])), "jensenshannon");
    assert.equal(
      defaultMethod(...profilePair([...repeat(0, 600), ...repeat(1, 600)], [0, 1])),
      "jensenshannon",
    );
  });

  it("counts distinct values over reference and current together, as Evidently's nunique of both", () => {
    // Two values in each, three together: chi², not Z.
    assert.equal(defaultMethod(...profilePair(["a", "b"], ["b", "c"])), "chisquare");
    // Three numeric values in each, six together: "more than 5", so KS.
    assert.equal(defaultMethod(...profilePair([1, 2, 3], [4, 5, 6])), "ks");
  });
});

describe("one column's drift decision", () => {
  it("says the method, the p-value as score with the statistic beside it, the thresholds and the rows", () => {
    const [ref, cur] = profilePair(normals(300), normals(200, 1));
    const drift = columnDrift("age", "input", ref, cur);
    assert.equal(drift.method, "ks");
    assert.equal(drift.kind, "numeric");
    assert.ok(drift.score < 1e-6 && drift.statistic! > 0.3);
    assert.deepEqual(
      [
        drift.threshold,
        drift.warnThreshold,
        drift.drifted,
        drift.level,
        drift.referenceRows,
        drift.currentRows,
      ],
      [0.05, 0.1, true, "alert", 300, 200],
    );
  });

  it("warns between the warn and alert thresholds: p < 2t for p-values, d ≥ t/2 for distances", () => {
    const [ref, cur] = profilePair(["a", "b"], ["a", "b"]);
    const at = (method: "psi" | "z", threshold: number) =>
      columnDrift("c", "input", ref, cur, { method, threshold });
    // Same shares: Z p = 1, PSI = 0.
    assert.equal(at("z", 0.6).level, "warn");
    assert.equal(at("z", 0.4).level, "ok");
    assert.equal(at("z", 1.01).level, "alert");
    assert.equal(at("psi", 0).level, "alert");
    const drift = columnDrift("c", "input", ref, cur, { method: "psi", threshold: 0.2, warnThreshold: 0 });
    assert.deepEqual([drift.level, drift.warnThreshold], ["warn", 0]);
  });

  it("KS drifts at p equal to the threshold (Evidently's ≤), chi² and Z only below it", () => {
    const [ref, cur] = profilePair([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6]);
    const ks = columnDrift("x", "input", ref, cur);
    assert.equal(ks.score, 1);
    assert.equal(columnDrift("x", "input", ref, cur, { threshold: 1 }).drifted, true);
    const [a, b] = profilePair(["x", "y"], ["x", "y"]);
    assert.equal(columnDrift("c", "input", a, b, { threshold: 1 }).drifted, false);
  });

  it("takes a per-column method and threshold instead of the default", () => {
    const [ref, cur] = profilePair(normals(2000), normals(2000, 0.15));
    assert.equal(columnDrift("x", "input", ref, cur).method, "wasserstein");
    const psi = columnDrift("x", "input", ref, cur, { method: "psi", threshold: 0.5 });
    assert.deepEqual([psi.method, psi.drifted, psi.statistic], ["psi", false, undefined]);
    assert.equal(columnDrift("x", "input", ref, cur, { method: "ks", threshold: 0.05 }).drifted, true);
  });

  it("refuses a sample method on a categorical column, a side without values and mismatched kinds", () => {
    const [ref, cur] = profilePair(["a"], ["b"]);
    const refused = (fn: () => unknown, message: RegExp) =>
      assert.throws(
        fn,
        (e: FlowgateError) => e.code === "INVALID_PARAMETER_VALUE" && message.test(e.message),
      );
    refused(
      () => columnDrift("c", "input", ref, cur, { method: "ks" }),
      /ks needs a numeric column; c is categorical/,
    );
    refused(() => columnDrift("c", "input", ref, categoricalProfile([])), /no values in the current profile/);
    refused(
      () => columnDrift("c", "input", ref, numericProfile([1]), { method: "psi" }),
      /categorical in the reference but numeric/,
    );
    assert.deepEqual(
      [methodApplies("wasserstein", "categorical"), methodApplies("psi", "categorical")],
      [false, true],
    );
  });

  it("counts categories lumped beyond the profile's category limit as one more category", () => {
    const ref: CategoricalProfile = {
      kind: "categorical",
      n: 100,
      missing: 0,
      frequencies: { a: 50 },
      other: 50,
    };
    const cur: CategoricalProfile = {
      kind: "categorical",
      n: 100,
      missing: 0,
      frequencies: { a: 90 },
      other: 10,
    };
    const drift = columnDrift("c", "input", ref, cur);
    assert.equal(drift.method, "z");
    assert.ok(drift.drifted);
  });

  it("tests a few-valued numeric column on its value counts, from the bins when the sample no longer holds every value", () => {
    // 20 000 values half 0 and half 1, of which the sample kept 10 000 with shares 70/30; the bins keep each value
    // apart, so their exact counts are used.
    const sampled = numericProfile([...repeat(0, 7000), ...repeat(1, 3000)]);
    const ref: NumericProfile = {
      ...sampled,
      n: 20_000,
      binCounts: [10_000, ...repeat(0, sampled.binCounts.length - 2), 10_000],
    };
    const cur = numericProfile([...repeat(0, 500), ...repeat(1, 500)], ref);
    const drift = columnDrift("flag", "input", ref, cur, { method: "psi" });
    assert.equal(drift.score, 0);
  });
});
