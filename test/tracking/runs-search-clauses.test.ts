// Several comparisons on the keys of a run (params, tags, metrics) compile to one row test per key and one
// subquery per table (compile-runs-search.ts). These cases pin the meaning that must survive that grouping,
// on both back ends, including the shape that took PostgreSQL minutes before: 100 comparisons over 20 keys.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const API = "/api/2.0/mlflow";

interface Fixture {
  params: Record<string, string>;
  tags?: Record<string, string>;
  metrics?: Record<string, number | string>;
}

const RUNS: Record<string, Fixture> = {
  one: { params: { a: "1", b: "x" }, tags: { t: "y" }, metrics: { m: 5 } },
  two: { params: { a: "2", b: "x" }, tags: { t: "y" }, metrics: { m: 6 } },
  three: { params: { a: "1" }, metrics: { m: "NaN" } },
  four: { params: { c: "z" }, tags: { t: "n" }, metrics: { m: 1 } },
};

for (const backend of BACKENDS) {
  describe(`runs search with several comparisons per key and per table (${backend.name})`, () => {
    let server: TestServer;
    let experimentId: string;
    const names = new Map<string, string>();

    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "clauses" })).body
        .experiment_id as string;
      let time = 1000;
      for (const [name, f] of Object.entries(RUNS)) {
        const run = await call(server, "POST", `${API}/runs/create`, {
          experiment_id: experimentId,
          run_name: name,
          start_time: (time += 1000),
        });
        const runId = run.body.run.info.run_id as string;
        names.set(runId, name);
        await call(server, "POST", `${API}/runs/log-batch`, {
          run_id: runId,
          params: Object.entries(f.params).map(([key, value]) => ({ key, value })),
          tags: Object.entries(f.tags ?? {}).map(([key, value]) => ({ key, value })),
          metrics: Object.entries(f.metrics ?? {}).map(([key, value]) => ({
            key,
            value,
            timestamp: 1,
            step: 0,
          })),
        });
      }
    });
    after(() => server.close());

    async function search(filter: string, orderBy: string[] = []): Promise<string[]> {
      const res = await call(server, "POST", `${API}/runs/search`, {
        experiment_ids: [experimentId],
        filter,
        order_by: orderBy,
      });
      assert.equal(res.status, 200, res.body.message);
      const runs = (res.body.runs ?? []) as Array<{ info: { run_id: string } }>;
      return runs.map((r) => names.get(r.info.run_id) ?? "?");
    }

    it("tests one row for several comparisons on the same key", async () => {
      assert.deepEqual((await search("params.a = '1' and params.a != '2'")).sort(), ["one", "three"]);
      assert.deepEqual(await search("params.a LIKE '%' and params.a != '1'"), ["two"]);
      assert.deepEqual(await search("params.a = '1' and params.a = '2'"), []);
    });

    it("needs every key to match when comparisons name several keys of a table", async () => {
      assert.deepEqual(await search("params.a = '1' and params.b = 'x'"), ["one"]);
      assert.deepEqual((await search("params.b = 'x' and tags.t = 'y'")).sort(), ["one", "two"]);
      assert.deepEqual(await search("params.a = '1' and params.b = 'x' and tags.t = 'y' and metrics.m < 6"), [
        "one",
      ]);
      assert.deepEqual(await search("params.a = '2' and params.c = 'z'"), []);
    });

    it("finds runs missing every one of several keys", async () => {
      assert.deepEqual(await search("params.a IS NULL and params.b IS NULL"), ["four"]);
      assert.deepEqual(await search("params.b IS NULL and tags.t IS NULL"), ["three"]);
      assert.deepEqual((await search("params.b IS NULL and params.a = '1'")).sort(), ["three"]);
    });

    it("lets NaN through only when every comparison on the metric is !=", async () => {
      assert.deepEqual((await search("metrics.m != 5 and metrics.m != 6")).sort(), ["four", "three"]);
      assert.deepEqual(await search("metrics.m != 5 and metrics.m > 0"), ["four", "two"]);
    });

    it("orders by a key that several comparisons filter on", async () => {
      assert.deepEqual(await search("params.a LIKE '%' and params.a ILIKE '_'", ["params.a DESC"]), [
        "two",
        "three",
        "one",
      ]);
      assert.deepEqual(await search("metrics.m != 5 and metrics.m != 1", ["metrics.m ASC"]), [
        "two",
        "three",
      ]);
    });

    it("answers 100 comparisons over 20 keys of two tables", async () => {
      const clauses = Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? `params.k${i % 20} IS NULL` : `tags.t != 'n${i % 20}'`,
      );
      // "three" has no tag t, so no comparison of t can hold for it.
      assert.deepEqual((await search(clauses.join(" and "))).sort(), ["four", "one", "two"]);
      const matching = Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? "params.b = 'x'" : "tags.t = 'y'",
      );
      assert.deepEqual((await search(matching.join(" and "))).sort(), ["one", "two"]);
    });
  });
}
