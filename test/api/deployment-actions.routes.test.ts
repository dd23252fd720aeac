// The rollout actions over HTTP: pause, resume, promote and abort a running canary, each answering the
// deployment as it is after the action, recorded in the audit log; and the mistakes answered with their codes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { adminHeaders, startAuthServer, userWithRole } from "../governance/auth-support.js";

const D = "/api/flowgate/v1/deployments";

for (const backend of BACKENDS) {
  describe(`rollout actions API (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      // The controller's loop is off: each answer shows exactly what the action did.
      server = await startTestServer(backend, { env: { FLOWGATE_CONTROLLER: "off" } });
      for (const v of [1, 2]) await registerVersion(server, "fraud", v);
      const res = await call(server, "POST", D, {
        spec: {
          name: "fraud-live",
          model: "fraud",
          primary: "1",
          strategy: { canary: { version: "2", steps: [{ setWeight: 10 }, { pause: {} }] } },
        },
        reason: "canary v2",
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
    after(async () => server.close());

    const act = (action: string, body: Record<string, unknown>) =>
      call(server, "POST", `${D}/fraud-live/${action}`, body);

    it("pauses and resumes a running rollout, saying who paused and why", async () => {
      const paused = await act("pause", { reason: "dashboards look odd" });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal(paused.body.deployment.status.phase, "Paused");
      assert.equal(paused.body.deployment.status.pausedBy, "user");
      assert.equal(paused.body.deployment.status.pauseReason, "paused: dashboards look odd");
      assert.equal(paused.body.deployment.allowed.resume.ok, true);
      const again = await act("pause", { reason: "again" });
      assert.equal(again.status, 400);
      assert.equal(again.body.error_code, "INVALID_STATE");
      assert.match(again.body.message, /already paused/);
      const resumed = await act("resume", { reason: "fine after all" });
      assert.equal(resumed.status, 200);
      assert.equal(resumed.body.deployment.status.phase, "Progressing");
    });

    it("records a full promotion request for the controller to carry out", async () => {
      const res = await act("promote", { reason: "ship it", full: true });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.deployment.status.promoteRequested, "full");
    });

    it("aborts: the canary loses its traffic at once and the primary serves 100%", async () => {
      const res = await act("abort", { reason: "wrong model" });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.deployment.status.phase, "Aborted");
      assert.equal(res.body.deployment.status.canaryWeight, 0);
      assert.equal(res.body.deployment.status.promoteRequested, undefined);
      assert.deepEqual(
        res.body.deployment.routing.routes.filter((r: { weight: number }) => r.weight > 0),
        [{ version: "1", weight: 100, role: "primary" }],
      );
      const resume = await act("resume", { reason: "undo" });
      assert.equal(resume.status, 400);
      assert.equal(resume.body.error_code, "INVALID_STATE");
      assert.match(resume.body.message, /Aborted; write a new revision/);
      const rows = await server.app.database.db
        .selectFrom("audit_events")
        .select(["action", "reason"])
        .where("target_id", "=", "fraud-live")
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.action, r.reason]),
        [
          ["deployment.create", "canary v2"],
          ["deployment.pause", "dashboards look odd"],
          ["deployment.resume", "fine after all"],
          ["deployment.promote_request", "ship it"],
          ["deployment.abort", "wrong model"],
        ],
      );
    });

    it("refuses an action without a reason, and an unknown deployment with 404", async () => {
      const noReason = await act("abort", {});
      assert.equal(noReason.status, 400);
      assert.equal(noReason.body.error_code, "INVALID_PARAMETER_VALUE");
      const blank = await act("abort", { reason: "   " });
      assert.equal(blank.status, 400);
      assert.equal(blank.body.error_code, "INVALID_PARAMETER_VALUE");
      const missing = await call(server, "POST", `${D}/nope/pause`, { reason: "x" });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });
  });
}

describe("rollout actions under auth", () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
    for (const v of [1, 2]) await registerVersion(server, "fraud", v);
    const res = await call(
      server,
      "POST",
      D,
      {
        spec: {
          name: "guarded",
          model: "fraud",
          primary: "1",
          strategy: { canary: { version: "2", steps: [{ setWeight: 10 }, { pause: {} }] } },
        },
        reason: "canary v2",
      },
      adminHeaders,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
  after(async () => server.close());

  it("needs model.transition on the deployment's model: a reader may not abort, an ML engineer may pause", async () => {
    const reader = await userWithRole(server, "rhea", "reader");
    const denied = await call(server, "POST", `${D}/guarded/abort`, { reason: "no" }, reader);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error_code, "PERMISSION_DENIED");
    const engineer = await userWithRole(server, "mia", "ml-engineer");
    const paused = await call(server, "POST", `${D}/guarded/pause`, { reason: "looking" }, engineer);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    const [row] = await server.app.database.db
      .selectFrom("audit_events")
      .select(["actor", "action"])
      .where("target_id", "=", "guarded")
      .where("action", "=", "deployment.pause")
      .execute();
    assert.deepEqual(row, { actor: "mia", action: "deployment.pause" });
  });
});
