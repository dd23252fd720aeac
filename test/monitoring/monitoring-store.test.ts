// The baseline and label store's contract, on SQLite and PostgreSQL: one baseline per model version
// (replaced when set again), labels upserted by (deployment, request id) with numbers and texts kept apart,
// found in any number, and counted by arrival time.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createSqlMonitoringStore } from "../../src/monitoring/sql-monitoring-store.js";
import type { DatasetProfile } from "../../src/monitoring/monitoring.js";

const store = createSqlMonitoringStore();

function profile(rows: number): DatasetProfile {
  return {
    format: 1,
    rows,
    columns: { color: { kind: "categorical", n: rows, missing: 0, frequencies: { red: rows }, other: 0 } },
    predictions: {},
    source: { kind: "file", name: "train.csv" },
    createdAt: 1000,
  };
}

for (const backend of BACKENDS) {
  describe(`monitoring store on ${backend.name}`, () => {
    let database: Database;
    before(async () => {
      database = await openDatabase(await backend.freshUri());
    });
    after(async () => {
      await database.close();
    });

    it("keeps one baseline per model version: setting it again replaces it", async () => {
      const x = database.db;
      assert.equal(await store.getBaseline(x, 1, 1), undefined);
      await store.putBaseline(x, {
        modelId: 1,
        version: 1,
        profile: profile(10),
        createdAt: 1,
        createdBy: "a",
      });
      await store.putBaseline(x, {
        modelId: 1,
        version: 2,
        profile: profile(20),
        createdAt: 2,
        createdBy: "a",
      });
      await store.putBaseline(x, {
        modelId: 1,
        version: 1,
        profile: profile(30),
        createdAt: 3,
        createdBy: "b",
      });
      const one = await store.getBaseline(x, 1, 1);
      assert.deepEqual(one, { modelId: 1, version: 1, profile: profile(30), createdAt: 3, createdBy: "b" });
      assert.equal((await store.getBaseline(x, 1, 2))?.profile.rows, 20);
      assert.equal(await store.getBaseline(x, 2, 1), undefined);
    });

    it("upserts labels by deployment and request id, numbers and texts as sent", async () => {
      const x = database.db;
      await store.upsertLabels(x, "fraud-prod", [
        { requestId: "r1", label: 1, receivedAt: 100 },
        { requestId: "r2", label: "cat", receivedAt: 100 },
        { requestId: "r3", label: 0.25, receivedAt: 100 },
      ]);
      await store.upsertLabels(x, "fraud-prod", [{ requestId: "r2", label: 7, receivedAt: 200 }]);
      await store.upsertLabels(x, "other", [{ requestId: "r1", label: "dog", receivedAt: 300 }]);
      const found = await store.findLabels(x, "fraud-prod", ["r1", "r2", "r3", "missing", "r1"]);
      assert.deepEqual(
        [...found.values()].sort((a, b) => a.requestId.localeCompare(b.requestId)),
        [
          { requestId: "r1", label: 1, receivedAt: 100 },
          { requestId: "r2", label: 7, receivedAt: 200 },
          { requestId: "r3", label: 0.25, receivedAt: 100 },
        ],
      );
      assert.deepEqual((await store.findLabels(x, "other", ["r1"])).get("r1")?.label, "dog");
    });

    it("writes and finds batches larger than one statement", async () => {
      const x = database.db;
      const labels = Array.from({ length: 2500 }, (_, i) => ({
        requestId: `big-${i}`,
        label: i % 3 === 0 ? "yes" : i,
        receivedAt: 1000 + i,
      }));
      await store.upsertLabels(x, "big", labels);
      const found = await store.findLabels(
        x,
        "big",
        labels.map((l) => l.requestId),
      );
      assert.equal(found.size, 2500);
      assert.equal(found.get("big-2498")?.label, 2498);
      assert.equal(found.get("big-3")?.label, "yes");
    });

    it("counts the labels that arrived since a time, with the newest arrival", async () => {
      const x = database.db;
      assert.deepEqual(await store.labelArrivals(x, "fraud-prod", 0), { count: 3, lastReceivedAt: 200 });
      assert.deepEqual(await store.labelArrivals(x, "fraud-prod", 150), { count: 1, lastReceivedAt: 200 });
      assert.deepEqual(await store.labelArrivals(x, "fraud-prod", 201), { count: 0 });
      assert.deepEqual(await store.labelArrivals(x, "nobody", 0), { count: 0 });
    });
  });
}
