import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions, seedRun } from "./registry-fixtures.js";

const names = (body: { registered_models?: Array<{ name: string }> }) =>
  (body.registered_models ?? []).map((m) => m.name);

for (const backend of BACKENDS) {
  describe(`registry search on ${backend.name}`, () => {
    let server: TestServer;
    let runA: string;
    before(async () => {
      server = await startTestServer(backend);
      for (const [name, tags] of [
        ["alpha", [{ key: "team", value: "risk" }]],
        ["Alpine", [{ key: "team", value: "growth" }]],
        ["beta", [{ key: "my key", value: "x" }]],
        ["prompt-1", [{ key: "mlflow.prompt.is_prompt", value: "true" }]],
        ["not-prompt", [{ key: "mlflow.prompt.is_prompt", value: "false" }]],
        ["qa_v2", []],
        ["qaXv2", []],
      ] as const) {
        await call(server, "POST", `${API}/registered-models/create`, { name, tags });
      }
      runA = (await modelWithVersions(server, "versioned", 3)).runId;
      const runB = await seedRun(server);
      await call(server, "POST", `${API}/model-versions/create`, {
        name: "versioned",
        source: `${runB.artifactUri}/other`,
        run_id: runB.runId,
        tags: [{ key: "flavor", value: "onnx" }],
      });
    });
    after(async () => server.close());

    const searchModels = (args: Record<string, unknown>) =>
      call(server, "GET", `${API}/registered-models/search`, args);
    const searchVersions = (args: Record<string, unknown>) =>
      call(server, "GET", `${API}/model-versions/search`, args);

    it("filters models by name with =, !=, LIKE (case-sensitive) and ILIKE", async () => {
      assert.deepEqual(names((await searchModels({ filter: "name = 'alpha'" })).body), ["alpha"]);
      assert.deepEqual(names((await searchModels({ filter: "name LIKE 'al%'" })).body), ["alpha"]);
      assert.deepEqual(names((await searchModels({ filter: "name ILIKE 'al%'" })).body), ["Alpine", "alpha"]);
      assert.ok(!names((await searchModels({ filter: "name != 'alpha'" })).body).includes("alpha"));
    });

    it("a backslash escapes LIKE's wildcards the same way on both engines", async () => {
      assert.deepEqual(names((await searchModels({ filter: String.raw`name LIKE 'qa\_v2'` })).body), [
        "qa_v2",
      ]);
      assert.deepEqual(names((await searchModels({ filter: "name LIKE 'qa_v2'" })).body), ["qaXv2", "qa_v2"]);
    });

    it("filters by tags with tags., tag. and backticked keys", async () => {
      assert.deepEqual(names((await searchModels({ filter: "tags.team = 'risk'" })).body), ["alpha"]);
      assert.deepEqual(names((await searchModels({ filter: "tag.`my key` = 'x'" })).body), ["beta"]);
      assert.deepEqual(names((await searchModels({ filter: "tags.\"team\" ILIKE 'GROW%'" })).body), [
        "Alpine",
      ]);
    });

    it("the 3.x client's prompt filter keeps models without the prompt tag and drops prompts", async () => {
      const res = await searchModels({
        filter: "name ILIKE '%' AND tag.`mlflow.prompt.is_prompt` != 'true'",
      });
      const found = names(res.body);
      assert.ok(found.includes("alpha") && found.includes("not-prompt") && found.includes("versioned"));
      assert.ok(!found.includes("prompt-1"));
      assert.deepEqual(
        names((await searchModels({ filter: "tag.`mlflow.prompt.is_prompt` = 'true'" })).body),
        ["prompt-1"],
      );
    });

    it("a missing ordinary tag never matches !=", async () => {
      assert.deepEqual(names((await searchModels({ filter: "tags.team != 'risk'" })).body), ["Alpine"]);
    });

    it("orders by name by default, and pages with max_results and page tokens", async () => {
      const first = await searchModels({ max_results: 2 });
      assert.deepEqual(names(first.body), ["Alpine", "alpha"]);
      assert.ok(first.body.next_page_token);
      const second = await searchModels({ max_results: 2, page_token: first.body.next_page_token });
      assert.deepEqual(names(second.body), ["beta", "not-prompt"]);
      const desc = await searchModels({ order_by: ["name DESC"], max_results: 1 });
      assert.deepEqual(names(desc.body), ["versioned"]);
      const byTime = await searchModels({ order_by: ["last_updated_timestamp DESC"], max_results: 1 });
      assert.deepEqual(names(byTime.body), ["versioned"]);
    });

    it("refuses bad filters, bad order_by and out-of-range max_results with 400", async () => {
      for (const args of [
        { filter: "name = 'a' OR name = 'b'" },
        { filter: "owner = 'x'" },
        { filter: "name > 'a'" },
        { filter: "name = " },
        { filter: "name = 'unterminated" },
        { order_by: ["size DESC"] },
        { max_results: -1 },
        { max_results: 100000 },
        { page_token: "garbage" },
      ]) {
        const res = await searchModels(args);
        assert.equal(res.status, 400, JSON.stringify(args));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("answers max_results=0 with an empty page of models (filter still checked), as MLflow does", async () => {
      // MLflow's page of none still says that more follow, with a token to the same place.
      const none = await searchModels({ max_results: 0 });
      assert.equal(none.status, 200, JSON.stringify(none.body));
      assert.deepEqual(Object.keys(none.body), ["next_page_token"]);
      const next = await searchModels({ max_results: 2, page_token: none.body.next_page_token });
      assert.deepEqual(names(next.body), ["Alpine", "alpha"]);
      assert.deepEqual((await searchModels({ max_results: 0, filter: "name = 'nothing'" })).body, {});
      assert.equal((await searchModels({ max_results: 0, filter: "name = " })).status, 400);
    });

    it("refuses max_results below 1 for versions in MLflow's words, before looking at the filter", async () => {
      const res = await searchVersions({ max_results: 0, filter: "bogus" });
      assert.equal(res.status, 400);
      assert.equal(
        res.body.message,
        "Invalid value for max_results. It must be a positive integer, but got 0",
      );
    });

    it("searches versions by name, run_id (= and IN), source_path, tags and version_number", async () => {
      const versionsOf = async (filter: string): Promise<string[]> =>
        ((await searchVersions({ filter })).body.model_versions as Array<{ version: string }>).map(
          (v) => v.version,
        );
      assert.deepEqual(await versionsOf("name = 'versioned'"), ["4", "3", "2", "1"]);
      assert.deepEqual(await versionsOf(`run_id = '${runA}'`), ["3", "2", "1"]);
      assert.deepEqual(await versionsOf(`run_id IN ('${runA}', 'nope')`), ["3", "2", "1"]);
      assert.deepEqual(await versionsOf("source_path LIKE '%/other'"), ["4"]);
      assert.deepEqual(await versionsOf("tags.flavor = 'onnx'"), ["4"]);
      assert.deepEqual(await versionsOf("name = 'versioned' AND version_number >= 3"), ["4", "3"]);
    });

    it("orders versions by version_number and excludes deleted ones", async () => {
      await call(server, "DELETE", `${API}/model-versions/delete`, { name: "versioned", version: "2" });
      const res = await searchVersions({ filter: "name='versioned'", order_by: ["version_number ASC"] });
      assert.deepEqual(
        res.body.model_versions.map((v: { version: string }) => v.version),
        ["1", "3", "4"],
      );
    });

    it("refuses a bad version filter with 400", async () => {
      for (const filter of ["version_number = 'abc'", "run_id LIKE 'x%'", "stage = 'Production'"]) {
        const res = await searchVersions({ filter });
        assert.equal(res.status, 400, filter);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });
  });
}
