// What a replica reports per window: requests, the version's failures, latency quantiles and a prediction summary per version
// and role; a window is bounded in memory and starts empty after it is taken.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ObservationRecorder } from "../../src/serving/observations.js";
import { LatencyWindow, PredictionWindow, quantile } from "../../src/serving/window-stats.js";

describe("observation windows", () => {
  test("a window counts requests and failures per version and role, with latency and predictions", () => {
    let now = 1_000;
    const recorder = new ObservationRecorder(() => now);
    for (let i = 1; i <= 100; i++) recorder.record("1", "primary", "answered", i, "[0]");
    recorder.record("2", "canary", "answered", 5, '["b"]');
    recorder.record("2", "canary", "failed", 7);
    recorder.record("2", "canary", "refused", 1);
    now = 2_000;
    const window = recorder.take({ deployment: "iris", replica: "h:1/2", revision: 4 }, undefined);
    assert.deepEqual(
      { ...window, versions: undefined },
      {
        deployment: "iris",
        replica: "h:1/2",
        revision: 4,
        startedAt: 1_000,
        endedAt: 2_000,
        versions: undefined,
      },
    );
    assert.deepEqual(window.versions, [
      {
        version: "1",
        role: "primary",
        requests: 100,
        errors: 0,
        latencyMs: { p50: 50, p99: 99, max: 100 },
        predictions: { labels: { "0": 100 }, numericCount: 100, numericSum: 0 },
      },
      {
        version: "2",
        role: "canary",
        requests: 3,
        errors: 1,
        latencyMs: { p50: 5, p99: 7, max: 7 },
        predictions: { labels: { b: 1 }, numericCount: 0, numericSum: 0 },
      },
    ]);
    const next = recorder.take({ deployment: "iris", replica: "h:1/2", revision: 4 }, undefined);
    assert.deepEqual([next.startedAt, next.versions], [2_000, []]);
  });

  test("predictions: labels are strings, booleans and integers; numbers are summed, also inside records", () => {
    const p = new PredictionWindow();
    p.add("[1, 2, 2]");
    p.add('[{"label": "x", "score": 0.5}]');
    p.add("[[0.25, 0.75]]");
    p.add("[true]");
    p.add("not json");
    assert.deepEqual(p.summary(), {
      labels: { "1": 1, "2": 2, x: 1, true: 1 },
      numericCount: 6,
      numericSum: 1 + 2 + 2 + 0.5 + 0.25 + 0.75,
    });
  });

  test("a window keeps at most 256 distinct labels; the rest are counted together", () => {
    const p = new PredictionWindow();
    for (let i = 0; i < 300; i++) p.add(JSON.stringify([`label-${i}`]));
    const labels = p.summary().labels;
    assert.equal(Object.keys(labels).length, 257);
    assert.equal(labels.__other__, 44);
  });

  test("latency quantiles stay exact at the max and close in the middle beyond the sample size", () => {
    const w = new LatencyWindow();
    for (let i = 0; i < 100_000; i++) w.add(i % 1000);
    const s = w.summary();
    assert.equal(w.count, 100_000);
    assert.equal(s.max, 999);
    assert.ok(Math.abs(s.p50 - 500) < 60, `p50 ${s.p50}`);
    assert.ok(s.p99 > 950, `p99 ${s.p99}`);
    assert.equal(quantile([], 0.5), 0);
  });
});
