// A grant on a registered model is a grant on that model, not on its name: it follows a rename, it is gone
// when the model is deleted, and a later model that takes the name gets nothing from it. Users can be
// deleted (API and CLI), and their grants and tokens go with them.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { call, type TestServer } from "../support/test-server.js";
import { ADMIN, adminHeaders, basic, bearer, STRONG_PASSWORD, startAuthServer } from "./auth-support.js";
import { grant, MLFLOW, NATIVE, ok, storeSnapshot } from "./scoped-world.js";

for (const backend of BACKENDS) {
  describe(`grants follow the model, users can be deleted, on ${backend.name}`, () => {
    let server: TestServer;
    const gil = basic("gil", STRONG_PASSWORD);
    before(async () => {
      server = await startAuthServer(backend);
      await ok(server, "POST", `${NATIVE}/users`, { username: "gil", password: STRONG_PASSWORD });
    });
    after(async () => server.close());

    const get = async (name: string) =>
      (await call(server, "GET", `${MLFLOW}/registered-models/get`, { name }, gil)).status;
    const grantsOf = async (username: string) =>
      (await ok(server, "GET", `${NATIVE}/users/${username}`, {})).user.grants as Array<
        Record<string, unknown>
      >;

    it("a model grant follows a rename and does not pass to a new model of the old name", async () => {
      const created = await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "churn" });
      await grant(server, "gil", "reader", "registered_model", "churn");
      assert.equal(await get("churn"), 200);
      await ok(server, "POST", `${MLFLOW}/registered-models/rename`, { name: "churn", new_name: "churn-v2" });
      assert.equal(await get("churn-v2"), 200);
      await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "churn" });
      assert.equal(await get("churn"), 403);
      const search = await ok(server, "GET", `${MLFLOW}/registered-models/search`, {}, gil);
      assert.deepEqual(
        (search.registered_models as Array<{ name: string }>).map((m) => m.name),
        ["churn-v2"],
      );
      const grants = await grantsOf("gil");
      assert.equal(grants.length, 1);
      assert.equal(grants[0]?.model_name, "churn-v2");
      assert.match(String(grants[0]?.scope_id), /^\d+$/);
      assert.ok(created.registered_model.name === "churn");
    });

    it("deleting a model deletes its grants; a model that reuses the name is not reached", async () => {
      await ok(server, "DELETE", `${MLFLOW}/registered-models/delete`, { name: "churn-v2" });
      assert.deepEqual(await grantsOf("gil"), []);
      await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "churn-v2" });
      assert.equal(await get("churn-v2"), 403);
    });

    it("a grant names an existing model, and is revoked by the model's current name", async () => {
      const before = await storeSnapshot(server);
      const missing = await call(
        server,
        "POST",
        `${NATIVE}/users/gil/grants`,
        { role: "reader", scope_type: "registered_model", scope_id: "no-such-model" },
        adminHeaders,
      );
      assert.equal(missing.status, 404, JSON.stringify(missing.body));
      assert.equal(await storeSnapshot(server), before);
      await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "fraud" });
      await grant(server, "gil", "reader", "registered_model", "fraud");
      await ok(server, "POST", `${MLFLOW}/registered-models/rename`, { name: "fraud", new_name: "fraud-2" });
      await ok(server, "DELETE", `${NATIVE}/users/gil/grants`, {
        role: "reader",
        scope_type: "registered_model",
        scope_id: "fraud-2",
      });
      assert.equal(await get("fraud-2"), 403);
    });

    it("deleting a user removes their grants and tokens; the audit log keeps the deletion", async () => {
      await ok(server, "POST", `${NATIVE}/users`, {
        username: "tmp",
        password: STRONG_PASSWORD,
        role: "reader",
      });
      const token = await ok(server, "POST", `${NATIVE}/tokens`, { name: "t", username: "tmp" });
      const asTmp = basic("tmp", STRONG_PASSWORD);
      assert.equal((await call(server, "GET", `${NATIVE}/whoami`, {}, asTmp)).status, 200);
      // Only a user manager may delete, and nobody deletes themselves.
      const before = await storeSnapshot(server);
      assert.equal((await call(server, "DELETE", `${NATIVE}/users/gil`, {}, asTmp)).status, 403);
      const self = await call(server, "DELETE", `${NATIVE}/users/${ADMIN.username}`, {}, adminHeaders);
      assert.equal(self.status, 400, JSON.stringify(self.body));
      assert.equal(await storeSnapshot(server), before);

      await ok(server, "DELETE", `${NATIVE}/users/tmp`, {});
      assert.equal((await call(server, "GET", `${NATIVE}/users/tmp`, {}, adminHeaders)).status, 404);
      assert.equal((await call(server, "GET", `${NATIVE}/whoami`, {}, asTmp)).status, 401);
      assert.equal(
        (await call(server, "GET", `${NATIVE}/whoami`, {}, bearer(token.token as string))).status,
        401,
      );
      const db = server.app.database.db;
      assert.equal(
        (await db.selectFrom("api_tokens").selectAll().where("username", "=", "tmp").execute()).length,
        0,
      );
      assert.equal(
        (await db.selectFrom("role_grants").selectAll().where("username", "=", "tmp").execute()).length,
        0,
      );
      const audit = await ok(server, "GET", `${NATIVE}/audit`, { action: "user.delete" });
      assert.ok(JSON.stringify(audit).includes("tmp"), JSON.stringify(audit));
      // The name is free again, without the old grants.
      await ok(server, "POST", `${NATIVE}/users`, { username: "tmp", password: STRONG_PASSWORD });
      assert.deepEqual(await grantsOf("tmp"), []);
    });

    it("flowgate users delete removes a user through the server", async () => {
      await ok(server, "POST", `${NATIVE}/users`, { username: "bot", kind: "service", role: "service" });
      const res = await runFlowgate(server, ["users", "delete", "bot"], {
        MLFLOW_TRACKING_USERNAME: ADMIN.username,
        MLFLOW_TRACKING_PASSWORD: ADMIN.password,
      });
      assert.equal(res.code, 0, res.stderr);
      assert.equal((await call(server, "GET", `${NATIVE}/users/bot`, {}, adminHeaders)).status, 404);
    });
  });
}
