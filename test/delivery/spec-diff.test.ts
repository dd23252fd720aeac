// A revision's diff: JSON-pointer paths of what changed, with the value before and after.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { diffSpecs } from "../../src/delivery/spec-diff.js";

describe("spec diff", () => {
  it("lists changed, added and removed leaves by JSON pointer", () => {
    const before = { name: "d", primary: "3", shadow: { version: "4", percent: 10 }, warm: 2 };
    const after = {
      name: "d",
      primary: "4",
      shadow: { version: "4", percent: 20 },
      policy: { values: { "a/b": 1 } },
    };
    assert.deepEqual(diffSpecs(before, after), [
      { path: "/primary", before: "3", after: "4" },
      { path: "/shadow/percent", before: 10, after: 20 },
      { path: "/warm", before: 2 },
      { path: "/policy", after: { values: { "a/b": 1 } } },
    ]);
  });

  it("compares arrays of the same length by index, others whole", () => {
    const steps = (...w: number[]) => ({ steps: w.map((setWeight) => ({ setWeight })) });
    assert.deepEqual(diffSpecs(steps(1, 10), steps(1, 20)), [
      { path: "/steps/1/setWeight", before: 10, after: 20 },
    ]);
    assert.deepEqual(diffSpecs(steps(1), steps(1, 20)), [
      { path: "/steps", before: [{ setWeight: 1 }], after: [{ setWeight: 1 }, { setWeight: 20 }] },
    ]);
  });

  it("describes a first revision as every field added, and equal specs as no change", () => {
    assert.deepEqual(diffSpecs(undefined, { name: "d", primary: "3" }), [
      { path: "/name", after: "d" },
      { path: "/primary", after: "3" },
    ]);
    assert.deepEqual(diffSpecs({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), []);
  });
});
