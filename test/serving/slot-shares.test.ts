// Versions served side by side by one deployment share the machine: each routed version's batcher runs at most
// its traffic's share of its runtime's slots, so a 10% variant makes larger batches instead of many tiny ones.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RoutingSnapshot } from "../../src/delivery/deployment.js";
import { shareSlots } from "../../src/serving/deployment-host.js";
import { hostModel, type HostedModel } from "../../src/serving/hosted-model.js";
import type { ModelMetadata } from "../../src/serving/model-metadata.js";
import type { ModelRuntime } from "../../src/serving/runtime.js";

function pythonLike(version: string, slots: number): HostedModel {
  const runtime: ModelRuntime = {
    kind: "python",
    slots,
    ready: () => true,
    recovering: () => false,
    notReadyReason: () => undefined,
    describe: () => ({}),
    close: async () => undefined,
    predictBatch: async (inputs) => inputs.map(() => ({ ok: true as const, predictions: "[]" })),
  };
  return hostModel(
    {
      name: "m",
      version,
      meta: {} as ModelMetadata,
      runtime,
      reason: "test",
      loadSeconds: 0,
      details: {},
    },
    { maxBatchSize: 64, maxBatchDelayMs: 2, maxQueue: 100 },
  );
}

function snapshot(routes: RoutingSnapshot["routes"]): RoutingSnapshot {
  return { deployment: "d", model: "m", revision: 1, etag: '"1"', routes, warm: [], phase: "Healthy" };
}

describe("slot shares between a deployment's versions", () => {
  test("a 90/10 split gives the 90% version every slot and the 10% version one", () => {
    const [a, b] = [pythonLike("1", 4), pythonLike("2", 4)];
    const split = snapshot([
      { version: "1", weight: 90, role: "primary" },
      { version: "2", weight: 10, role: "variant" },
    ]);
    shareSlots(
      split,
      new Map([
        ["1", a],
        ["2", b],
      ]),
      [a, b],
    );
    assert.deepEqual([a.batcher.slots, b.batcher.slots], [4, 1]);
  });

  test("an even split halves the slots; a version that takes no traffic or only shadows keeps all of its own", () => {
    const [a, b, shadow] = [pythonLike("1", 4), pythonLike("2", 4), pythonLike("3", 4)];
    shadow.batcher.limitSlots(1); // it was a 10% variant before
    shareSlots(
      snapshot([
        { version: "1", weight: 50, role: "primary" },
        { version: "2", weight: 50, role: "canary" },
      ]),
      new Map([
        ["1", a],
        ["2", b],
      ]),
      [a, b, shadow],
    );
    assert.deepEqual([a.batcher.slots, b.batcher.slots, shadow.batcher.slots], [2, 2, 4]);
  });
});
