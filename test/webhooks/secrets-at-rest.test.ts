// Webhook secrets at rest: the database holds them sealed under the server key, never in the clear; deliveries
// are still signed with the secret the user set. A server started with another key cannot sign with them: its
// attempts fail saying why (nothing is sent unsigned, nothing is lost), and setting a new secret mends it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadSecretKey } from "../../src/webhooks/secret-box.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { FAST_DELIVERY_ENV, Receiver, waitUntil } from "./receiver.js";

const SECRET = "whsec-at-rest-0123456789";
const FAST = FAST_DELIVERY_ENV;
const KEY_A = "key-a-".padEnd(40, "a");
const KEY_B = "key-b-".padEnd(40, "b");

async function publish(server: TestServer, version: number): Promise<void> {
  await server.app.database.transaction((trx) =>
    server.app.webhooks.outbox.publish(trx, {
      entity: "MODEL_VERSION",
      action: "CREATED",
      orderingKey: "sealed",
      data: { name: "sealed", version: String(version) },
    }),
  );
}

describe("the webhook secret key", () => {
  it("is created once, 0600, and reused; FLOWGATE_SECRET_KEY wins and must be long", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-key-")), "conf", "secret.key");
    const first = await loadSecretKey({}, file);
    assert.equal(await loadSecretKey({}, file), first);
    assert.equal(readFileSync(file, "utf8"), first);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await loadSecretKey({ FLOWGATE_SECRET_KEY: KEY_A }, file), KEY_A);
    await assert.rejects(loadSecretKey({ FLOWGATE_SECRET_KEY: "short" }, file), /at least 32 characters/);
  });
});

for (const backend of BACKENDS) {
  describe(`webhook secrets at rest on ${backend.name}`, () => {
    it("a secret stored in the clear (before encryption) still signs, and is sealed by the next update", async () => {
      const receiver = new Receiver(SECRET);
      await receiver.start();
      const server = await startTestServer(backend, { env: { ...FAST, FLOWGATE_SECRET_KEY: KEY_A } });
      try {
        const res = await call(server, "POST", "/api/2.0/mlflow/webhooks", {
          name: "legacy",
          url: receiver.url,
          events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
          secret: SECRET,
        });
        const id: string = res.body.webhook.webhook_id;
        const row = () =>
          server.app.database.db
            .selectFrom("webhooks")
            .select("secret")
            .where("webhook_id", "=", id)
            .executeTakeFirstOrThrow();
        // As an earlier Flowgate wrote it.
        await server.app.database.db
          .updateTable("webhooks")
          .set({ secret: SECRET })
          .where("webhook_id", "=", id)
          .execute();
        await publish(server, 1);
        await receiver.waitFor(1);
        assert.equal(receiver.received[0]!.verified, true);
        const updated = await call(server, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, {
          description: "tidied",
        });
        assert.equal(updated.status, 200, JSON.stringify(updated.body));
        assert.match((await row()).secret ?? "", /^fgenc:v1:/);
        await publish(server, 2);
        await receiver.waitFor(2);
        assert.equal(receiver.received[1]!.verified, true);
      } finally {
        await server.close();
        await receiver.stop();
      }
    });

    it("are stored sealed, sign deliveries, and fail loudly under another key until a new secret is set", async () => {
      const uri = await backend.freshUri();
      const receiver = new Receiver(SECRET);
      await receiver.start();
      let id: string;
      const first = await startTestServer(backend, {
        backendStoreUri: uri,
        env: { ...FAST, FLOWGATE_SECRET_KEY: KEY_A },
      });
      try {
        const res = await call(first, "POST", "/api/2.0/mlflow/webhooks", {
          name: "sealed",
          url: receiver.url,
          events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
          secret: SECRET,
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        id = res.body.webhook.webhook_id;
        const row = await first.app.database.db
          .selectFrom("webhooks")
          .select("secret")
          .where("webhook_id", "=", id)
          .executeTakeFirstOrThrow();
        assert.match(row.secret ?? "", /^fgenc:v1:/);
        assert.ok(!(row.secret ?? "").includes(SECRET), "the secret is not stored in the clear");
        await publish(first, 1);
        await receiver.waitFor(1);
        assert.equal(receiver.received[0]!.verified, true);
      } finally {
        await first.close();
      }

      const second = await startTestServer(backend, {
        backendStoreUri: uri,
        env: { ...FAST, FLOWGATE_SECRET_KEY: KEY_B },
      });
      try {
        const listed = await call(second, "GET", "/api/2.0/mlflow/webhooks");
        assert.equal(listed.status, 200, "listing never needs the secrets");
        await publish(second, 2);
        const deliveries = async () =>
          (await call(second, "GET", `/api/flowgate/v1/webhooks/${id}/deliveries`)).body.deliveries as Array<{
            status: string;
            last_error?: string;
          }>;
        await waitUntil(async () => (await deliveries()).some((d) => d.last_error !== undefined));
        const failed = (await deliveries()).find((d) => d.last_error !== undefined)!;
        assert.match(failed.last_error!, /cannot be decrypted: this server's key/);
        assert.equal(receiver.received.length, 1, "nothing is sent unsigned");

        const mended = await call(second, "PATCH", `/api/2.0/mlflow/webhooks/${id}`, { secret: SECRET });
        assert.equal(mended.status, 200, JSON.stringify(mended.body));
        await receiver.waitFor(2);
        assert.equal(receiver.received[1]!.verified, true);
        assert.equal(receiver.received[1]!.json.data.version, "2", "the event that waited is delivered");
      } finally {
        await second.close();
        await receiver.stop();
      }
    });
  });
}
