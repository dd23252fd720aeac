// Shadow mirroring: the caller's side returns at once whatever the shadow does (raises, hangs, is slow); beyond
// the budget a request is dropped and counted; each window compares labels and numbers and times the shadow.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FlowgateError } from "../../src/core/errors.js";
import type { PredictionResult } from "../../src/serving/runtime.js";
import { compareAnswers, ShadowMirror, type ShadowOutcome } from "../../src/serving/shadow.js";

function later(ms: number, result: PredictionResult): Promise<PredictionResult> {
  return new Promise((resolve) => setTimeout(() => resolve(result), ms));
}

const ok = (predictions: string): PredictionResult => ({ ok: true, predictions });

async function settled(mirror: ShadowMirror): Promise<void> {
  while (mirror.pending > 0) await new Promise((r) => setTimeout(r, 5));
}

describe("shadow mirroring", () => {
  test("a shadow that raises, rejects or sleeps never holds up or fails the mirroring call", async () => {
    const outcomes: ShadowOutcome["outcome"][] = [];
    const mirror = new ShadowMirror(64, (_v, o) => outcomes.push(o.outcome));
    let slowDone = false;
    const calls = [
      () => {
        throw new Error("the shadow raised synchronously");
      },
      () => Promise.reject(new Error("the shadow's promise rejected")),
      () =>
        Promise.resolve<PredictionResult>({
          ok: false,
          error: new FlowgateError("INTERNAL_ERROR", "the model raised"),
        }),
      () =>
        later(300, ok("[1]")).then((r) => {
          slowDone = true;
          return r;
        }),
    ];
    for (const score of calls) {
      // Returns before the shadow has answered: nothing to await, nothing thrown.
      assert.equal(mirror.mirror({ version: "9", percent: 100, score }, "[1]"), undefined);
    }
    assert.equal(slowDone, false, "the slow shadow had not answered when mirroring returned");
    assert.equal(mirror.pending >= 1, true);
    await settled(mirror);
    const window = mirror.takeWindow();
    // Every copy that finished is a request, the failed ones included; only the answered one is compared.
    assert.equal(window?.requests, 4);
    assert.equal(window?.errors, 3);
    assert.equal(window?.compared, 1);
    assert.equal(window?.agreed, 1);
    assert.deepEqual(outcomes.sort(), ["answered", "error", "error", "error"]);
  });

  test("an always-failing shadow reports as many errors as requests: an error rate of 1", async () => {
    const mirror = new ShadowMirror();
    const failure: PredictionResult = {
      ok: false,
      error: new FlowgateError("BAD_REQUEST", "the model raised"),
    };
    for (let i = 0; i < 5; i++) {
      mirror.mirror({ version: "7", percent: 100, score: () => Promise.resolve(failure) }, "[0]");
    }
    await settled(mirror);
    const window = mirror.takeWindow();
    assert.deepEqual([window?.requests, window?.errors, window?.compared], [5, 5, 0]);
  });

  test("beyond the budget of shadow requests in flight, requests are dropped and counted", async () => {
    const mirror = new ShadowMirror(2);
    for (let i = 0; i < 5; i++) {
      mirror.mirror({ version: "2", percent: 100, score: () => later(50, ok("[0]")) }, "[0]");
    }
    assert.equal(mirror.pending, 2);
    await settled(mirror);
    const window = mirror.takeWindow();
    assert.equal(window?.requests, 2);
    assert.equal(window?.dropped, 3);
  });

  test("a window compares labels and numbers and times the shadow; the next window starts empty", async () => {
    let clock = 0;
    const mirror = new ShadowMirror(64, undefined, () => clock);
    const answer = (predictions: string, ms: number) => () => {
      const start = clock;
      return Promise.resolve().then(() => {
        clock = start + ms;
        return ok(predictions);
      });
    };
    mirror.mirror({ version: "3", percent: 100, score: answer('["a","b"]', 10) }, '["a","b"]');
    await settled(mirror);
    mirror.mirror({ version: "3", percent: 100, score: answer('["a","c"]', 20) }, '["a","b"]');
    await settled(mirror);
    mirror.mirror({ version: "3", percent: 100, score: answer("[1.0, 2.5]", 30) }, "[1.5, 2.0]");
    await settled(mirror);
    mirror.mirror({ version: "3", percent: 100, score: answer("[3.25]", 40) }, "[1.25]");
    await settled(mirror);
    const window = mirror.takeWindow();
    assert.deepEqual(
      { ...window, latencyMs: undefined },
      {
        version: "3",
        requests: 4,
        dropped: 0,
        errors: 0,
        latencyMs: undefined,
        compared: 4,
        agreed: 3,
        // Three numeric pairs: |1.5-1.0|, |2.0-2.5|, |1.25-3.25|; the labels differ once.
        meanAbsDiff: 1,
        maxAbsDiff: 2,
      },
    );
    assert.deepEqual(window?.latencyMs, { p50: 20, p99: 40, max: 40 });
    assert.equal(mirror.takeWindow(), undefined);
  });

  test("answers agree when every label matches; integer labels count as labels, floats as scores", () => {
    assert.equal(compareAnswers("[0, 1, 2]", "[0, 1, 2]").agreed, true);
    assert.equal(compareAnswers("[0, 1, 2]", "[0, 1, 1]").agreed, false);
    assert.equal(compareAnswers("[0.25]", "[0.5]").agreed, true);
    assert.equal(compareAnswers("[0.25]", "[0.5]").maxAbsDiff, 0.25);
    assert.equal(compareAnswers('[{"label": "x", "p": 0.9}]', '[{"label": "y", "p": 0.9}]').agreed, false);
    assert.equal(compareAnswers("[1, 2]", "[1]").agreed, false);
    assert.equal(compareAnswers("[1]", "not json").agreed, false);
  });

  test("a request's place in the sample follows from its id; 10% of ids are sampled at percent 10", () => {
    let sampled = 0;
    for (let i = 0; i < 10_000; i++) {
      const id = `req-${i}`;
      const inSample = ShadowMirror.sampled(id, 10);
      assert.equal(ShadowMirror.sampled(id, 10), inSample);
      if (inSample) sampled++;
    }
    assert.ok(Math.abs(sampled / 100 - 10) <= 2, `${sampled / 100}% sampled`);
    assert.equal(ShadowMirror.sampled("any", 100), true);
    assert.equal(ShadowMirror.sampled("any", 0), false);
  });
});
