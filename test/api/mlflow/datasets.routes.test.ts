// POST /ajax-api/2.0/mlflow/experiments/search-datasets: the dataset summaries of some experiments.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const API = "/api/2.0/mlflow";
const SEARCH = "/ajax-api/2.0/mlflow/experiments/search-datasets";

for (const backend of BACKENDS) {
  describe(`search-datasets on ${backend.name}`, () => {
    let server: TestServer;
    let experimentId: string;
    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "ds" })).body
        .experiment_id;
      const dataset = (name: string) => ({ name, digest: "d1", source_type: "local", source: "{}" });
      for (const context of ["train", "eval", undefined]) {
        const run = await call(server, "POST", `${API}/runs/create`, { experiment_id: experimentId });
        const tags = context === undefined ? [] : [{ key: "mlflow.data.context", value: context }];
        const logged = await call(server, "POST", `${API}/runs/log-inputs`, {
          run_id: run.body.run.info.run_id,
          datasets: [{ dataset: dataset("iris"), tags }],
        });
        assert.equal(logged.status, 200, JSON.stringify(logged.body));
      }
    });
    after(() => server.close());

    it("lists each dataset once per context, a missing context left out", async () => {
      const res = await call(server, "POST", SEARCH, { experiment_ids: [experimentId] });
      assert.equal(res.status, 200);
      const summaries = res.body.dataset_summaries as { context?: string }[];
      assert.equal(summaries.length, 3);
      assert.deepEqual(summaries.map((s) => s.context ?? null).sort(), ["eval", "train", null].sort());
      for (const s of summaries)
        assert.deepEqual(
          { ...s, context: undefined },
          { experiment_id: experimentId, name: "iris", digest: "d1", context: undefined },
        );
    });

    it("answers {} for an experiment without datasets", async () => {
      const res = await call(server, "POST", SEARCH, { experiment_ids: ["0"] });
      assert.deepEqual(res.body, {});
    });

    it("refuses no experiment and more than 20, with MLflow's messages", async () => {
      const none = await call(server, "POST", SEARCH, {});
      assert.equal(none.status, 400);
      assert.equal(none.body.message, "SearchDatasets request must specify at least one experiment_id.");
      const many = await call(server, "POST", SEARCH, {
        experiment_ids: Array.from({ length: 21 }, (_, i) => `${i}`),
      });
      assert.equal(
        many.body.message,
        "SearchDatasets request cannot specify more than 20 experiment_ids. Received 21 experiment_ids.",
      );
    });

    it("is served only under /ajax-api, as MLflow serves it", async () => {
      const res = await call(server, "POST", `${API}/experiments/search-datasets`, {
        experiment_ids: [experimentId],
      });
      assert.equal(res.status, 404);
    });
  });
}
