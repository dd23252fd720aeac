import assert from "node:assert/strict";
import { FlowgateError } from "../../src/core/errors.js";

/** Asserts that `fn` throws INVALID_PARAMETER_VALUE with a message matching `message`. */
export function refusesAsInvalidParameter(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FlowgateError);
    assert.equal(err.code, "INVALID_PARAMETER_VALUE");
    assert.match(err.message, message);
    return true;
  });
}
