// Analysis conditions: comparisons of result with a number, && and ||, parentheses — and nothing else.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { evaluateCondition, parseCondition } from "../../src/delivery/condition.js";

describe("analysis conditions", () => {
  it("compares result with a number by each operator", () => {
    assert.equal(evaluateCondition("result < 0.01", 0.005), true);
    assert.equal(evaluateCondition("result < 0.01", 0.01), false);
    assert.equal(evaluateCondition("result <= 0.01", 0.01), true);
    assert.equal(evaluateCondition("result > 5", 6), true);
    assert.equal(evaluateCondition("result >= 5", 5), true);
    assert.equal(evaluateCondition("result == 0", 0), true);
    assert.equal(evaluateCondition("result != 0", 0), false);
    assert.equal(evaluateCondition("result > -1.5e2", -100), true);
  });

  it("binds && tighter than || and honours parentheses", () => {
    assert.equal(evaluateCondition("result >= 0.9 && result <= 1", 0.95), true);
    assert.equal(evaluateCondition("result >= 0.9 && result <= 1", 1.5), false);
    assert.equal(evaluateCondition("result < 1 || result > 5 && result < 6", 0.5), true);
    assert.equal(evaluateCondition("(result < 1 || result > 5) && result < 6", 7), false);
    assert.deepEqual(parseCondition("result < 1 || result > 2 && result < 3"), {
      or: [
        { op: "<", number: 1 },
        {
          and: [
            { op: ">", number: 2 },
            { op: "<", number: 3 },
          ],
        },
      ],
    });
  });

  it("refuses anything else with INVALID_PARAMETER_VALUE saying what is allowed", () => {
    for (const bad of [
      "",
      "result",
      "result < ",
      "result < x",
      "1 < result",
      "result < 1 &&",
      "(result < 1",
      "process.exit()",
      "result < 1 ; drop",
    ]) {
      assert.throws(
        () => parseCondition(bad),
        (err: Error & { code?: string }) =>
          err.code === "INVALID_PARAMETER_VALUE" &&
          err.message.includes("comparisons of result with a number"),
        bad,
      );
    }
  });
});
