import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { lintModelName } from "../../src/registry/naming.js";

describe("the model name lint", () => {
  it("accepts product names", () => {
    for (const name of ["fraud-detector", "churn_predictor", "resnet50-classifier", "Pricing Model"]) {
      assert.deepEqual(lintModelName(name), { warnings: [], suggestedName: undefined }, name);
    }
  });

  it("warns about version numbers in a name and suggests the product name", () => {
    assert.equal(lintModelName("fraud-detector-v2").suggestedName, "fraud-detector");
    assert.equal(lintModelName("churn_2").suggestedName, "churn");
    assert.equal(lintModelName("ranker-1.3").suggestedName, "ranker");
  });

  it("warns about final, new and copy", () => {
    const lint = lintModelName("fraud_detector_v2_final");
    assert.equal(lint.warnings.length, 2);
    assert.equal(lint.suggestedName, "fraud-detector");
    assert.equal(lintModelName("new model copy").suggestedName, "model");
  });
});
