// The routing snapshot serving follows, derived from the revision's spec and the rollout state.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formerPrimaries, routingOf } from "../../src/delivery/routing.js";
import type { DeploymentRevision, DeploymentSpec, RolloutState } from "../../src/delivery/deployment.js";

const base: DeploymentSpec = { name: "fraud", model: "fraud-detector", primary: "3" };

function state(phase: RolloutState["phase"], canaryWeight = 0, revision = 4): RolloutState {
  return {
    deployment: "fraud",
    revision,
    phase,
    stepIndex: 0,
    canaryWeight,
    stepStartedAt: 0,
    abortRequested: false,
    analyses: [],
    updatedAt: 0,
    version: 1,
  };
}

const canary: DeploymentSpec = {
  ...base,
  strategy: { canary: { version: "4", steps: [{ setWeight: 10 }] } },
};

describe("routing snapshot", () => {
  it("without a strategy sends everything to the primary and keeps the last two former primaries warm", () => {
    const r = routingOf(base, state("Healthy"), ["2", "1", "0"]);
    assert.deepEqual(r.routes, [{ version: "3", weight: 100, role: "primary" }]);
    assert.deepEqual(r.warm, ["2", "1"]);
    assert.equal(r.deployment, "fraud");
    assert.equal(r.model, "fraud-detector");
    assert.equal(r.revision, 4);
    assert.equal(r.phase, "Healthy");
    assert.deepEqual(routingOf({ ...base, warm: 0 }, state("Healthy"), ["2"]).warm, []);
    assert.deepEqual(routingOf({ ...base, warm: 3 }, state("Healthy"), ["2", "1", "0"]).warm, [
      "2",
      "1",
      "0",
    ]);
  });

  it("splits a canary by the state's weight, listing the canary from weight 0 so it is loaded first", () => {
    assert.deepEqual(routingOf(canary, state("Progressing", 0), []).routes, [
      { version: "3", weight: 100, role: "primary" },
      { version: "4", weight: 0, role: "canary" },
    ]);
    assert.deepEqual(routingOf(canary, state("Paused", 10), []).routes, [
      { version: "3", weight: 90, role: "primary" },
      { version: "4", weight: 10, role: "canary" },
    ]);
  });

  it("gives the primary 100% once a rollout is Degraded or Aborted", () => {
    for (const phase of ["Degraded", "Aborted"] as const) {
      assert.deepEqual(routingOf(canary, state(phase, 50), []).routes, [
        { version: "3", weight: 100, role: "primary" },
      ]);
    }
  });

  it("routes an A/B test by its split with its sticky key", () => {
    const ab: DeploymentSpec = {
      ...base,
      strategy: {
        abTest: {
          split: [
            { version: "3", weight: 70 },
            { version: "4", weight: 30 },
          ],
          sticky: { header: "x-user" },
        },
      },
    };
    const r = routingOf(ab, state("Healthy"), []);
    assert.deepEqual(r.routes, [
      { version: "3", weight: 70, role: "variant" },
      { version: "4", weight: 30, role: "variant" },
    ]);
    assert.deepEqual(r.sticky, { header: "x-user" });
  });

  it("keeps blue/green's new side behind the preview header until the switch, then keeps the old side warm", () => {
    const bg: DeploymentSpec = { ...base, strategy: { blueGreen: { previewVersion: "4" } } };
    const before = routingOf(bg, state("Progressing", 0), ["2"]);
    assert.deepEqual(before.routes, [{ version: "3", weight: 100, role: "primary" }]);
    assert.deepEqual(before.preview, { version: "4", header: "x-flowgate-preview" });
    const after = routingOf(bg, state("Progressing", 100), ["2"]);
    assert.deepEqual(after.routes, [{ version: "4", weight: 100, role: "primary" }]);
    assert.equal(after.preview, undefined);
    assert.deepEqual(after.warm, ["3", "2"]);
  });

  it("carries the shadow and the policy, and never lists a serving version as warm", () => {
    const spec: DeploymentSpec = {
      ...canary,
      shadow: { version: "5", percent: 20 },
      policy: { values: { threshold: 0.7 } },
    };
    const r = routingOf(spec, state("Progressing", 10), ["4", "2"]);
    assert.deepEqual(r.shadow, { version: "5", percent: 20 });
    assert.deepEqual(r.policy, { values: { threshold: 0.7 } });
    assert.deepEqual(r.warm, ["2"]);
  });

  it("names the same content by the same etag and any change by another", () => {
    const a = routingOf(canary, state("Progressing", 10), ["2"]);
    assert.equal(routingOf(canary, state("Progressing", 10), ["2"]).etag, a.etag);
    const changes = [
      routingOf(canary, state("Progressing", 20), ["2"]),
      routingOf(canary, state("Paused", 10), ["2"]),
      routingOf(canary, state("Progressing", 10, 5), ["2"]),
      routingOf({ ...canary, policy: { values: { threshold: 0.8 } } }, state("Progressing", 10), ["2"]),
      routingOf(canary, state("Progressing", 10), ["1"]),
    ];
    for (const c of changes) assert.notEqual(c.etag, a.etag);
    assert.match(a.etag, /^4-[A-Za-z0-9_-]+$/);
  });

  it("lists former primaries newest first, without the current one or repeats", () => {
    const rev = (revision: number, primary: string): DeploymentRevision => ({
      deployment: "fraud",
      revision,
      spec: { ...base, primary },
      author: "a",
      reason: "r",
      createdAt: 0,
      diff: [],
    });
    const revisions = [rev(6, "3"), rev(5, "2"), rev(4, "3"), rev(3, "2"), rev(2, "1"), rev(1, "1")];
    assert.deepEqual(formerPrimaries(revisions, 6), ["2", "1"]);
    assert.deepEqual(formerPrimaries(revisions, 5), ["3", "1"]);
  });
});
