// A deployment's policy on one request: params for a model that declares them (the policy wins over the caller),
// a threshold decision by serving for any other model, and clear errors when the decision cannot apply.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DeploymentPolicy } from "../../src/delivery/deployment.js";
import type { ParamSpec } from "../../src/models/signature.js";
import { applyDecision, decidesInServing, policyParams } from "../../src/serving/policy.js";

const threshold: ParamSpec = { name: "threshold", type: "double", default: 0.5, shape: null };
const policy: DeploymentPolicy = {
  values: { threshold: 0.8, region: "eu" },
  decision: { threshold: "threshold" },
};

describe("deployment policy", () => {
  test("a model declaring a param gets the policy's value for it, over the caller's, and nothing undeclared", () => {
    assert.deepEqual(policyParams(policy, [threshold], undefined), { threshold: 0.8 });
    assert.deepEqual(policyParams(policy, [threshold], { threshold: 0.1, other: 1 }), {
      threshold: 0.8,
      other: 1,
    });
    assert.equal(decidesInServing(policy, [threshold]), false);
  });

  test("a model without params keeps the caller's params and serving applies the decision", () => {
    assert.deepEqual(policyParams(policy, undefined, { a: 1 }), { a: 1 });
    assert.equal(decidesInServing(policy, undefined), true);
    assert.equal(decidesInServing({ values: { threshold: 0.8 } }, undefined), false);
  });

  test("the decision turns class probabilities into labels at the policy's threshold", () => {
    assert.equal(applyDecision("[[0.1, 0.9], [0.3, 0.7], [0.2, 0.8]]", policy), "[1,0,1]");
    assert.equal(applyDecision("[0.95, 0.5]", policy), "[1,0]");
    assert.equal(applyDecision('[{"probabilities": [0.15, 0.85]}]', policy), "[1]");
    const custom: DeploymentPolicy = {
      values: { cut: 0.3 },
      decision: { threshold: "cut", classIndex: 0, positiveLabel: "setosa", negativeLabel: "other" },
    };
    assert.equal(applyDecision("[[0.4, 0.6], [0.1, 0.9]]", custom), '["setosa","other"]');
  });

  test("a changed threshold changes the next answer, from the same probabilities", () => {
    const probabilities = "[[0.25, 0.75]]";
    assert.equal(applyDecision(probabilities, policy), "[0]");
    assert.equal(applyDecision(probabilities, { ...policy, values: { threshold: 0.7 } }), "[1]");
  });

  test("answers without class probabilities, or a threshold that is not a number, are refused with the reason", () => {
    assert.throws(() => applyDecision('["setosa"]', policy), /needs class probabilities/);
    assert.throws(() => applyDecision('{"a": 1}', policy), /not a list of rows/);
    assert.throws(
      () => applyDecision("[0.5]", { values: { threshold: "high" }, decision: { threshold: "threshold" } }),
      /values.threshold, which is not a number/,
    );
  });
});
