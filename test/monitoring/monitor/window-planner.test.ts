// The window planner, pure: which windows are closed (their end plus the upload grace has passed) and still to
// compute, by time (aligned to the epoch) or by chunks of logged rows.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planRowWindows, planTimeWindows } from "../../../src/monitoring/monitor/window-planner.js";

const HOUR = 3_600_000;
const T = 1_800_000_000_000; // on the hour: T % HOUR === 0

describe("time windows", () => {
  it("start on the hour containing the first logged row and close only after end + grace", () => {
    const after = T + 10 * 60_000;
    assert.deepEqual(planTimeWindows(3600, { after, now: T + HOUR + 14_999, graceMs: 15_000, max: 10 }), []);
    assert.deepEqual(planTimeWindows(3600, { after, now: T + HOUR + 15_000, graceMs: 15_000, max: 10 }), [
      { start: T, end: T + HOUR },
    ]);
  });

  it("go on from the last computed end and catch a long gap up at most `max` per tick", () => {
    const planned = planTimeWindows(60, { after: T, now: T + 10 * 60_000, graceMs: 0, max: 3 });
    assert.deepEqual(planned, [
      { start: T, end: T + 60_000 },
      { start: T + 60_000, end: T + 120_000 },
      { start: T + 120_000, end: T + 180_000 },
    ]);
  });
});

describe("row windows", () => {
  it("cut every N rows in time order; the rest waits for more rows", () => {
    const times = [10, 11, 12, 13, 14, 15, 16];
    assert.deepEqual(planRowWindows(times, { rows: 3, after: 0, max: 10 }), [
      { start: 0, end: 13 },
      { start: 13, end: 16 },
    ]);
  });

  it("never split rows logged in the same millisecond: the window takes them all", () => {
    const times = [10, 11, 11, 11, 12, 13];
    assert.deepEqual(planRowWindows(times, { rows: 2, after: 5, max: 10 }), [
      { start: 5, end: 12 },
      { start: 12, end: 14 },
    ]);
  });
});
