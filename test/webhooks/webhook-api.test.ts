import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { Receiver } from "./receiver.js";

const EVENTS = [{ entity: "REGISTERED_MODEL", action: "CREATED" }];

for (const backend of BACKENDS) {
  describe(`MLflow webhook API on ${backend.name}`, () => {
    let strict: TestServer;
    let local: TestServer;
    before(async () => {
      strict = await startTestServer(backend);
      local = await startTestServer(backend, {
        env: { FLOWGATE_WEBHOOK_ALLOW_HTTP: "true", FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true" },
      });
    });
    after(async () => {
      await strict.close();
      await local.close();
    });

    it("refuses SSRF targets with 400 and creates nothing", async () => {
      for (const url of [
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/x",
        "https://[::1]/",
        "https://0x7f000001/",
      ]) {
        const res = await call(strict, "POST", "/api/2.0/mlflow/webhooks", {
          name: "w",
          url,
          events: EVENTS,
        });
        assert.equal(res.status, 400, url);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
      const list = await call(strict, "GET", "/api/2.0/mlflow/webhooks");
      assert.deepEqual(list.body.webhooks, []);
    });

    it("refuses unknown events and a missing url with the field named", async () => {
      const bad = await call(strict, "POST", "/api/2.0/mlflow/webhooks", {
        name: "w",
        url: "https://93.184.215.14/x",
        events: [{ entity: "REGISTERED_MODEL", action: "EXPLODED" }],
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.message, /events\[0\]\.action/);
      const noUrl = await call(strict, "POST", "/api/2.0/mlflow/webhooks", { name: "w", events: EVENTS });
      assert.equal(noUrl.status, 400);
      assert.match(noUrl.body.message, /url/);
    });

    it("creates, gets, lists, updates and deletes a webhook, never returning its secret", async () => {
      const created = await call(strict, "POST", "/api/2.0/mlflow/webhooks", {
        name: "ci",
        url: "https://93.184.215.14/hook",
        events: [...EVENTS, { entity: "model_version_stage", action: "transitioned_to_production" }],
        secret: "a-long-enough-secret",
        description: "notify CI",
      });
      assert.equal(created.status, 200);
      const w = created.body.webhook;
      assert.equal(w.status, "ACTIVE");
      assert.deepEqual(w.events[1], { entity: "MODEL_VERSION_STAGE", action: "TRANSITIONED_TO_PRODUCTION" });
      assert.equal(JSON.stringify(created.body).includes("a-long-enough-secret"), false);
      const got = await call(strict, "GET", `/api/2.0/mlflow/webhooks/${w.webhook_id}`);
      assert.equal(got.body.webhook.name, "ci");
      const upd = await call(strict, "PATCH", `/api/2.0/mlflow/webhooks/${w.webhook_id}`, {
        status: "DISABLED",
        name: "ci-2",
      });
      assert.equal(upd.body.webhook.status, "DISABLED");
      assert.equal(upd.body.webhook.name, "ci-2");
      const list = await call(strict, "GET", "/api/2.0/mlflow/webhooks", { max_results: 10 });
      assert.equal(list.body.webhooks.length, 1);
      const del = await call(strict, "DELETE", `/api/2.0/mlflow/webhooks/${w.webhook_id}`);
      assert.deepEqual(del.body, {});
      const gone = await call(strict, "GET", `/api/2.0/mlflow/webhooks/${w.webhook_id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("test sends a signed example and reports the receiver's answer, with a bounded body", async () => {
      const receiver = new Receiver("test-secret-0123456789");
      receiver.respond = () => ({ status: 200 });
      await receiver.start();
      try {
        const created = await call(local, "POST", "/api/2.0/mlflow/webhooks", {
          name: "t",
          url: receiver.url,
          events: EVENTS,
          secret: "test-secret-0123456789",
        });
        const res = await call(
          local,
          "POST",
          `/api/2.0/mlflow/webhooks/${created.body.webhook.webhook_id}/test`,
          {},
        );
        assert.equal(res.status, 200);
        assert.equal(res.body.result.success, true);
        assert.equal(res.body.result.response_status, 200);
        assert.equal(receiver.received[0]!.verified, true);
        assert.equal(receiver.received[0]!.json.entity, "registered_model");
      } finally {
        await receiver.stop();
      }
    });

    it("every webhook change leaves one audit record", async () => {
      const created = await call(strict, "POST", "/api/2.0/mlflow/webhooks", {
        name: "aud",
        url: "https://93.184.215.14/hook",
        events: EVENTS,
      });
      const id = created.body.webhook.webhook_id;
      await call(strict, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, { secret: "new-secret-0123456789" });
      await call(strict, "DELETE", `/api/2.0/mlflow/webhooks/${id}`);
      const audit = await call(strict, "GET", "/api/flowgate/v1/audit", { target_id: id });
      assert.deepEqual(
        audit.body.events.map((e: { action: string }) => e.action),
        ["webhook.delete", "webhook.rotate_secret", "webhook.create"],
      );
      assert.equal(JSON.stringify(audit.body).includes("new-secret-0123456789"), false);
    });
  });
}
