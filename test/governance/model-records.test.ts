// A model's promotion policy and transition requests stay with the model: a rename carries them to the new
// name, and a delete drops the policy and cancels pending requests, so a later model that takes the name is
// neither unprotected by an old policy nor promoted by an old approval.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import type { TestServer } from "../support/test-server.js";
import { adminHeaders, startAuthServer } from "./auth-support.js";
import { registerVersion } from "./registry-fixture.js";
import { MLFLOW, NATIVE, ok } from "./scoped-world.js";

const STRICT = "protected:\n  stages: [Staging, Production]\nrequire_approval: true\ngates: []";

for (const backend of BACKENDS) {
  describe(`governance records follow their model on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startAuthServer(backend);
    });
    after(async () => server.close());

    const policyOf = async (name: string) =>
      (await ok(server, "GET", `${NATIVE}/models/${name}/policy`, {})) as {
        source: string;
        policy: { protected: { stages: string[] } };
      };
    const requestsOf = async (name: string) =>
      (await ok(server, "GET", `${NATIVE}/transition-requests`, { status: "all", name }, adminHeaders))
        .requests as Array<{ status: string }>;

    it("a rename carries the policy and pending requests to the new name", async () => {
      await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "pol" });
      await registerVersion(server, "pol", 1);
      await ok(server, "PUT", `${NATIVE}/models/pol/policy`, { document: STRICT });
      await ok(server, "POST", `${NATIVE}/transition-requests`, {
        name: "pol",
        version: 1,
        stage: "Staging",
        reason: "try",
      });
      await ok(server, "POST", `${MLFLOW}/registered-models/rename`, { name: "pol", new_name: "pol-2" });
      const moved = await policyOf("pol-2");
      assert.deepEqual(moved.policy.protected.stages, ["Staging", "Production"], JSON.stringify(moved));
      assert.equal((await policyOf("pol")).source, "built-in");
      assert.deepEqual(
        (await requestsOf("pol-2")).map((r) => r.status),
        ["pending"],
      );
      assert.deepEqual(await requestsOf("pol"), []);
    });

    it("a delete drops the policy and cancels pending requests; a new model of the name inherits neither", async () => {
      await ok(server, "DELETE", `${MLFLOW}/registered-models/delete`, { name: "pol-2" });
      assert.deepEqual(
        (await requestsOf("pol-2")).map((r) => r.status),
        ["cancelled"],
      );
      await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: "pol-2" });
      const fresh = await policyOf("pol-2");
      assert.equal(fresh.source, "built-in", JSON.stringify(fresh));
    });
  });
}
