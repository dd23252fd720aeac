// How an answer's shape becomes logged outputs: prediction, confidence and per-class probabilities.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { outputsOf, recordsOf } from "../../../src/serving/prediction-log/prediction-rows.js";
import { frameInput } from "./support.js";

describe("prediction log outputs", () => {
  it("reads labels, numbers and booleans as the prediction", () => {
    assert.deepEqual(outputsOf(1), { prediction: 1 });
    assert.deepEqual(outputsOf("setosa"), { prediction: "setosa" });
    assert.deepEqual(outputsOf(true), { prediction: "true" });
    assert.deepEqual(outputsOf([0.7]), { prediction: 0.7 });
  });

  it("reads an array of numbers as probabilities by class index", () => {
    assert.deepEqual(outputsOf([0.1, 0.7, 0.2]), {
      prediction: 1,
      confidence: 0.7,
      "proba.0": 0.1,
      "proba.1": 0.7,
      "proba.2": 0.2,
    });
  });

  it("reads an object of numbers as probabilities by class name", () => {
    assert.deepEqual(outputsOf({ cat: 0.2, dog: 0.8 }), {
      prediction: "dog",
      confidence: 0.8,
      "proba.cat": 0.2,
      "proba.dog": 0.8,
    });
  });

  it("reads named fields: prediction or label, probabilities, or a confidence", () => {
    assert.deepEqual(outputsOf({ label: "spam", probabilities: [0.1, 0.9] }), {
      prediction: "spam",
      confidence: 0.9,
      "proba.0": 0.1,
      "proba.1": 0.9,
    });
    assert.deepEqual(outputsOf({ prediction: 3, score: 0.6 }), { prediction: 3, confidence: 0.6 });
  });

  it("keeps anything else as JSON text", () => {
    assert.deepEqual(outputsOf({ a: "x", b: [1] }), { prediction: '{"a":"x","b":[1]}' });
  });

  it("makes one record per predicted row, with that row's inputs; columns-shaped answers row by row", () => {
    const req = {
      time: 5,
      requestId: "r",
      version: "1",
      role: "canary" as const,
      latencyMs: 1,
      input: frameInput([{ x: 1 }, { x: 2 }]),
      predictions: JSON.stringify({ label: ["a", "b"], score: [0.5, 0.9] }),
      config: { sampleRate: 1, hashed: [] as string[] },
    };
    const records = recordsOf(req);
    assert.deepEqual(
      records.map((r) => [r.row, r.inputs.x, r.outputs.prediction, r.outputs.confidence]),
      [
        [0, 1, "a", 0.5],
        [1, 2, "b", 0.9],
      ],
    );
  });

  it("reads CSV cells that are numbers as numbers", () => {
    const input = frameInput([{ x: "1.5", y: "FR" }]);
    if (input.kind === "frame") input.frame.fromText = true;
    const [r] = recordsOf({
      time: 1,
      requestId: "r",
      version: "1",
      role: "primary",
      latencyMs: 1,
      input,
      predictions: "[0]",
      config: { sampleRate: 1, hashed: [] },
    });
    assert.deepEqual(r!.inputs, { x: 1.5, y: "FR" });
  });
});
