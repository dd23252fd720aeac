// The deployment store's contract, on SQLite and PostgreSQL: revisions newest first, the rollout state's
// optimistic concurrency, what counts as active, and observation windows by time with pruning.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { openDatabase, type Database } from "../../src/store/database.js";
import { createSqlDeploymentStore } from "../../src/delivery/sql-deployment-store.js";
import type { DeploymentRevision, DeploymentSpec, RolloutState } from "../../src/delivery/deployment.js";
import type { DeploymentRecord } from "../../src/delivery/deployment-store.js";
import type { ObservationWindow } from "../../src/delivery/observation.js";

const store = createSqlDeploymentStore();

function record(name: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    name,
    model: "fraud",
    revision: 1,
    createdAt: 1000,
    createdBy: "alice",
    updatedAt: 1000,
    updatedBy: "alice",
    ...extra,
  };
}

function revision(name: string, n: number, spec: Partial<DeploymentSpec> = {}): DeploymentRevision {
  return {
    deployment: name,
    revision: n,
    spec: { name, model: "fraud", primary: String(n), ...spec },
    author: "alice",
    reason: `revision ${n}`,
    createdAt: 1000 + n,
    diff: [{ path: "/primary", before: String(n - 1), after: String(n) }],
  };
}

function state(name: string, phase: RolloutState["phase"], rev = 1): RolloutState {
  return {
    deployment: name,
    revision: rev,
    phase,
    stepIndex: 0,
    canaryWeight: 0,
    stepStartedAt: 1000,
    abortRequested: false,
    analyses: [],
    updatedAt: 1000,
    version: 0,
  };
}

function window(name: string, endedAt: number, replica = "a"): ObservationWindow {
  return {
    deployment: name,
    replica,
    revision: 1,
    startedAt: endedAt - 1000,
    endedAt,
    versions: [
      {
        version: "1",
        role: "primary",
        requests: 10,
        errors: 0,
        latencyMs: { p50: 1, p99: 2, max: 3 },
        predictions: { labels: {}, numericCount: 0, numericSum: 0 },
      },
    ],
  };
}

