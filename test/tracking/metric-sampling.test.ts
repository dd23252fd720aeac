// MLflow's step sampling for the UI's charts (get-history-bulk-interval), as a specification.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Metric } from "../../src/tracking/entities.js";
import {
  evenlySpacedIndices,
  sampledSteps,
  sampleMetricHistories,
} from "../../src/tracking/metric-sampling.js";

const steps = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
const history = (runId: string, at: number[]): Metric[] =>
  at.map((step, i) => ({ key: "loss", value: step / 10, timestamp: 1000 + i, step, runId }));

describe("metric sampling for charts", () => {
  it("keeps every max_results-th step and the last one: steps 0-9, max 5 → 0,2,4,6,8,9", () => {
    assert.deepEqual(sampledSteps([steps(10)], 5, undefined), [0, 2, 4, 6, 8, 9]);
  });

  it("keeps all steps when there are no more than max_results", () => {
    assert.deepEqual(sampledSteps([steps(5)], 5, undefined), [0, 1, 2, 3, 4]);
  });

  it("samples within the requested range, keeping its last step", () => {
    assert.deepEqual(sampledSteps([steps(10)], 3, { start: 2, end: 7 }), [2, 4, 6, 7]);
  });

  it("samples the union of all runs' steps, adding each run's own first and last step", () => {
    // Run a logs 0..9, run b only 3..5: b's bounds 3 and 5 are kept although the stride skips them.
    assert.deepEqual(sampledSteps([steps(10), [3, 4, 5]], 2, undefined), [0, 3, 5, 9]);
  });

  it("starts at step 0 when no range is given, as MLflow does (negative steps are left out)", () => {
    assert.deepEqual(sampledSteps([[-2, -1, 0, 1]], 10, undefined), [0, 1]);
  });

  it("returns each run's points at the sampled steps, runs in request order", () => {
    const histories = new Map([
      ["b", history("b", steps(10))],
      ["a", history("a", steps(10))],
    ]);
    const points = sampleMetricHistories(histories, ["a", "b"], 5, undefined);
    assert.deepEqual(
      points.map((m) => `${m.runId}:${m.step}`),
      ["a:0", "a:2", "a:4", "a:6", "a:8", "a:9", "b:0", "b:2", "b:4", "b:6", "b:8", "b:9"],
    );
  });

  it("thins a run that logged many values at one step instead of returning them all", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ key: "m", value: i, timestamp: i, step: 0 }));
    const points = sampleMetricHistories(new Map([["r", many]]), ["r"], 5, undefined);
    assert.equal(points.length, 5);
    assert.equal(points[0]!.value, 0);
    assert.equal(points[4]!.value, 99);
  });

  it("picks evenly spaced indices with Python's rounding (halves to even)", () => {
    assert.deepEqual(evenlySpacedIndices(10, 4), [0, 3, 6, 9]);
    assert.deepEqual(evenlySpacedIndices(6, 5), [0, 1, 2, 4, 5]);
    assert.deepEqual(evenlySpacedIndices(3, 1), [2]);
    assert.deepEqual(evenlySpacedIndices(0, 3), []);
  });
});
