// The permission check and the handler read the same single value of every scalar field: a JSON array or a
// repeated query key for one is a 400, and two different runs named by run_id and run_uuid are a 400. So a
// caller granted model-a or experiment A cannot act on model-b or experiment B by sending both names, and
// every refusal leaves the store exactly as it was.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call } from "../support/test-server.js";
import { ARTIFACTS, MLFLOW, NATIVE, scopedWorld, storeSnapshot, type ScopedWorld } from "./scoped-world.js";

type Method = "GET" | "POST" | "PATCH" | "DELETE";

for (const backend of BACKENDS) {
  describe(`array and repeated parameters on ${backend.name}`, () => {
    let w: ScopedWorld;
    before(async () => {
      w = await scopedWorld(backend);
    });
    after(async () => w.server.close());

    async function refused400(
      method: Method,
      route: string,
      args: Record<string, unknown>,
      who: Record<string, string>,
    ) {
      const before = await storeSnapshot(w.server);
      const res = await call(w.server, method, route, args, who);
      assert.equal(
        res.status,
        400,
        `${method} ${route} ${JSON.stringify(args)}: ${JSON.stringify(res.body)}`,
      );
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.equal(await storeSnapshot(w.server), before, `${method} ${route} wrote to the store`);
    }

    it("a model-scoped user cannot reach model-b by sending both names (JSON arrays)", async () => {
      const names = [w.a.model, w.b.model];
      const source = `mlflow-artifacts:/${w.a.modelPath}`;
      await refused400("POST", `${MLFLOW}/model-versions/create`, { name: names, source }, w.mo);
      await refused400(
        "PATCH",
        `${MLFLOW}/model-versions/update`,
        { name: names, version: "1", description: "x" },
        w.mo,
      );
      await refused400(
        "POST",
        `${MLFLOW}/model-versions/set-tag`,
        { name: names, version: "1", key: "k", value: "v" },
        w.mo,
      );
      await refused400("DELETE", `${MLFLOW}/model-versions/delete`, { name: names, version: "2" }, w.mo);
      await refused400(
        "PATCH",
        `${MLFLOW}/registered-models/update`,
        { name: names, description: "x" },
        w.mo,
      );
      await refused400(
        "POST",
        `${MLFLOW}/registered-models/set-tag`,
        { name: names, key: "k", value: "v" },
        w.mo,
      );
      await refused400(
        "POST",
        `${MLFLOW}/registered-models/rename`,
        { name: names, new_name: "stolen" },
        w.mo,
      );
      await refused400(
        "POST",
        `${MLFLOW}/registered-models/alias`,
        { name: names, alias: "x", version: "2" },
        w.mo,
      );
      await refused400(
        "POST",
        `${NATIVE}/transition-requests`,
        { name: names, version: 2, stage: "Production", reason: "r" },
        w.mo,
      );
      // Nested values are not a name either.
      await refused400(
        "POST",
        `${MLFLOW}/registered-models/set-tag`,
        { name: { 0: w.b.model }, key: "k", value: "v" },
        w.mo,
      );
    });

    it("repeated query keys for a model name are refused on reads", async () => {
      const names = [w.a.model, w.b.model];
      await refused400("GET", `${MLFLOW}/registered-models/get`, { name: names }, w.rita);
      await refused400("GET", `${MLFLOW}/model-versions/get`, { name: names, version: "2" }, w.rita);
      await refused400(
        "GET",
        `${MLFLOW}/model-versions/get-download-uri`,
        { name: names, version: "2" },
        w.svca,
      );
      await refused400(
        "GET",
        `${MLFLOW}/model-versions/get`,
        { name: w.a.model, version: ["1", "3"] },
        w.svca,
      );
      await refused400(
        "GET",
        `${MLFLOW}/registered-models/alias`,
        { name: names, alias: "champion" },
        w.svca,
      );
    });

    it("an experiment-scoped user cannot write into or read a run of experiment B", async () => {
      const runs = [w.a.runId, w.b.runId];
      const metric = { key: "loss", value: 1, timestamp: 1, step: 0 };
      await refused400("POST", `${MLFLOW}/runs/log-metric`, { ...metric, run_id: runs }, w.eve);
      await refused400(
        "POST",
        `${MLFLOW}/runs/log-metric`,
        { ...metric, run_id: w.b.runId, run_uuid: w.a.runId },
        w.eve,
      );
      await refused400(
        "POST",
        `${MLFLOW}/runs/log-metric`,
        { ...metric, run_id: w.a.runId, run_uuid: w.b.runId },
        w.eve,
      );
      await refused400("POST", `${MLFLOW}/runs/delete`, { run_id: runs }, w.eve);
      await refused400(
        "POST",
        `${MLFLOW}/runs/set-tag`,
        { run_id: w.b.runId, run_uuid: w.a.runId, key: "k", value: "v" },
        w.eve,
      );
      await refused400(
        "GET",
        `${MLFLOW}/runs/get`,
        { run_id: [w.b.runId, w.b.runId], run_uuid: w.a.runId },
        w.eve,
      );
      await refused400("GET", `${MLFLOW}/runs/get`, { run_id: w.b.runId, run_uuid: w.a.runId }, w.eve);
      await refused400("GET", `${MLFLOW}/artifacts/list`, { run_id: [w.a.runId, w.b.runId] }, w.eve);
      await refused400(
        "GET",
        `${MLFLOW}/metrics/get-history`,
        { run_id: w.b.runId, run_uuid: w.a.runId, metric_key: "loss" },
        w.eve,
      );
      await refused400(
        "POST",
        `${MLFLOW}/experiments/set-experiment-tag`,
        { experiment_id: [w.a.experimentId, w.b.experimentId], key: "k", value: "v" },
        w.eve,
      );
      await refused400(
        "POST",
        `${MLFLOW}/runs/create`,
        { experiment_id: [w.a.experimentId, w.b.experimentId] },
        w.eve,
      );
      await refused400("GET", ARTIFACTS, { path: [w.a.experimentId, w.b.experimentId] }, w.eve);
    });

    it("every route that names its target in a scalar field refuses two values for it, before acting", async () => {
      const fields: Record<string, { field: string; values: string[]; who: () => Record<string, string> }> = {
        model: { field: "name", values: [w.a.model, w.b.model], who: () => w.mo },
        experiment: {
          field: "experiment_id",
          values: [w.a.experimentId, w.b.experimentId],
          who: () => w.eve,
        },
        run: { field: "run_id", values: [w.a.runId, w.b.runId], who: () => w.eve },
        "logged-model": { field: "model_id", values: ["m-a", "m-b"], who: () => w.eve },
      };
      // Plausible values for the other fields routes require, so that the two-valued field is what is judged.
      const fillers = () => ({
        key: "k",
        value: "v",
        version: "1",
        description: "d",
        new_name: "stolen",
        stage: "Production",
        alias: "x",
        metric_key: "loss",
        timestamp: 1,
        reason: "r",
        source: `mlflow-artifacts:/${w.a.modelPath}`,
        path: "MLmodel",
        model_json: "{}",
      });
      const seen = new Set<string>();
      for (const route of w.server.app.routePermissions()) {
        const target = route.rule === undefined ? undefined : fields[route.rule.scope];
        if (target === undefined || route.method === "HEAD" || route.url.includes(":")) continue;
        // Uploads carry file bytes, not fields: their run is named in the query.
        if (/upload-artifact|mlflow-artifacts/.test(route.url)) continue;
        const key = `${route.method} ${route.url}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const before = await storeSnapshot(w.server);
        const res = await call(
          w.server,
          route.method as Method,
          route.url,
          { ...fillers(), [target.field]: target.values },
          target.who(),
        );
        assert.equal(res.status, 400, `${key}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE", key);
        assert.ok(String(res.body.message).includes(`'${target.field}'`), `${key}: ${res.body.message}`);
        assert.equal(await storeSnapshot(w.server), before, `${key} wrote to the store`);
      }
      assert.ok(seen.size >= 30, `only ${seen.size} routes checked`);
    });

    it("the same run named twice, as the client sends it, is still one run", async () => {
      const res = await call(
        w.server,
        "GET",
        `${MLFLOW}/runs/get`,
        { run_id: w.a.runId, run_uuid: w.a.runId },
        w.eve,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const other = await call(
        w.server,
        "GET",
        `${MLFLOW}/runs/get`,
        { run_id: w.b.runId, run_uuid: w.b.runId },
        w.eve,
      );
      assert.equal(other.status, 403);
    });
  });
}
