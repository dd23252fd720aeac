// Argo's measurement semantics: how a reading is judged against successCondition and failureCondition, and how
// the counters of a running analysis decide its phase.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AnalysisTemplate } from "../../../src/delivery/deployment.js";
import {
  MAX_KEPT_MEASUREMENTS,
  judge,
  record,
  startAnalysis,
} from "../../../src/delivery/controller/analysis.js";
import type { MetricReading } from "../../../src/delivery/controller/metric-source.js";

const provider = { serving: { metric: "error_rate" as const } };
const at = (reading: MetricReading) => ({ template: "t", reading, startedAt: 1, finishedAt: 2 });
const phase = (t: Partial<AnalysisTemplate>, reading: MetricReading) =>
  judge({ name: "t", provider, ...t }, at(reading)).phase;

describe("judging one measurement", () => {
  it("is Successful when the success condition holds and Failed when the failure condition holds", () => {
    const both = { successCondition: "result < 0.01", failureCondition: "result > 0.05" };
    assert.equal(phase(both, { value: 0.001 }), "Successful");
    assert.equal(phase(both, { value: 0.2 }), "Failed");
  });

  it("is Inconclusive when both conditions are given and neither holds", () => {
    assert.equal(
      phase({ successCondition: "result < 0.01", failureCondition: "result > 0.05" }, { value: 0.02 }),
      "Inconclusive",
    );
  });

  it("is Failed when only a success condition is given and it does not hold", () => {
    assert.equal(phase({ successCondition: "result >= 0.9" }, { value: 0.8 }), "Failed");
  });

  it("is Successful when only a failure condition is given and it does not hold", () => {
    assert.equal(phase({ failureCondition: "result > 250" }, { value: 120 }), "Successful");
  });

  it("is Failed for no data, whatever the conditions say", () => {
    assert.equal(phase({ failureCondition: "result > 0.05" }, { noData: "no requests" }), "Failed");
  });

  it("is Error for a provider error", () => {
    assert.equal(phase({ successCondition: "result < 1" }, { error: "timeout" }), "Error");
  });

  it("keeps the value and both conditions as written", () => {
    const m = judge(
      { name: "t", provider, successCondition: "result < 0.01", failureCondition: "result > 0.05" },
      at({ value: 0.03 }),
    );
    assert.deepEqual(
      { value: m.value, successCondition: m.successCondition, failureCondition: m.failureCondition },
      { value: 0.03, successCondition: "result < 0.01", failureCondition: "result > 0.05" },
    );
  });
});

describe("a running analysis", () => {
  const template: AnalysisTemplate = {
    name: "t",
    provider,
    successCondition: "result < 1",
    failureLimit: 1,
    count: 3,
    interval: "5s",
  };
  const add = (a: ReturnType<typeof startAnalysis>, r: MetricReading) =>
    record(a, template, judge(template, at(r)));

  it("fails only past failureLimit, and succeeds once count judged measurements are in", () => {
    let a = startAnalysis("t", false, 3, 0);
    a = add(a, { value: 5 });
    assert.equal(a.phase, "Running");
    a = add(a, { value: 0 });
    a = add(a, { value: 0 });
    assert.equal(a.phase, "Successful");
    assert.equal(a.nextAt, 2 + 5000);
  });

  it("does not count a provider error as a judged measurement", () => {
    let a = startAnalysis("t", false, 3, 0);
    for (const r of [{ value: 0 }, { error: "x" }, { value: 0 }]) a = add(a, r);
    assert.equal(a.phase, "Running");
    a = add(a, { value: 0 });
    assert.equal(a.phase, "Successful");
  });

  it("keeps the latest measurements of a long background analysis and counts them all", () => {
    const bg: AnalysisTemplate = { name: "t", provider, successCondition: "result < 1" };
    let a = startAnalysis("t", true, undefined, 0);
    for (let i = 0; i < MAX_KEPT_MEASUREMENTS + 5; i++)
      a = record(a, bg, judge(bg, at({ value: i / 10_000 })));
    assert.equal(a.measurements.length, MAX_KEPT_MEASUREMENTS);
    assert.equal(a.successful, MAX_KEPT_MEASUREMENTS + 5);
    assert.equal(a.phase, "Running");
  });
});
