import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { adminHeaders, startAuthServer, userWithRole } from "./auth-support.js";
import { registerVersion, runWithMetrics } from "./registry-fixture.js";

for (const backend of BACKENDS) {
  describe(`transition requests and four-eyes approval on ${backend.name}`, () => {
    let server: TestServer;
    let ds: Record<string, string>;
    let rm1: Record<string, string>;
    let rm2: Record<string, string>;
    before(async () => {
      server = await startAuthServer(backend);
      ds = await userWithRole(server, "dana", "data-scientist");
      rm1 = await userWithRole(server, "rita", "release-manager");
      rm2 = await userWithRole(server, "remy", "release-manager");
      await call(
        server,
        "PUT",
        "/api/flowgate/v1/models/churn/policy",
        {
          document:
            "require_approval: true\ngates:\n  - {name: auc-floor, type: metric, check: 'auc >= 0.7'}",
        },
        adminHeaders,
      );
      const good = await runWithMetrics(server, { auc: 0.8 }, adminHeaders);
      await registerVersion(server, "churn", 1, { runId: good, creator: "rita" });
      await registerVersion(server, "churn", 2, { runId: good, creator: "rita" });
      const weak = await runWithMetrics(server, { auc: 0.6 }, adminHeaders);
      await registerVersion(server, "churn", 3, { runId: weak, creator: "dana" });
    });
    after(async () => server.close());

    const request = (headers: Record<string, string>, version: number, reason = "better on the holdout") =>
      call(
        server,
        "POST",
        "/api/flowgate/v1/transition-requests",
        { name: "churn", version, stage: "production", reason },
        headers,
      );

    it("a request needs a reason", async () => {
      const res = await request(ds, 1, "  ");
      assert.equal(res.status, 400);
      assert.match(res.body.message, /reason/);
    });

    it("a direct promotion under a four-eyes policy is refused, through the MLflow API and the UI's ajax-api", async () => {
      for (const prefix of ["/api", "/ajax-api"]) {
        const res = await call(
          server,
          "POST",
          `${prefix}/2.0/mlflow/model-versions/transition-stage`,
          { name: "churn", version: "1", stage: "Production" },
          rm1,
        );
        assert.equal(res.status, 403);
        assert.equal(res.body.error_code, "PERMISSION_DENIED");
        assert.match(res.body.message, /approved transition request/);
        assert.match(res.body.message, /flowgate requests create churn 1 --stage Production/);
      }
    });

    it("neither the requester nor the version's creator may approve; another release manager's approval applies it", async () => {
      const created = await request(ds, 1);
      assert.equal(created.status, 200);
      const id = created.body.request.id;
      assert.equal(created.body.request.target, "Production");
      const pending = await call(server, "GET", "/api/flowgate/v1/transition-requests", {}, rm2);
      assert.ok(pending.body.requests.some((r: { id: number }) => r.id === id));
      const byDs = await call(server, "POST", `/api/flowgate/v1/transition-requests/${id}/approve`, {}, ds);
      assert.equal(byDs.status, 403);
      const byCreator = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${id}/approve`,
        {},
        rm1,
      );
      assert.equal(byCreator.status, 403);
      assert.match(byCreator.body.message, /registered 'churn' version 1/);
      const ok = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${id}/approve`,
        { comment: "looks good" },
        rm2,
      );
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.request.status, "approved");
      assert.equal(ok.body.request.decided_by, "remy");
      const mv = await call(
        server,
        "GET",
        "/api/2.0/mlflow/model-versions/get",
        { name: "churn", version: "1" },
        rm2,
      );
      assert.equal(mv.body.model_version.current_stage, "Production");
      const audit = await call(
        server,
        "GET",
        "/api/flowgate/v1/audit",
        { action: "model_version.transition_stage", target_id: "churn/1" },
        adminHeaders,
      );
      assert.equal(audit.body.events.length, 1, "one audit record for the approved transition");
      assert.equal(audit.body.events[0].actor, "remy");
      assert.match(
        audit.body.events[0].reason,
        /approved transition request \d+ \(requested by dana: better on the holdout\)/,
      );
      const again = await call(server, "POST", `/api/flowgate/v1/transition-requests/${id}/approve`, {}, rm2);
      assert.equal(again.status, 400);
      assert.equal(again.body.error_code, "INVALID_STATE");
    });

    it("an approval cannot push a version through a failing gate; the request stays pending", async () => {
      const created = await request(rm1, 3);
      const id = created.body.request.id;
      const res = await call(server, "POST", `/api/flowgate/v1/transition-requests/${id}/approve`, {}, rm2);
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "INVALID_STATE");
      assert.match(res.body.message, /gate 'auc-floor': auc = 0\.6 but must be >= 0\.7: off by 0\.1/);
      const after = await call(server, "GET", `/api/flowgate/v1/transition-requests/${id}`, {}, rm2);
      assert.equal(after.body.request.status, "pending");
      const mv = await call(
        server,
        "GET",
        "/api/2.0/mlflow/model-versions/get",
        { name: "churn", version: "3" },
        rm2,
      );
      assert.equal(mv.body.model_version.current_stage, "None");
    });

    it("a release manager rejects; only the requester cancels", async () => {
      const a = (await request(ds, 2)).body.request.id;
      const rejected = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${a}/reject`,
        { comment: "not yet" },
        rm2,
      );
      assert.equal(rejected.body.request.status, "rejected");
      const b = (await request(ds, 2)).body.request.id;
      const byOther = await call(server, "POST", `/api/flowgate/v1/transition-requests/${b}/cancel`, {}, rm2);
      assert.equal(byOther.status, 403);
      const cancelled = await call(
        server,
        "POST",
        `/api/flowgate/v1/transition-requests/${b}/cancel`,
        {},
        ds,
      );
      assert.equal(cancelled.body.request.status, "cancelled");
      const dsReject = await call(server, "POST", `/api/flowgate/v1/transition-requests/${b}/reject`, {}, ds);
      assert.equal(dsReject.status, 403);
    });
  });
}
