import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { FAST_DELIVERY_ENV, freePort, Receiver, waitUntil } from "./receiver.js";

const SECRET = "whsec-test-0123456789";
const FAST = FAST_DELIVERY_ENV;

async function createHook(
  server: TestServer,
  url: string,
  events = [{ entity: "MODEL_VERSION", action: "CREATED" }],
) {
  const res = await call(server, "POST", "/api/2.0/mlflow/webhooks", {
    name: "hook",
    url,
    events,
    secret: SECRET,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.webhook.webhook_id as string;
}

async function publish(server: TestServer, model: string, version: number): Promise<string> {
  return server.app.database.transaction((trx) =>
    server.app.webhooks.outbox.publish(trx, {
      entity: "MODEL_VERSION",
      action: "CREATED",
      orderingKey: model,
      data: { name: model, version: String(version) },
    }),
  );
}

async function deliveries(server: TestServer, id: string) {
  return (await call(server, "GET", `/api/flowgate/v1/webhooks/${id}/deliveries`)).body.deliveries as Array<{
    delivery_id: number;
    event_id: string;
    status: string;
    attempts: number;
    next_attempt_at?: number;
    attempts_log: Array<{ response_status?: number; time: number }>;
  }>;
}

for (const backend of BACKENDS) {
  describe(`webhook delivery on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { env: FAST });
    });
    after(async () => server.close());

    it("delivers a signed MLflow-shaped body that the receiver verifies", async () => {
      const receiver = new Receiver(SECRET);
      await receiver.start();
      try {
        await createHook(server, receiver.url);
        const eventId = await publish(server, "fraud", 1);
        await receiver.waitFor(1);
        const got = receiver.received[0]!;
        assert.equal(got.verified, true);
        assert.equal(got.id, eventId);
        assert.deepEqual(
          { entity: got.json.entity, action: got.json.action, data: got.json.data },
          { entity: "model_version", action: "created", data: { name: "fraud", version: "1" } },
        );
        assert.ok(got.mlflowSignature?.startsWith("v1,"));
      } finally {
        await receiver.stop();
      }
    });

    it("a receiver down then up gets every event exactly once, in order per model", async () => {
      const port = await freePort();
      const receiver = new Receiver(SECRET, port);
      const id = await createHook(server, receiver.url);
      const ids: string[] = [];
      for (let v = 1; v <= 4; v++) {
        ids.push(await publish(server, "model-a", v));
        ids.push(await publish(server, "model-b", v));
      }
      // Only the oldest pending event of each model is attempted: later ones wait behind it.
      await waitUntil(async () => (await deliveries(server, id)).filter((d) => d.attempts >= 2).length === 2);
      await receiver.start();
      try {
        await receiver.waitFor(8);
        await waitUntil(async () => (await deliveries(server, id)).every((d) => d.status === "delivered"));
        const byId = new Set(receiver.received.map((r) => r.id));
        assert.equal(byId.size, 8, "no duplicates");
        assert.deepEqual([...byId].sort(), [...ids].sort());
        for (const model of ["model-a", "model-b"]) {
          const versions = receiver.received
            .filter((r) => r.json.data.name === model)
            .map((r) => r.json.data.version);
          assert.deepEqual(versions, ["1", "2", "3", "4"], `${model} in order`);
        }
        assert.ok(receiver.received.every((r) => r.verified));
      } finally {
        await receiver.stop();
      }
    });

    it("honours Retry-After from a throttling receiver", async () => {
      const receiver = new Receiver(SECRET);
      let calls = 0;
      receiver.respond = () =>
        ++calls === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 };
      await receiver.start();
      try {
        const id = await createHook(server, receiver.url);
        await publish(server, "throttled", 1);
        await receiver.waitFor(1);
        await waitUntil(async () => (await deliveries(server, id))[0]?.status === "delivered");
        const [d] = await deliveries(server, id);
        const [first, second] = d!.attempts_log;
        assert.equal(first!.response_status, 429);
        assert.equal(second!.response_status, 200);
        assert.ok(second!.time - first!.time >= 1000, "waited at least the Retry-After");
      } finally {
        await receiver.stop();
      }
    });

    it("an event published in a transaction that rolls back is never delivered", async () => {
      const receiver = new Receiver(SECRET);
      await receiver.start();
      try {
        const id = await createHook(server, receiver.url);
        await assert.rejects(
          server.app.database.transaction(async (trx) => {
            await server.app.webhooks.outbox.publish(trx, {
              entity: "MODEL_VERSION",
              action: "CREATED",
              orderingKey: "ghost",
              data: { name: "ghost" },
            });
            throw new Error("the change failed");
          }),
        );
        await publish(server, "real", 1);
        await receiver.waitFor(1);
        assert.equal(receiver.received.length, 1);
        assert.equal(receiver.received[0]!.json.data.name, "real");
        assert.equal((await deliveries(server, id)).length, 1);
      } finally {
        await receiver.stop();
      }
    });

    it("redelivers a delivered event on request, with the same event id", async () => {
      const receiver = new Receiver(SECRET);
      await receiver.start();
      try {
        const id = await createHook(server, receiver.url);
        const eventId = await publish(server, "again", 1);
        await receiver.waitFor(1);
        const [d] = await deliveries(server, id);
        const res = await call(
          server,
          "POST",
          `/api/flowgate/v1/webhooks/${id}/deliveries/${d!.delivery_id}/redeliver`,
        );
        assert.equal(res.status, 200);
        await receiver.waitFor(2);
        assert.deepEqual(
          receiver.received.map((r) => r.id),
          [eventId, eventId],
        );
      } finally {
        await receiver.stop();
      }
    });

    it("a rotated secret keeps the old one valid: both verify during the window", async () => {
      const receiver = new Receiver(SECRET);
      await receiver.start();
      try {
        const id = await createHook(server, receiver.url);
        const upd = await call(server, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, {
          secret: "rotated-secret-9876543",
        });
        assert.equal(upd.status, 200);
        await publish(server, "rotation", 1);
        await receiver.waitFor(1);
        const got = receiver.received[0]!;
        assert.equal(got.verified, true, "old secret still verifies");
        assert.equal(got.signatures.split(" ").length, 2);
        const withNew = new Receiver("rotated-secret-9876543");
        const { verifySignature } = await import("../../src/webhooks/signer.js");
        assert.equal(
          verifySignature(
            withNew.secret,
            { id: got.id, timestamp: got.timestamp, signatures: got.signatures },
            got.body,
            Math.floor(Date.now() / 1000),
          ),
          true,
        );
      } finally {
        await receiver.stop();
      }
    });

    it("a receiver answering 410 Gone disables the webhook; re-enabling delivers what waited", async () => {
      const receiver = new Receiver(SECRET);
      let gone = true;
      receiver.respond = () => (gone ? { status: 410 } : { status: 200 });
      await receiver.start();
      try {
        const id = await createHook(server, receiver.url);
        await publish(server, "gone", 1);
        await waitUntil(
          async () =>
            (await call(server, "GET", `/api/2.0/mlflow/webhooks/${id}`)).body.webhook.status === "DISABLED",
        );
        const [d] = await deliveries(server, id);
        assert.equal(d!.status, "failed");
        gone = false;
        await publish(server, "gone", 2);
        assert.equal(
          (await call(server, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, { status: "ACTIVE" })).status,
          200,
        );
        await receiver.waitFor(1);
        assert.equal(receiver.received[0]!.json.data.version, "2");
      } finally {
        await receiver.stop();
      }
    });
  });

  describe(`webhook delivery across a restart on ${backend.name}`, () => {
    it("Flowgate restarted while retrying still delivers everything once", async () => {
      const uri = await backend.freshUri();
      const port = await freePort();
      const receiver = new Receiver(SECRET, port);
      const first = await startTestServer(backend, { env: FAST, backendStoreUri: uri });
      let id: string;
      const ids: string[] = [];
      try {
        id = await createHook(first, receiver.url);
        for (let v = 1; v <= 3; v++) ids.push(await publish(first, "restarted", v));
        await waitUntil(async () => (await deliveries(first, id)).some((d) => d.attempts >= 2));
      } finally {
        await first.close();
      }
      await receiver.start();
      const second = await startTestServer(backend, { env: FAST, backendStoreUri: uri });
      try {
        await receiver.waitFor(3);
        await waitUntil(async () => (await deliveries(second, id)).every((d) => d.status === "delivered"));
        assert.deepEqual(
          receiver.received.map((r) => r.id),
          ids,
        );
      } finally {
        await second.close();
        await receiver.stop();
      }
    });

    it("a webhook failing longer than the limit is disabled, and nothing pending is lost", async () => {
      const receiver = new Receiver(SECRET);
      let up = false;
      receiver.respond = () => (up ? { status: 200 } : { status: 503 });
      await receiver.start();
      const server = await startTestServer(backend, {
        env: { ...FAST, FLOWGATE_WEBHOOK_DISABLE_AFTER_MS: "400" },
      });
      try {
        const id = await createHook(server, receiver.url);
        const eventId = await publish(server, "flaky", 1);
        await waitUntil(
          async () =>
            (await call(server, "GET", `/api/2.0/mlflow/webhooks/${id}`)).body.webhook.status === "DISABLED",
        );
        assert.equal((await deliveries(server, id))[0]!.status, "pending");
        up = true;
        await call(server, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, { status: "ACTIVE" });
        await receiver.waitFor(1);
        assert.equal(receiver.received[0]!.id, eventId);
      } finally {
        await server.close();
        await receiver.stop();
      }
    });
  });
}
