// A deployment's report from its stored windows, baselines and alerts: per version the windows in the range with
// their decisions, per column the baseline's histogram beside the range's (on the same bins) and the drift score
// per window, the alerts whose window overlaps the range, and a summary.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildReport } from "../../../src/monitoring/report/build-report.js";
import type { ReportProgress } from "../../../src/monitoring/report/report.js";
import { ALERT, HOSTILE, HOUR, T0, fixtureSources } from "./fixtures.js";

const range = { from: T0, to: T0 + 3 * HOUR };

describe("the monitoring report", () => {
  it("lists each version served in the range with its windows, oldest first", async () => {
    const report = await buildReport(fixtureSources(), "fraud", range);
    assert.equal(report.deployment, "fraud");
    assert.equal(report.model, "fraud-detector");
    assert.deepEqual(
      report.versions.map((v) => [v.version, v.windows.map((w) => (w.start - T0) / HOUR), v.rows]),
      [
        ["1", [0, 1, 2], 150],
        ["2", [1], 7],
      ],
    );
    assert.equal(report.versions[0]?.windows[2]?.quality?.accuracy, 0.8);
    assert.equal(report.versions[0]?.windows[2]?.expectedQuality?.accuracy, 0.9);
  });

  it("gives per column the reference and current histograms on the same bins", async () => {
    const sources = fixtureSources();
    const report = await buildReport(sources, "fraud", range);
    const v1 = report.versions[0];
    assert.deepEqual(
      v1?.columns.map((c) => [c.role, c.column, c.kind]),
      [
        ["input", HOSTILE, "categorical"],
        ["input", "amount", "numeric"],
        ["prediction", "prediction", "categorical"],
      ],
    );
    const amount = v1?.columns.find((c) => c.column === "amount");
    assert.deepEqual(amount?.reference, {
      kind: "numeric",
      binEdges: [0, 1, 2, 3, 4],
      counts: [10, 40, 40, 10],
      missing: 1,
    });
    assert.deepEqual(amount?.current, {
      kind: "numeric",
      binEdges: [0, 1, 2, 3, 4],
      counts: [5, 10, 40, 45],
      missing: 1,
    });
    const cat = v1?.columns.find((c) => c.column === HOSTILE);
    // The reference's most frequent categories first; a category only the current window has comes after.
    assert.deepEqual(cat?.reference, {
      kind: "categorical",
      categories: ["a", "b", "c"],
      counts: [60, 40, 0],
      other: 0,
      missing: 0,
    });
    assert.deepEqual(cat?.current, {
      kind: "categorical",
      categories: ["a", "b", "c"],
      counts: [20, 30, 50],
      other: 0,
      missing: 0,
    });
    // The current profile covers the whole range, once per version with a baseline.
    assert.deepEqual(sources.currentCalls, [{ version: "1", from: range.from, to: range.to }]);
  });

  it("draws each column's drift over time from the windows' decisions, with their thresholds", async () => {
    const report = await buildReport(fixtureSources(), "fraud", range);
    const amount = report.versions[0]?.columns.find((c) => c.column === "amount");
    assert.deepEqual(
      amount?.overTime.map((p) => [p.score, p.level, p.method, p.threshold, p.warnThreshold]),
      [
        [0.01, "ok", "psi", 0.1, 0.05],
        [0.06, "warn", "psi", 0.1, 0.05],
        [0.3, "alert", "psi", 0.1, 0.05],
      ],
    );
    assert.equal(amount?.worstLevel, "alert");
  });

  it("decides the whole range as one window against the baseline", async () => {
    const report = await buildReport(fixtureSources(), "fraud", range);
    const v1 = report.versions[0];
    const amount = v1?.columns.find((c) => c.column === "amount");
    // 100 reference rows: KS on the values (Evidently's default there), and the shift is plain.
    assert.equal(amount?.range?.method, "ks");
    assert.equal(amount?.range?.drifted, true);
    assert.equal(v1?.rangeDrift?.testedColumns, 2);
    assert.equal(v1?.rangeDrift?.drifted, true);
    assert.equal(report.versions[1]?.rangeDrift, undefined);
  });

  it("says a version without a baseline has no drift and no distributions", async () => {
    const report = await buildReport(fixtureSources(), "fraud", range);
    const v2 = report.versions[1];
    assert.equal(v2?.baseline, undefined);
    assert.deepEqual(v2?.columns, []);
    assert.equal(v2?.windows[0]?.drift, undefined);
  });

  it("sums the range up and keeps the alerts whose window overlaps it", async () => {
    const report = await buildReport(fixtureSources(), "fraud", range);
    assert.deepEqual(report.summary, {
      windows: 4,
      rows: 157,
      driftedWindows: 1,
      predictionDriftWindows: 1,
      alerts: 1,
      firingAlerts: 1,
      worstLevel: "alert",
    });
    assert.deepEqual(report.alerts, [ALERT]);
    const before = await buildReport(fixtureSources(), "fraud", { from: T0, to: T0 + 2 * HOUR });
    assert.deepEqual(before.alerts, []);
    assert.equal(before.summary.worstLevel, "warn");
  });

  it("narrows to one version when asked", async () => {
    const report = await buildReport(fixtureSources(), "fraud", { ...range, version: "2" });
    assert.equal(report.version, "2");
    assert.deepEqual(
      report.versions.map((v) => v.version),
      ["2"],
    );
    assert.deepEqual(report.alerts, []);
  });

  it("reports its progress, the profile of each version as a step", async () => {
    const steps: ReportProgress[] = [];
    await buildReport(fixtureSources(), "fraud", range, (p) => steps.push(p));
    assert.deepEqual(
      steps.map((s) => `${s.stage} ${s.done}/${s.total}`),
      ["windows 0/1", "windows 1/1", "profile of version 1 0/2", "profile of version 2 1/2", "done 2/2"],
    );
  });

  it("refuses a range that ends before it starts or spans more than 366 days", async () => {
    await assert.rejects(buildReport(fixtureSources(), "fraud", { from: T0, to: T0 }), {
      code: "INVALID_PARAMETER_VALUE",
      message: /must be after from/,
    });
    await assert.rejects(buildReport(fixtureSources(), "fraud", { from: 0, to: 400 * 24 * HOUR }), {
      code: "INVALID_PARAMETER_VALUE",
      message: /at most 366 days/,
    });
  });
});
