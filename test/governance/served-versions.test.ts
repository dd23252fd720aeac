// A service account (what `models serve --deployment` runs as) reads the versions a deployment serves now —
// primary, canary, shadow, the former primaries kept warm — besides released ones, and no other.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { createSqlDeploymentStore } from "../../src/delivery/sql-deployment-store.js";
import type { DeploymentSpec } from "../../src/delivery/deployment.js";
import { adminHeaders, bearer, startAuthServer } from "./auth-support.js";
import { registerVersion } from "./registry-fixture.js";

const MLFLOW = "/api/2.0/mlflow";
const NATIVE = "/api/flowgate/v1";

for (const backend of BACKENDS) {
  describe(`versions served by a deployment on ${backend.name}`, () => {
    let server: TestServer;
    let svc: Record<string, string>;
    before(async () => {
      server = await startAuthServer(backend);
      for (const v of [1, 2, 3, 4, 5, 6]) await registerVersion(server, "fraud", v);
      const store = createSqlDeploymentStore();
      const db = server.app.database.db;
      const at = Date.now();
      // Revisions 1-3 had primaries 4, 5 and 6; revision 4 (current) serves 1 with a canary of 2 and a shadow
      // of 3, keeping one former primary (6) warm.
      const specs: DeploymentSpec[] = [
        { name: "fraud-live", model: "fraud", primary: "4" },
        { name: "fraud-live", model: "fraud", primary: "5" },
        { name: "fraud-live", model: "fraud", primary: "6" },
        {
          name: "fraud-live",
          model: "fraud",
          primary: "1",
          shadow: { version: "3", percent: 10 },
          strategy: { canary: { version: "2", steps: [{ setWeight: 10 }] } },
          warm: 1,
        },
      ];
      await store.insert(db, {
        name: "fraud-live",
        model: "fraud",
        revision: specs.length,
        createdAt: at,
        createdBy: "admin",
        updatedAt: at,
        updatedBy: "admin",
      });
      for (const [i, spec] of specs.entries()) {
        await store.insertRevision(db, {
          deployment: "fraud-live",
          revision: i + 1,
          spec,
          author: "admin",
          reason: "test",
          createdAt: at + i,
          diff: [],
        });
      }
      const account = await call(
        server,
        "POST",
        `${NATIVE}/users`,
        { username: "svc", kind: "service", role: "service" },
        adminHeaders,
      );
      assert.equal(account.status, 200, JSON.stringify(account.body));
      const token = await call(
        server,
        "POST",
        `${NATIVE}/tokens`,
        { name: "serving", username: "svc" },
        adminHeaders,
      );
      svc = bearer(token.body.token as string);
    });
    after(async () => server.close());

    const get = (version: string) =>
      call(server, "GET", `${MLFLOW}/model-versions/get-download-uri`, { name: "fraud", version }, svc);

    it("reads the primary, the canary, the shadow and the warm former primary", async () => {
      for (const v of ["1", "2", "3", "6"]) assert.equal((await get(v)).status, 200, `version ${v}`);
    });

    it("does not read former primaries beyond the warm ones, saying what it may read", async () => {
      for (const v of ["4", "5"]) {
        const res = await get(v);
        assert.equal(res.status, 403, `version ${v}`);
        assert.match(res.body.message, /Production, behind a protected alias, or served by a deployment/);
      }
    });
  });
}
