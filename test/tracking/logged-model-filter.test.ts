import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseLoggedModelFilter } from "../../src/tracking/logged-model-filter.js";
import { FlowgateError } from "../../src/core/errors.js";

function refused(filter: string, pattern: RegExp): void {
  assert.throws(
    () => parseLoggedModelFilter(filter),
    (err: unknown) =>
      err instanceof FlowgateError && err.code === "INVALID_PARAMETER_VALUE" && pattern.test(err.message),
    filter,
  );
}

describe("the logged-model search filter", () => {
  it("means no filter when empty or blank", () => {
    assert.deepEqual(parseLoggedModelFilter(undefined), []);
    assert.deepEqual(parseLoggedModelFilter("   "), []);
  });

  it("reads attributes, params, tags and metrics joined by AND, in any case", () => {
    assert.deepEqual(
      parseLoggedModelFilter(
        "name = 'm' and params.lr != \"0.1\" AND tags.`mlflow.user` LIKE 'a%' AND metrics.acc >= 0.9 AND creation_time > 5",
      ),
      [
        { entity: "attribute", key: "name", op: "=", value: "m" },
        { entity: "param", key: "lr", op: "!=", value: "0.1" },
        { entity: "tag", key: "mlflow.user", op: "LIKE", value: "a%" },
        { entity: "metric", key: "acc", op: ">=", value: 0.9 },
        { entity: "attribute", key: "creation_timestamp", op: ">", value: 5 },
      ],
    );
  });

  it("takes - / : in unquoted keys, and quoted keys", () => {
    assert.deepEqual(parseLoggedModelFilter("tags.mlflow.source/name:x-y = 'a' AND \"model_id\" = 'm-1'"), [
      { entity: "tag", key: "mlflow.source/name:x-y", op: "=", value: "a" },
      { entity: "attribute", key: "model_id", op: "=", value: "m-1" },
    ]);
  });

  it("accepts the attributes. prefix and ILIKE", () => {
    assert.deepEqual(parseLoggedModelFilter("attributes.model_type ILIKE 'SK%'"), [
      { entity: "attribute", key: "model_type", op: "ILIKE", value: "SK%" },
    ]);
  });

  it("refuses what MLflow refuses, saying what is allowed", () => {
    refused("name = 'a' OR name = 'b'", /AND/);
    refused("colour = 'red'", /unknown attribute 'colour'/);
    refused("dataset.name = 'x'", /unknown entity type 'dataset'/);
    refused("metrics.acc LIKE '1'", /operator LIKE/);
    refused("name < 'a'", /operator </);
    refused("metrics.acc > 'x'", /number/);
    refused("name = 3", /quoted string/);
    refused("name = ", /expected a value/);
    refused("name = 'a' AND", /expected a key/);
    refused("name = 'a' ; drop table x", /unexpected character ';'/);
  });
});
