// What quality a version promised, from its run's metrics: validation names win over bare ones, sklearn's
// and mlflow.evaluate's names count, training metrics never do.
import { it } from "node:test";
import assert from "node:assert/strict";
import { expectedQuality } from "../../../src/monitoring/monitor/expected-quality.js";

it("takes val_/validation_/eval_/test_ metrics before the bare name, case-insensitive", () => {
  assert.deepEqual(expectedQuality({ accuracy: 0.99, val_accuracy: 0.9, VAL_F1_SCORE: 0.8 }), {
    accuracy: 0.9,
    f1: 0.8,
  });
  assert.deepEqual(expectedQuality({ eval_roc_auc: 0.7, root_mean_squared_error: 2 }), { auc: 0.7, rmse: 2 });
});

it("ignores training metrics and answers undefined when the run logged none of the quality metrics", () => {
  assert.equal(expectedQuality({ training_accuracy_score: 0.99, loss: 0.1 }), undefined);
});
