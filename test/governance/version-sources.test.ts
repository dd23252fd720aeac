// Registering a version makes its source's files readable as that version, so the source must be something
// the caller may already read: a model-scoped engineer cannot register experiment B's files, a run of
// experiment B, or model-b's version as a version of model-a. And a new experiment cannot take the whole
// artifact store or another experiment's folder as its artifact_location.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call } from "../support/test-server.js";
import { adminHeaders, basic, STRONG_PASSWORD } from "./auth-support.js";
import { grant, MLFLOW, NATIVE, ok, scopedWorld, storeSnapshot, type ScopedWorld } from "./scoped-world.js";

type Headers = Record<string, string>;

for (const backend of BACKENDS) {
  describe(`version sources need read access on ${backend.name}`, () => {
    let w: ScopedWorld;
    let ed: Headers;
    before(async () => {
      w = await scopedWorld(backend);
      // An engineer of model-a who also works in experiment A.
      await ok(w.server, "POST", `${NATIVE}/users`, { username: "ed", password: STRONG_PASSWORD });
      await grant(w.server, "ed", "ml-engineer", "registered_model", w.a.model);
      await grant(w.server, "ed", "data-scientist", "experiment", w.a.experimentId);
      ed = basic("ed", STRONG_PASSWORD);
    });
    after(async () => w.server.close());

    async function create(args: Record<string, unknown>, who: Headers) {
      return call(w.server, "POST", `${MLFLOW}/model-versions/create`, { name: w.a.model, ...args }, who);
    }

    async function refused(args: Record<string, unknown>, who: Headers): Promise<void> {
      const before = await storeSnapshot(w.server);
      const res = await create(args, who);
      assert.equal(res.status, 403, `${JSON.stringify(args)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error_code, "PERMISSION_DENIED");
      assert.equal(await storeSnapshot(w.server), before, `${JSON.stringify(args)} wrote to the store`);
    }

    it("another experiment's files, run or model cannot become a version of one's own model", async () => {
      for (const who of [w.mo, ed]) {
        await refused({ source: `mlflow-artifacts:/${w.b.modelPath}` }, who);
        await refused({ source: `mlflow-artifacts:/${w.b.experimentId}/${w.b.runId}/artifacts` }, who);
        await refused({ source: `runs:/${w.b.runId}/model` }, who);
        await refused({ source: `models:/${w.b.model}/2` }, who);
        await refused({ source: `models:/${w.b.model}/1` }, who);
        await refused({ source: `models:/${w.b.model}/Production` }, who);
        await refused({ source: `mlflow-artifacts:/${w.a.modelPath}`, run_id: w.b.runId }, who);
      }
      // The model-scoped engineer has no grant on experiment A: only model-a's own files are theirs to reuse.
      await refused({ source: `mlflow-artifacts:/${w.a.experimentId}/${w.a.runId}/artifacts` }, w.mo);
      await refused({ source: `runs:/${w.a.runId}/model` }, w.mo);
    });

    it("what the caller may read can be registered", async () => {
      const fromOwnModel = await create({ source: `models:/${w.a.model}/1` }, w.mo);
      assert.equal(fromOwnModel.status, 200, JSON.stringify(fromOwnModel.body));
      const fromOwnFiles = await create({ source: `mlflow-artifacts:/${w.a.modelPath}` }, w.mo);
      assert.equal(fromOwnFiles.status, 200, JSON.stringify(fromOwnFiles.body));
      const fromRun = await create({ source: `runs:/${w.a.runId}/model`, run_id: w.a.runId }, ed);
      assert.equal(fromRun.status, 200, JSON.stringify(fromRun.body));
      const admin = await create({ source: `runs:/${w.b.runId}/model` }, adminHeaders);
      assert.equal(admin.status, 200, JSON.stringify(admin.body));
    });

    it("a source naming nothing that exists is not refused for permissions (nothing to read)", async () => {
      const res = await create({ source: "runs:/0123456789abcdef0123456789abcdef/model" }, w.mo);
      assert.notEqual(res.status, 403, JSON.stringify(res.body));
      const missingModel = await create({ source: "models:/no-such-model/1" }, w.mo);
      assert.notEqual(missingModel.status, 403, JSON.stringify(missingModel.body));
    });

    it("a new experiment's artifact_location is neither the store nor another experiment's folder", async () => {
      for (const location of [
        "mlflow-artifacts:/",
        "mlflow-artifacts:///",
        `mlflow-artifacts:/${w.b.experimentId}`,
        `mlflow-artifacts:/${w.b.experimentId}/${w.b.runId}/artifacts`,
        "mlflow-artifacts:/9999/later",
      ]) {
        const before = await storeSnapshot(w.server);
        const res = await call(
          w.server,
          "POST",
          `${MLFLOW}/experiments/create`,
          { name: `taker-${location.length}-${Math.random()}`, artifact_location: location },
          adminHeaders,
        );
        assert.equal(res.status, 400, `${location}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.equal(await storeSnapshot(w.server), before, `${location} wrote to the store`);
      }
      const own = await call(
        w.server,
        "POST",
        `${MLFLOW}/experiments/create`,
        { name: "own-place", artifact_location: "mlflow-artifacts:/shared/own-place" },
        adminHeaders,
      );
      assert.equal(own.status, 200, JSON.stringify(own.body));
    });
  });
}
