// Grants scoped to one experiment or one registered model reach only that experiment's runs or that model; a
// service account reads only released versions (stage Production or behind a protected alias) and no runs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { adminHeaders, basic, bearer, STRONG_PASSWORD, startAuthServer } from "./auth-support.js";
import { registerVersion } from "./registry-fixture.js";

const MLFLOW = "/api/2.0/mlflow";
const NATIVE = "/api/flowgate/v1";

for (const backend of BACKENDS) {
  describe(`scoped grants on ${backend.name}`, () => {
    let server: TestServer;
    const runs: Record<"a" | "b", string> = { a: "", b: "" };
    let experimentA = "";
    let eve: Record<string, string>;
    let mo: Record<string, string>;
    let svc: Record<string, string>;

    async function grant(username: string, role: string, scopeType: string, scopeId: string): Promise<void> {
      const res = await call(
        server,
        "POST",
        `${NATIVE}/users/${username}/grants`,
        { role, scope_type: scopeType, scope_id: scopeId },
        adminHeaders,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }

    before(async () => {
      server = await startAuthServer(backend);
      for (const key of ["a", "b"] as const) {
        const exp = await call(
          server,
          "POST",
          `${MLFLOW}/experiments/create`,
          { name: `exp-${key}` },
          adminHeaders,
        );
        const run = await call(
          server,
          "POST",
          `${MLFLOW}/runs/create`,
          { experiment_id: exp.body.experiment_id },
          adminHeaders,
        );
        runs[key] = run.body.run.info.run_id;
        if (key === "a") experimentA = exp.body.experiment_id;
      }
      await registerVersion(server, "model-a", 1, { runId: runs.a, stage: "Production" });
      await registerVersion(server, "model-a", 2, { runId: runs.a });
      await registerVersion(server, "model-a", 3, { runId: runs.a });
      await registerVersion(server, "model-b", 1, { runId: runs.b });
      const alias = await call(
        server,
        "POST",
        `${MLFLOW}/registered-models/alias`,
        { name: "model-a", alias: "champion", version: "2" },
        { ...adminHeaders, "x-flowgate-reason": "release 2" },
      );
      assert.equal(alias.status, 200, JSON.stringify(alias.body));

      // Users with no global role: what they may do comes from the scoped grant alone.
      for (const username of ["eve", "mo"]) {
        const res = await call(
          server,
          "POST",
          `${NATIVE}/users`,
          { username, password: STRONG_PASSWORD },
          adminHeaders,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      await grant("eve", "data-scientist", "experiment", experimentA);
      eve = basic("eve", STRONG_PASSWORD);
      await grant("mo", "reader", "registered_model", "model-a");
      mo = basic("mo", STRONG_PASSWORD);
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
        { name: "scorer", username: "svc" },
        adminHeaders,
      );
      assert.equal(token.status, 200, JSON.stringify(token.body));
      svc = bearer(token.body.token as string);
    });
    after(async () => server.close());

    it("an experiment grant reaches that experiment's runs and no other's", async () => {
      assert.equal((await call(server, "GET", `${MLFLOW}/runs/get`, { run_id: runs.a }, eve)).status, 200);
      const metric = { run_id: runs.a, key: "loss", value: 0.5, timestamp: 1, step: 0 };
      assert.equal((await call(server, "POST", `${MLFLOW}/runs/log-metric`, metric, eve)).status, 200);
      const other = await call(server, "GET", `${MLFLOW}/runs/get`, { run_id: runs.b }, eve);
      assert.equal(other.status, 403);
      assert.equal(other.body.error_code, "PERMISSION_DENIED");
      const write = await call(
        server,
        "POST",
        `${MLFLOW}/runs/log-metric`,
        { ...metric, run_id: runs.b },
        eve,
      );
      assert.equal(write.status, 403);
    });

    it("a registered-model grant reaches that model and no other", async () => {
      assert.equal(
        (await call(server, "GET", `${MLFLOW}/registered-models/get`, { name: "model-a" }, mo)).status,
        200,
      );
      assert.equal(
        (await call(server, "GET", `${MLFLOW}/registered-models/get`, { name: "model-b" }, mo)).status,
        403,
      );
    });

    it("a service account reads released versions only: Production or a protected alias", async () => {
      const get = (version: string) =>
        call(server, "GET", `${MLFLOW}/model-versions/get-download-uri`, { name: "model-a", version }, svc);
      assert.equal((await get("1")).status, 200, "stage Production");
      assert.equal((await get("2")).status, 200, "behind the protected alias champion");
      const unreleased = await get("3");
      assert.equal(unreleased.status, 403);
      assert.equal(unreleased.body.error_code, "PERMISSION_DENIED");
      const byAlias = await call(
        server,
        "GET",
        `${MLFLOW}/registered-models/alias`,
        { name: "model-a", alias: "champion" },
        svc,
      );
      assert.equal(byAlias.status, 200);
      assert.equal((await call(server, "GET", `${MLFLOW}/runs/get`, { run_id: runs.a }, svc)).status, 403);
    });
  });
}
