import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { datasetDrift } from "../../../src/monitoring/drift/dataset-drift.js";
import type { ColumnProfile } from "../../../src/monitoring/monitoring.js";
import { prng } from "../oracles/oracle.js";
import { categoricalProfile, datasetProfile, profilePair } from "./profiles.js";

const rng = prng(99);
const normals = (n: number, mean = 0) => Array.from({ length: n }, () => rng.normal(mean, 1));

/** Reference and current dataset profiles whose columns named in `shifted` drift (KS, 400 rows a side). */
function datasets(names: string[], shifted: string[], predictions: Record<string, number> = {}) {
  const ref: Record<string, ColumnProfile> = {};
  const cur: Record<string, ColumnProfile> = {};
  for (const name of names)
    [ref[name], cur[name]] = profilePair(normals(400), normals(400, shifted.includes(name) ? 1 : 0));
  const refPred: Record<string, ColumnProfile> = {};
  const curPred: Record<string, ColumnProfile> = {};
  for (const [name, shift] of Object.entries(predictions))
    [refPred[name], curPred[name]] = profilePair(normals(400), normals(400, shift));
  return [datasetProfile(ref, refPred), datasetProfile(cur, curPred)] as const;
}

describe("the dataset's drift decision", () => {
  it("drifts when at least half of the input columns drift, as Evidently's drift_share", () => {
    const half = datasetDrift(...datasets(["a", "b", "c", "d"], ["a", "b"]));
    assert.deepEqual(
      [half.driftedColumns, half.testedColumns, half.share, half.drifted, half.level],
      [2, 4, 0.5, true, "alert"],
    );
    const quarter = datasetDrift(...datasets(["a", "b", "c", "d"], ["a"]));
    assert.deepEqual([quarter.share, quarter.drifted, quarter.driftShare], [0.25, false, 0.5]);
    assert.equal(datasetDrift(...datasets(["a", "b", "c", "d"], ["a"]), { driftShare: 0.25 }).drifted, true);
  });

  it("counts prediction columns apart: prediction drift is their worst level", () => {
    const drift = datasetDrift(...datasets(["a", "b"], [], { prediction: 1, confidence: 0 }));
    assert.deepEqual([drift.testedColumns, drift.drifted, drift.predictionLevel], [2, false, "alert"]);
    const prediction = drift.columns.find((c) => c.column === "prediction")!;
    assert.deepEqual([prediction.role, prediction.drifted], ["prediction", true]);
    assert.equal(datasetDrift(...datasets(["a"], [], { prediction: 0 })).predictionLevel, "ok");
  });

  it("applies per-column options by column name", () => {
    const [ref, cur] = datasets(["a", "b"], ["a"]);
    const drift = datasetDrift(ref, cur, {
      columns: { a: { threshold: 1e-300 }, b: { method: "psi", threshold: 0 } },
    });
    const a = drift.columns.find((c) => c.column === "a")!;
    const b = drift.columns.find((c) => c.column === "b")!;
    assert.deepEqual([a.threshold, a.drifted, b.method, b.drifted], [1e-300, false, "psi", true]);
  });

  it("leaves out a column's options whose method does not apply to it (KS on a categorical column)", () => {
    const ref = datasetProfile({ c: categoricalProfile(["a", "b", "a"]) });
    const cur = datasetProfile({ c: categoricalProfile(["a", "b", "b"]) });
    const drift = datasetDrift(ref, cur, { columns: { c: { method: "ks", threshold: 0.9 } } });
    assert.deepEqual([drift.columns[0]!.method, drift.columns[0]!.threshold], ["z", 0.05]);
  });

  it("with Bonferroni divides p-value thresholds by the number of input columns tested, not distance thresholds", () => {
    const [ref, cur] = datasets(["a", "b", "c", "d"], []);
    ref.columns.e = categoricalProfile(Array.from({ length: 2000 }, (_, i) => (i % 3 ? "x" : "y")));
    cur.columns.e = categoricalProfile(Array.from({ length: 2000 }, (_, i) => (i % 3 ? "x" : "y")));
    const drift = datasetDrift(ref, cur, { bonferroni: true, columns: { b: { threshold: 0.5 } } });
    const by = (name: string) => drift.columns.find((c) => c.column === name)!;
    assert.deepEqual([by("a").threshold, by("a").warnThreshold], [0.01, 0.02]);
    assert.deepEqual([by("b").threshold, by("b").warnThreshold], [0.1, 0.2]);
    assert.deepEqual([by("e").method, by("e").threshold], ["jensenshannon", 0.1]);
  });

  it("warns when the share of columns at warn or alert reaches the drift share", () => {
    const [ref, cur] = datasets(["a", "b"], ["a"]);
    const drift = datasetDrift(ref, cur, {
      columns: { b: { method: "psi", threshold: 10, warnThreshold: 0 } },
    });
    assert.deepEqual([drift.drifted, drift.level], [true, "alert"]);
    const warned = datasetDrift(ref, cur, {
      driftShare: 0.75,
      columns: { b: { method: "psi", threshold: 10, warnThreshold: 0 } },
    });
    assert.deepEqual([warned.drifted, warned.level], [false, "warn"]);
  });

  it("does not test columns the current window lacks or that have no values on a side", () => {
    const [ref, cur] = datasets(["a", "b", "c"], ["a"]);
    delete cur.columns.b;
    cur.columns.c = { ...cur.columns.c!, n: 0, missing: 400, sample: [] } as ColumnProfile;
    const drift = datasetDrift(ref, cur);
    assert.deepEqual([drift.testedColumns, drift.share, drift.columns.map((c) => c.column)], [1, 1, ["a"]]);
    const none = datasetDrift(datasetProfile({}), datasetProfile({}));
    assert.deepEqual([none.testedColumns, none.share, none.drifted, none.level], [0, 0, false, "ok"]);
  });
});
