import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FlowgateError } from "../../src/core/errors.js";
import { target } from "../../src/cli/commands/gates.js";

describe("the promotion target of `gates evaluate` and `requests create`", () => {
  it("is one of --stage, --alias or --deployment, sent under its kind", () => {
    assert.deepEqual(target({ stage: "Production" }), { stage: "Production" });
    assert.deepEqual(target({ alias: "champion" }), { alias: "champion" });
    assert.deepEqual(target({ deployment: "fraud-live" }), { deployment: "fraud-live" });
  });

  it("refuses none or several, naming the three flags", () => {
    for (const opts of [{}, { stage: "Production", deployment: "fraud-live" }]) {
      assert.throws(
        () => target(opts),
        (err: unknown) =>
          err instanceof FlowgateError && /exactly one of --stage, --alias or --deployment/.test(err.message),
      );
    }
  });
});
