import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const API = "/api/2.0/mlflow";

interface Fixture {
  name: string;
  start: number;
  status?: string;
  metrics?: Record<string, number | string>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  dataset?: { name: string; context: string };
}

// Five runs with a spread of values; "e" has no rmse, "d" has a NaN rmse.
const FIXTURES: Fixture[] = [
  {
    name: "alpha",
    start: 1000,
    metrics: { rmse: 0.5, acc: 1 },
    params: { model: "rf", depth: "3" },
    tags: { team: "Blue" },
    dataset: { name: "iris", context: "training" },
  },
  {
    name: "beta",
    start: 2000,
    status: "FINISHED",
    metrics: { rmse: 0.2 },
    params: { model: "gbm" },
    tags: { team: "red" },
  },
  {
    name: "gamma",
    start: 3000,
    metrics: { rmse: 0.9 },
    params: { model: "rf" },
    dataset: { name: "wine", context: "eval" },
  },
  { name: "delta", start: 3000, metrics: { rmse: "NaN" }, params: { model: "lin" }, tags: { team: "blue" } },
  { name: "eps", start: 500, status: "FAILED", params: { model: "rf" } },
];

for (const backend of BACKENDS) {
  describe(`runs search on ${backend.name}`, () => {
    let server: TestServer;
    let experimentId: string;
    const ids = new Map<string, string>();

    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "search" })).body
        .experiment_id;
      for (const f of FIXTURES) {
        const run = await call(server, "POST", `${API}/runs/create`, {
          experiment_id: experimentId,
          run_name: f.name,
          start_time: f.start,
          user_id: f.name === "alpha" ? "alice" : "bob",
        });
        const runId = run.body.run.info.run_id as string;
        ids.set(f.name, runId);
        await call(server, "POST", `${API}/runs/log-batch`, {
          run_id: runId,
          metrics: Object.entries(f.metrics ?? {}).map(([key, value]) => ({
            key,
            value,
            timestamp: 1,
            step: 0,
          })),
          params: Object.entries(f.params ?? {}).map(([key, value]) => ({ key, value })),
          tags: Object.entries(f.tags ?? {}).map(([key, value]) => ({ key, value })),
        });
        if (f.status !== undefined) {
          await call(server, "POST", `${API}/runs/update`, {
            run_id: runId,
            status: f.status,
            end_time: f.start + 10,
          });
        }
        if (f.dataset !== undefined) {
          await call(server, "POST", `${API}/runs/log-inputs`, {
            run_id: runId,
            datasets: [
              {
                tags: [{ key: "mlflow.data.context", value: f.dataset.context }],
                dataset: { name: f.dataset.name, digest: "d1", source_type: "local", source: "{}" },
              },
            ],
          });
        }
      }
    });
    after(async () => server.close());

    const search = async (args: Record<string, unknown>) =>
      call(server, "POST", `${API}/runs/search`, { experiment_ids: [experimentId], ...args });
    const names = async (filter: string, orderBy: string[] = []): Promise<string[]> => {
      const res = await search({ filter, order_by: orderBy });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const runs = (res.body.runs ?? []) as Array<{ info: { run_name: string } }>;
      return runs.map((r) => r.info.run_name);
    };
    const sorted = async (filter: string) => (await names(filter)).sort();

    it("orders by start_time DESC then run_id by default", async () => {
      const got = await names("");
      assert.equal(got.length, 5);
      assert.deepEqual(got.slice(2), ["beta", "alpha", "eps"]);
      const tie = [ids.get("gamma") ?? "", ids.get("delta") ?? ""].sort();
      assert.deepEqual(
        got.slice(0, 2).map((n) => ids.get(n)),
        tie,
      );
    });

    it("compares metrics with every numeric comparator against the latest value (NaN only matches !=)", async () => {
      assert.deepEqual(await sorted("metrics.rmse = 0.5"), ["alpha"]);
      assert.deepEqual(await sorted("metrics.rmse != 0.5"), ["beta", "delta", "gamma"]);
      assert.deepEqual(await sorted("metrics.rmse < 0.5"), ["beta"]);
      assert.deepEqual(await sorted("metrics.rmse <= 0.5"), ["alpha", "beta"]);
      assert.deepEqual(await sorted("metrics.rmse > 0.5"), ["gamma"]);
      assert.deepEqual(await sorted("metric.rmse >= 0.5"), ["alpha", "gamma"]);
    });

    it("compares params with =, !=, LIKE, ILIKE, IS NULL and IS NOT NULL", async () => {
      assert.deepEqual(await sorted("params.model = 'rf'"), ["alpha", "eps", "gamma"]);
      assert.deepEqual(await sorted("params.model != 'rf'"), ["beta", "delta"]);
      assert.deepEqual(await sorted("param.model LIKE 'g%'"), ["beta"]);
      assert.deepEqual(await sorted("parameters.model ILIKE 'R_'"), ["alpha", "eps", "gamma"]);
      assert.deepEqual(await sorted("params.depth IS NULL"), ["beta", "delta", "eps", "gamma"]);
      assert.deepEqual(await sorted("params.depth IS NOT NULL"), ["alpha"]);
    });

    it("compares tags case-sensitively with LIKE and insensitively with ILIKE", async () => {
      assert.deepEqual(await sorted("tags.team = 'blue'"), ["delta"]);
      assert.deepEqual(await sorted("tags.team != 'blue'"), ["alpha", "beta"]);
      assert.deepEqual(await sorted("tags.team LIKE 'b%'"), ["delta"]);
      assert.deepEqual(await sorted("tag.team ILIKE 'b%'"), ["alpha", "delta"]);
      assert.deepEqual(await sorted("tags.`team` IS NULL"), ["eps", "gamma"]);
      assert.deepEqual(await sorted("tags.mlflow.runName = 'beta'"), ["beta"]);
    });

    it("compares string attributes: run_name, status, user_id, run_id IN / NOT IN, artifact_uri", async () => {
      assert.deepEqual(await sorted("attributes.run_name = 'gamma'"), ["gamma"]);
      assert.deepEqual(await sorted("run_name LIKE '%ta'"), ["beta", "delta"]);
      assert.deepEqual(await sorted("attributes.`run name` ILIKE 'ALPHA'"), ["alpha"]);
      assert.deepEqual(await sorted("attributes.status = 'FINISHED'"), ["beta"]);
      assert.deepEqual(await sorted("status != 'RUNNING'"), ["beta", "eps"]);
      assert.deepEqual(await sorted("attr.user_id = 'alice'"), ["alpha"]);
      const a = ids.get("alpha") ?? "";
      const b = ids.get("beta") ?? "";
      assert.deepEqual(await sorted(`attributes.run_id IN ('${a}', '${b}')`), ["alpha", "beta"]);
      assert.deepEqual(await sorted(`run.run_id NOT IN ('${a}', '${b}')`), ["delta", "eps", "gamma"]);
      assert.deepEqual(await sorted(`run_id = '${a}'`), ["alpha"]);
      assert.deepEqual(await sorted(`artifact_uri LIKE '%${a}%'`), ["alpha"]);
    });

    it("compares numeric attributes start_time, end_time and created", async () => {
      assert.deepEqual(await sorted("attributes.start_time >= 2000"), ["beta", "delta", "gamma"]);
      assert.deepEqual(await sorted("start_time < 1000"), ["eps"]);
      assert.deepEqual(await sorted("attributes.created = 3000"), ["delta", "gamma"]);
      assert.deepEqual(await sorted("end_time > 0"), ["beta", "eps"]);
      assert.deepEqual(await sorted("start_time != 3000 and start_time <= 1000"), ["alpha", "eps"]);
    });

    it("filters by dataset name, digest and context", async () => {
      assert.deepEqual(await sorted("datasets.name = 'iris'"), ["alpha"]);
      assert.deepEqual(await sorted("dataset.name IN ('iris', 'wine')"), ["alpha", "gamma"]);
      assert.deepEqual(await sorted("datasets.digest = 'd1'"), ["alpha", "gamma"]);
      assert.deepEqual(await sorted("datasets.context = 'eval'"), ["gamma"]);
      assert.deepEqual(await sorted("datasets.context LIKE 'train%'"), ["alpha"]);
    });

    it("ANDs clauses of different kinds", async () => {
      assert.deepEqual(await sorted("params.model = 'rf' and metrics.rmse < 1 and tags.team ILIKE 'blue'"), [
        "alpha",
      ]);
    });

    it("orders by a metric: values first, then NaN, then runs without it, in both directions", async () => {
      assert.deepEqual(await names("", ["metrics.rmse ASC"]), ["beta", "alpha", "gamma", "delta", "eps"]);
      assert.deepEqual(await names("", ["metrics.rmse DESC"]), ["gamma", "alpha", "beta", "delta", "eps"]);
    });

    it("orders by params, tags and attributes, with start_time DESC as the tie-break", async () => {
      assert.deepEqual(await names("", ["params.model", "attributes.run_name DESC"]), [
        "beta",
        "delta",
        "gamma",
        "eps",
        "alpha",
      ]);
      assert.deepEqual(await names("", ["tags.team DESC"]), ["beta", "delta", "alpha", "gamma", "eps"]);
      assert.deepEqual(await names("", ["attributes.start_time ASC", "run_name"]), [
        "eps",
        "alpha",
        "beta",
        "delta",
        "gamma",
      ]);
      const byStatus = await names("", ["status"]);
      assert.deepEqual(byStatus.slice(0, 2), ["eps", "beta"]);
      assert.equal(byStatus[4], "alpha");
    });

    it("pages with max_results and opaque tokens without repeats or gaps", async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await search({
          max_results: 2,
          order_by: ["metrics.rmse"],
          ...(token ? { page_token: token } : {}),
        });
        seen.push(...res.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name));
        token = res.body.next_page_token;
        pages += 1;
      } while (token !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ["beta", "alpha", "gamma", "delta", "eps"]);
    });

    it("honours run_view_type and returns runs with their data", async () => {
      const extra = await call(server, "POST", `${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: "gone",
      });
      await call(server, "POST", `${API}/runs/delete`, { run_id: extra.body.run.info.run_id });
      assert.ok(!(await names("")).includes("gone"));
      const deleted = await search({ run_view_type: "DELETED_ONLY" });
      assert.deepEqual(
        deleted.body.runs.map((r: { info: { run_name: string } }) => r.info.run_name),
        ["gone"],
      );
      const all = await search({ run_view_type: "ALL" });
      assert.equal(all.body.runs.length, 6);
      const alpha = (await search({ filter: "run_name = 'alpha'" })).body.runs[0];
      assert.deepEqual(alpha.data.params, [
        { key: "depth", value: "3" },
        { key: "model", value: "rf" },
      ]);
      assert.equal(alpha.inputs.dataset_inputs[0].dataset.name, "iris");
    });

    it("returns nothing for unknown experiments and refuses bad max_results and tokens", async () => {
      const none = await call(server, "POST", `${API}/runs/search`, { experiment_ids: ["424242"] });
      assert.deepEqual(none.body.runs ?? [], []);
      for (const args of [{ max_results: 50001 }, { max_results: 0 }, { page_token: "%%%" }]) {
        const res = await search(args);
        assert.equal(res.status, 400, JSON.stringify(args));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("refuses malformed filters and order_by with a message that points at the problem", async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ filter: "metrics.rmse > 'high'" }, /must be compared with a number/],
        [{ filter: "metrics.rmse > 1 OR params.a = 'b'" }, /OR is not supported/],
        [{ filter: "params.a = 'b' AND" }, /expected a key .* found the end/],
        [{ filter: "nonsense" }, /expected a comparator/],
        [{ filter: "tags.a ~ 'b'" }, /unexpected character '~' at position 8/],
        [{ order_by: ["metrics.rmse UP"] }, /expected ASC, DESC/],
      ];
      for (const [args, message] of cases) {
        const res = await search(args);
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, message);
      }
    });
  });
}
