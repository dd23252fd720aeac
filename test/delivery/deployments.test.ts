// The deployments service as the rest of delivery sees it, on SQLite and PostgreSQL: webhook events of each
// change, a routing long-poll woken by a change made through another server on the same store, concurrent
// writers, the controller's system revisions, the initial rollout state per strategy, and governance.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { FAST_DELIVERY_ENV, Receiver } from "../webhooks/receiver.js";
import type { RoutingSnapshot } from "../../src/delivery/deployment.js";

const D = "/api/flowgate/v1/deployments";
const SECRET = "deployment-events-secret";

function spec(name: string, extra: Record<string, unknown> = {}, primary = "1") {
  return { name, model: "fraud", primary, ...extra };
}

for (const backend of BACKENDS) {
  describe(`deployments service (${backend.name})`, () => {
    let server: TestServer;
    let peer: TestServer;
    let receiver: Receiver;
    before(async () => {
      const uri = await backend.freshUri();
      // Two servers on one store, as two replicas behind a load balancer; neither runs the controller.
      server = await startTestServer(backend, {
        backendStoreUri: uri,
        controller: false,
        env: FAST_DELIVERY_ENV,
      });
      peer = await startTestServer(backend, { backendStoreUri: uri, controller: false });
      for (const v of [1, 2, 3, 4]) await registerVersion(server, "fraud", v);
      receiver = new Receiver(SECRET);
      await receiver.start();
      const hook = await call(server, "POST", "/api/2.0/mlflow/webhooks", {
        name: "deployments",
        url: receiver.url,
        secret: SECRET,
        events: ["CREATED", "UPDATED", "ROLLED_BACK", "DELETED", "PROMOTED"].map((action) => ({
          entity: "DEPLOYMENT",
          action,
        })),
      });
      assert.equal(hook.status, 200, JSON.stringify(hook.body));
    });
    after(async () => {
      await peer.close();
      await server.close();
      await receiver.stop();
    });

    it("publishes a signed webhook event for each change, in order", async () => {
      await call(server, "POST", D, { spec: spec("events"), reason: "ship" });
      await call(server, "PUT", `${D}/events`, { spec: spec("events", {}, "2"), reason: "retrained" });
      await call(server, "POST", `${D}/events/rollback`, { reason: "worse" });
      await call(server, "DELETE", `${D}/events`, { reason: "retired" });
      await receiver.waitFor(4);
      assert.deepEqual(
        receiver.received.map((r) => `${r.json.entity}.${r.json.action}`),
        ["deployment.created", "deployment.updated", "deployment.rolled_back", "deployment.deleted"],
      );
      assert.ok(receiver.received.every((r) => r.verified));
      assert.deepEqual(receiver.received[1]!.json.data, {
        name: "events",
        model: "fraud",
        revision: 2,
        primary: "2",
        author: "anonymous",
        reason: "retrained",
      });
      assert.equal(receiver.received[2]!.json.data.primary, "1");
    });

    it("wakes a routing long-poll on one server when the change is made through the other", async () => {
      await call(server, "POST", D, { spec: spec("shared"), reason: "ship" });
      const first = (await call(server, "GET", `${D}/shared/routing`)).body as RoutingSnapshot;
      const waiting = server.app.deployments.waitForRouting("shared", first.etag, 30_000);
      const changed = await call(peer, "PUT", `${D}/shared`, {
        spec: spec("shared", { shadow: { version: "2", percent: 10 } }),
        reason: "shadow",
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const woke = await waiting;
      assert.equal(woke.revision, 2);
      assert.deepEqual(woke.shadow, { version: "2", percent: 10 });
    });

    it("answers a long-poll with the same snapshot when nothing changed in time, or when the caller went away", async () => {
      const { deployments } = server.app;
      const now = await deployments.routing("shared");
      assert.equal((await deployments.waitForRouting("shared", now.etag, 300)).etag, now.etag);
      const gone = new AbortController();
      const waiting = deployments.waitForRouting("shared", now.etag, 30_000, gone.signal);
      gone.abort();
      assert.equal((await waiting).etag, now.etag);
      assert.notEqual((await deployments.waitForRouting("shared", "stale-etag", 30_000)).etag, "stale-etag");
    });

    it("lands concurrent changes as successive revisions, losing none", async () => {
      await call(server, "POST", D, { spec: spec("busy"), reason: "ship" });
      const writes = [2, 3, 4].map((warm) =>
        call(warm % 2 === 0 ? server : peer, "PUT", `${D}/busy`, {
          spec: spec("busy", { warm }),
          reason: `warm ${warm}`,
        }),
      );
      const answers = await Promise.all(writes);
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      const revisions = (await call(server, "GET", `${D}/busy/revisions`)).body.revisions as {
        revision: number;
        reason: string;
      }[];
      assert.deepEqual(
        revisions.map((r) => r.revision),
        [4, 3, 2, 1],
      );
      assert.deepEqual(
        revisions
          .slice(0, 3)
          .map((r) => r.reason)
          .sort(),
        ["warm 2", "warm 3", "warm 4"],
      );
    });

    it("starts each strategy's rollout state with the revision, and routes it", async () => {
      const canary = await call(server, "POST", D, {
        spec: spec("ramp", {
          strategy: { canary: { version: "2", steps: [{ setWeight: 10 }, { pause: {} }] } },
        }),
        reason: "canary",
      });
      assert.equal(canary.body.deployment.status.phase, "Progressing");
      assert.equal(canary.body.deployment.status.stepIndex, 0);
      assert.equal(canary.body.deployment.status.canaryWeight, 0);
      assert.equal(canary.body.deployment.allowed.pause.ok, true);
      const ab = await call(server, "POST", D, {
        spec: spec("split", {
          strategy: {
            abTest: {
              split: [
                { version: "1", weight: 60 },
                { version: "2", weight: 40 },
              ],
              sticky: { header: "x-user" },
            },
          },
        }),
        reason: "test",
      });
      assert.deepEqual(
        ab.body.deployment.routing.routes.map((r: { weight: number }) => r.weight),
        [60, 40],
      );
      assert.deepEqual(ab.body.deployment.routing.sticky, { header: "x-user" });
      const bg = await call(server, "POST", D, {
        spec: spec("swap", { strategy: { blueGreen: { previewVersion: "2" } } }),
        reason: "bg",
      });
      assert.deepEqual(bg.body.deployment.routing.preview, { version: "2", header: "x-flowgate-preview" });
      assert.deepEqual(bg.body.deployment.routing.routes, [{ version: "1", weight: 100, role: "primary" }]);
    });

    it("writes the controller's promotion as a system revision, refused when the deployment moved on", async () => {
      const { deployments } = server.app;
      const view = await deployments.get({ actor: "t", requestId: "t" }, "ramp");
      const promoted = await deployments.writeRevisionAsSystem("ramp", {
        spec: { ...view.spec, primary: "2", strategy: undefined },
        reason: "promoting version 2",
        expectedRevision: view.revision,
        webhook: "PROMOTED",
      });
      assert.equal(promoted.revision, 2);
      assert.equal(promoted.updatedBy, "system");
      assert.equal(promoted.status.phase, "Healthy");
      assert.deepEqual(promoted.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
      assert.deepEqual(promoted.routing.warm, ["1"]);
      const revision = (await call(server, "GET", `${D}/ramp/revisions/2`)).body.revision;
      assert.equal(revision.author, "system");
      await assert.rejects(
        deployments.writeRevisionAsSystem("ramp", {
          spec: view.spec,
          reason: "late",
          expectedRevision: view.revision,
        }),
        (err: Error & { code?: string }) =>
          err.code === "INVALID_STATE" && /is at revision 2, not 1/.test(err.message),
      );
    });

    it("under a four-eyes policy refuses giving a version traffic, yet lets a rollback return to a former primary", async () => {
      await call(server, "POST", D, { spec: spec("guarded"), reason: "ship" });
      await call(server, "PUT", `${D}/guarded`, { spec: spec("guarded", {}, "3"), reason: "v3" });
      const policy = await call(server, "PUT", "/api/flowgate/v1/models/fraud/policy", {
        policy: { require_approval: true },
      });
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      try {
        const refused = await call(server, "PUT", `${D}/guarded`, {
          spec: spec("guarded", {}, "4"),
          reason: "v4",
        });
        assert.equal(refused.status, 403, JSON.stringify(refused.body));
        assert.equal(refused.body.error_code, "PERMISSION_DENIED");
        assert.match(
          refused.body.message,
          /version 4 traffic in protected deployment:guarded needs an approved transition request/,
        );
        const back = await call(server, "POST", `${D}/guarded/rollback`, { reason: "v3 is bad" });
        assert.equal(back.status, 200, JSON.stringify(back.body));
        assert.equal(back.body.deployment.spec.primary, "1");
      } finally {
        await call(server, "DELETE", "/api/flowgate/v1/models/fraud/policy");
      }
    });
  });
}
