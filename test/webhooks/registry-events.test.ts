import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { Receiver } from "./receiver.js";

const SECRET = "registry-events-secret-1";

for (const backend of BACKENDS) {
  describe(`registry changes publish webhook events on ${backend.name}`, () => {
    let server: TestServer;
    let receiver: Receiver;
    before(async () => {
      server = await startTestServer(backend, {
        env: {
          FLOWGATE_WEBHOOK_ALLOW_HTTP: "true",
          FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true",
          FLOWGATE_WEBHOOK_POLL_MS: "50",
        },
      });
      receiver = new Receiver(SECRET);
      await receiver.start();
      const res = await call(server, "POST", "/api/2.0/mlflow/webhooks", {
        name: "all",
        url: receiver.url,
        secret: SECRET,
        events: [
          { entity: "REGISTERED_MODEL", action: "CREATED" },
          { entity: "MODEL_VERSION_STAGE", action: "TRANSITIONED_TO_PRODUCTION" },
          { entity: "MODEL_VERSION_ALIAS", action: "CREATED" },
          { entity: "MODEL_VERSION_ALIAS", action: "MOVED" },
        ],
      });
      assert.equal(res.status, 200);
    });
    after(async () => {
      await server.close();
      await receiver.stop();
    });

    it("model created, stage transitioned and alias moved arrive once each, in order, signed", async () => {
      assert.equal(
        (await call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name: "evt" })).status,
        200,
      );
      await registerVersion(server, "evt", 1);
      await registerVersion(server, "evt", 2);
      const t = await call(server, "POST", "/api/2.0/mlflow/model-versions/transition-stage", {
        name: "evt",
        version: "1",
        stage: "Production",
      });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      await call(server, "POST", "/api/2.0/mlflow/registered-models/alias", {
        name: "evt",
        alias: "champion",
        version: "1",
      });
      await call(server, "POST", "/api/2.0/mlflow/registered-models/alias", {
        name: "evt",
        alias: "champion",
        version: "2",
      });
      await receiver.waitFor(5);
      assert.deepEqual(
        receiver.received.map((r) => `${r.json.entity}.${r.json.action}`),
        [
          "registered_model.created",
          "model_version_stage.transitioned_to_production",
          "model_version_alias.created",
          "model_version_alias.created",
          "model_version_alias.moved",
        ],
      );
      assert.ok(receiver.received.every((r) => r.verified));
      assert.deepEqual(receiver.received[4]!.json.data, {
        name: "evt",
        alias: "champion",
        version: "2",
        from_version: "1",
      });
    });
  });
}
