// Tag (and logged-model param) comparisons of experiment, registered-model, model-version and logged-model searches are grouped into one condition
// (store/key-value-filter.ts). These cases pin the meaning the grouping must keep, on both back ends: several
// comparisons on one key test one row; comparisons on several keys all have to hold; 100 comparisons over
// 20 keys answer (they ran past the statement timeout on PostgreSQL as one EXISTS each).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const API = "/api/2.0/mlflow";

const OBJECTS: Record<string, Record<string, string>> = {
  one: { a: "1", b: "x" },
  two: { a: "2", b: "x" },
  three: { a: "1" },
};

const many = (): string =>
  Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? `tags.b = 'x'` : `tags.a LIKE '%'`)).join(" and ");

for (const backend of BACKENDS) {
  describe(`tag filters of experiment and registry searches (${backend.name})`, () => {
    let server: TestServer;
    let runId: string;
    let experimentId: string;
    const loggedModels = new Map<string, string>();
    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "base" })).body
        .experiment_id as string;
      runId = (await call(server, "POST", `${API}/runs/create`, { experiment_id: experimentId })).body.run
        .info.run_id as string;
      for (const [name, tags] of Object.entries(OBJECTS)) {
        const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
        await call(server, "POST", `${API}/experiments/create`, { name, tags: list });
        await call(server, "POST", `${API}/registered-models/create`, { name, tags: list });
        const v = await call(server, "POST", `${API}/model-versions/create`, {
          name,
          source: `runs:/${runId}/model`,
          run_id: runId,
          tags: list,
        });
        assert.equal(v.status, 200, v.body.message);
        const lm = await call(server, "POST", `${API}/logged-models`, {
          experiment_id: experimentId,
          name,
          params: list,
          tags: list,
        });
        assert.equal(lm.status, 200, lm.body.message);
        loggedModels.set(lm.body.model.info.model_id as string, name);
      }
    });
    after(() => server.close());

    async function experiments(filter: string): Promise<string[]> {
      const res = await call(server, "POST", `${API}/experiments/search`, { filter });
      assert.equal(res.status, 200, res.body.message);
      return ((res.body.experiments ?? []) as Array<{ name: string }>).map((e) => e.name).sort();
    }
    async function models(filter: string): Promise<string[]> {
      const res = await call(server, "GET", `${API}/registered-models/search`, { filter });
      assert.equal(res.status, 200, res.body.message);
      return ((res.body.registered_models ?? []) as Array<{ name: string }>).map((m) => m.name).sort();
    }
    async function versions(filter: string): Promise<string[]> {
      const res = await call(server, "GET", `${API}/model-versions/search`, { filter });
      assert.equal(res.status, 200, res.body.message);
      return ((res.body.model_versions ?? []) as Array<{ name: string }>).map((m) => m.name).sort();
    }

    async function logged(filter: string): Promise<string[]> {
      // Logged models take params.* as well as tags.*: the same filter is tried on both tables.
      const names: string[][] = [];
      for (const prefix of ["tags.", "params."]) {
        const res = await call(server, "POST", `${API}/logged-models/search`, {
          experiment_ids: [experimentId],
          filter: filter.replaceAll("tags.", prefix),
        });
        assert.equal(res.status, 200, res.body.message);
        const found = (res.body.models ?? []) as Array<{ info: { model_id: string } }>;
        names.push(found.map((m) => loggedModels.get(m.info.model_id) ?? "?").sort());
      }
      assert.deepEqual(names[0], names[1]);
      return names[0] ?? [];
    }

    for (const [what, search] of [
      ["experiments", experiments],
      ["registered models", models],
      ["model versions", versions],
      ["logged models", logged],
    ] as const) {
      it(`keeps the meaning of several tag comparisons (${what})`, async () => {
        assert.deepEqual(await search("tags.a = '1' and tags.a != '2'"), ["one", "three"]);
        assert.deepEqual(await search("tags.a = '1' and tags.a = '2'"), []);
        assert.deepEqual(await search("tags.a = '1' and tags.b = 'x'"), ["one"]);
        assert.deepEqual(await search("tags.a LIKE '%' and tags.b = 'x'"), ["one", "two"]);
        assert.deepEqual(await search(many()), ["one", "two"]);
      });
    }
  });
}