for (const backend of BACKENDS) {
  describe(`deployment store (${backend.name})`, () => {
    let database: Database;
    before(async () => {
      database = await openDatabase(await backend.freshUri());
    });
    after(async () => database.close());

    it("keeps a deployment with its revisions, newest first, and lists by model and name", async () => {
      const db = database.db;
      await store.insert(db, record("b-dep"));
      await store.insert(db, record("a-dep", { model: "other" }));
      await store.insertRevision(db, revision("b-dep", 1));
      await store.insertRevision(db, revision("b-dep", 2, { strategy: { abTest: { split: [] } } }));
      const moved = record("b-dep", { revision: 2, strategy: "abTest", updatedBy: "bob", updatedAt: 2000 });
      assert.equal(await store.update(db, moved, 1), true);
      assert.equal(await store.update(db, { ...moved, revision: 3 }, 1), false, "revision 1 is stale now");
      const got = await store.get(db, "b-dep");
      assert.deepEqual(
        got,
        record("b-dep", { revision: 2, strategy: "abTest", updatedBy: "bob", updatedAt: 2000 }),
      );
      assert.deepEqual(
        (await store.revisions(db, "b-dep")).map((r) => r.revision),
        [2, 1],
      );
      assert.deepEqual(await store.revision(db, "b-dep", 1), revision("b-dep", 1));
      assert.equal(await store.revision(db, "b-dep", 3), undefined);
      assert.deepEqual(
        (await store.list(db, { offset: 0, limit: 10 })).map((d) => d.name),
        ["a-dep", "b-dep"],
      );
      assert.deepEqual(
        (await store.list(db, { model: "fraud", offset: 0, limit: 10 })).map((d) => d.name),
        ["b-dep"],
      );
      assert.deepEqual(
        (await store.list(db, { offset: 1, limit: 10 })).map((d) => d.name),
        ["b-dep"],
      );
    });

    it("writes a rollout state only over the version it was read at", async () => {
      const db = database.db;
      await store.insert(db, record("occ"));
      assert.equal(await store.getState(db, "occ"), undefined);
      assert.equal(await store.putState(db, state("occ", "Progressing"), 0), true);
      assert.equal(
        await store.putState(db, state("occ", "Paused"), 0),
        false,
        "a second first write is stale",
      );
      const first = await store.getState(db, "occ");
      assert.equal(first?.version, 1);
      assert.equal(first?.phase, "Progressing");
      assert.equal(await store.putState(db, { ...first, phase: "Paused" }, 1), true);
      assert.equal(
        await store.putState(db, { ...first, phase: "Healthy" }, 1),
        false,
        "version 1 is stale now",
      );
      const second = await store.getState(db, "occ");
      assert.equal(second?.phase, "Paused");
      assert.equal(second?.version, 2);
    });

    it("lists as active what is progressing, paused, tracking an alias or running an A/B test", async () => {
      const db = database.db;
      const cases: [string, RolloutState["phase"], Partial<DeploymentRecord>][] = [
        ["act-progressing", "Progressing", { strategy: "canary" }],
        ["act-paused", "Paused", { strategy: "canary" }],
        ["act-healthy", "Healthy", {}],
        ["act-degraded", "Degraded", { strategy: "canary" }],
        ["act-tracking", "Healthy", { trackAlias: "champion" }],
        ["act-ab", "Healthy", { strategy: "abTest" }],
      ];
      for (const [name, phase, extra] of cases) {
        await store.insert(db, record(name, extra));
        await store.insertRevision(db, revision(name, 1));
        assert.equal(await store.putState(db, state(name, phase), 0), true);
      }
      const active = (await store.listActive(db)).filter((a) => a.deployment.name.startsWith("act-"));
      assert.deepEqual(
        active.map((a) => a.deployment.name),
        ["act-ab", "act-paused", "act-progressing", "act-tracking"],
      );
      const progressing = active.find((a) => a.deployment.name === "act-progressing")!;
      assert.equal(progressing.spec.primary, "1");
      assert.equal(progressing.state.phase, "Progressing");
      assert.equal(progressing.state.version, 1);
    });

    it("answers observation windows by end time and prunes old ones on insert", async () => {
      const db = database.db;
      await store.insert(db, record("obs"));
      await store.insertObservation(db, window("obs", 5000), 0);
      await store.insertObservation(db, window("obs", 6000, "b"), 0);
      await store.insertObservation(db, window("obs", 7000), 0);
      assert.deepEqual(
        (await store.observations(db, "obs", 5000, 7000)).map((w) => [w.endedAt, w.replica]),
        [
          [6000, "b"],
          [7000, "a"],
        ],
      );
      assert.deepEqual(
        await store.observations(db, "obs", 5000, 7000).then((w) => w[0]),
        window("obs", 6000, "b"),
      );
      await store.insertObservation(db, window("obs", 8000), 6500);
      assert.deepEqual(
        (await store.observations(db, "obs", 0, 10_000)).map((w) => w.endedAt),
        [7000, 8000],
      );
    });

    it("deletes a deployment with everything it owns", async () => {
      const db = database.db;
      await store.insert(db, record("gone"));
      await store.insertRevision(db, revision("gone", 1));
      await store.putState(db, state("gone", "Healthy"), 0);
      await store.insertObservation(db, window("gone", 9000), 0);
      await store.delete(db, "gone");
      assert.equal(await store.get(db, "gone"), undefined);
      assert.deepEqual(await store.revisions(db, "gone"), []);
      assert.equal(await store.getState(db, "gone"), undefined);
      assert.deepEqual(await store.observations(db, "gone", 0, 10_000), []);
    });
  });
}
