// `track: {alias}`: which revision an alias move asks for.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { DeploymentRevision, DeploymentSpec } from "../../../src/delivery/deployment.js";
import { trackedSpec } from "../../../src/delivery/controller/alias-tracking.js";

const base: DeploymentSpec = { name: "fraud", model: "m", primary: "1", track: { alias: "champion" } };
const ramp = { canary: { version: "2", steps: [{ setWeight: 10 }, { pause: { duration: "1m" } }] } };

function revision(n: number, spec: DeploymentSpec): DeploymentRevision {
  return { deployment: "fraud", revision: n, spec, author: "a", reason: "r", createdAt: n, diff: [] };
}

describe("following a tracked alias", () => {
  it("asks for nothing while the alias names the deployed or rolling version", () => {
    assert.equal(trackedSpec(base, "1", []), undefined);
    assert.equal(trackedSpec({ ...base, strategy: ramp }, "2", []), undefined);
  });

  it("rolls the new version out as the canary of the current strategy", () => {
    const next = trackedSpec({ ...base, strategy: ramp }, "3", []);
    assert.deepEqual(next?.strategy, { canary: { ...ramp.canary, version: "3" } });
    assert.equal(next?.primary, "1");
  });

  it("reuses the ramp of the newest revision that had one after a promotion dropped it", () => {
    const history = [revision(2, base), revision(1, { ...base, strategy: ramp })];
    const next = trackedSpec(base, "3", history);
    assert.deepEqual(next?.strategy, { canary: { ...ramp.canary, version: "3" } });
  });

  it("makes the version the primary at once when there is no ramp to reuse", () => {
    const next = trackedSpec(base, "4", [revision(1, base)]);
    assert.equal(next?.primary, "4");
    assert.equal(next?.strategy, undefined);
  });

  it("moves a blue/green preview to the new version", () => {
    const bg = { blueGreen: { previewVersion: "2", autoPromotion: true } };
    assert.deepEqual(trackedSpec({ ...base, strategy: bg }, "5", [])?.strategy, {
      blueGreen: { previewVersion: "5", autoPromotion: true },
    });
  });
});
