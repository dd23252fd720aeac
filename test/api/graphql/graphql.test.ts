// POST /graphql as MLflow's UI uses it: MLflow's schema and answer shape ({data, errors: [message]}),
// protobuf defaults for unset fields, MLflow's query limits, and per-experiment grants on every object.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import { adminHeaders, basic, STRONG_PASSWORD, startAuthServer } from "../../governance/auth-support.js";

const API = "/api/2.0/mlflow";

async function graphql(
  server: TestServer,
  query: string,
  headers: Record<string, string> = {},
  variables?: object,
) {
  return call(
    server,
    "POST",
    "/graphql",
    variables === undefined ? { query } : { query, variables },
    headers,
  );
}

async function seedRun(server: TestServer, experimentId: string, headers: Record<string, string> = {}) {
  const run = await call(
    server,
    "POST",
    `${API}/runs/create`,
    { experiment_id: experimentId, run_name: "r1" },
    headers,
  );
  const runId = run.body.run.info.run_id as string;
  const metrics = [
    ...Array.from({ length: 10 }, (_, i) => ({ key: "loss", value: i, timestamp: 1000 + i, step: i })),
    { key: "odd", value: "NaN", timestamp: 5, step: 0 },
  ];
  const batch = { run_id: runId, metrics, params: [{ key: "p", value: "1" }] };
  assert.equal((await call(server, "POST", `${API}/runs/log-batch`, batch, headers)).status, 200);
  return runId;
}

for (const backend of BACKENDS) {
  describe(`GraphQL on ${backend.name}`, () => {
    let server: TestServer;
    let experimentId: string;
    let runId: string;
    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "gq" })).body
        .experiment_id;
      runId = await seedRun(server, experimentId);
      await call(server, "POST", `${API}/runs/log-inputs`, {
        run_id: runId,
        datasets: [
          {
            dataset: { name: "ds", digest: "abc", source_type: "local", source: "{}" },
            tags: [{ key: "mlflow.data.context", value: "train" }],
          },
        ],
      });
      await call(server, "POST", `${API}/registered-models/create`, { name: "gq-model" });
      const version = await call(server, "POST", `${API}/model-versions/create`, {
        name: "gq-model",
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      assert.equal(version.status, 200, JSON.stringify(version.body));
    });
    after(() => server.close());

    it("mlflowGetRun answers the run with its experiment and model versions, longs as strings", async () => {
      const res = await graphql(
        server,
        `query { mlflowGetRun(input: {runId: "${runId}"}) { run {
          info { runId runUuid runName status endTime experimentId lifecycleStage }
          data { metrics { key value step timestamp } params { key value } }
          inputs { datasetInputs { dataset { name digest } tags { key value } } }
          experiment { experimentId name lifecycleStage workspace }
          modelVersions { name version source runId currentStage description runLink aliases status }
        } apiError { code } } }`,
      );
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, null);
      const { run, apiError } = res.body.data.mlflowGetRun;
      assert.equal(apiError, null);
      assert.deepEqual(run.info, {
        runId,
        runUuid: runId,
        runName: "r1",
        status: "RUNNING",
        endTime: "0",
        experimentId,
        lifecycleStage: "active",
      });
      const byKey = Object.fromEntries(run.data.metrics.map((m: { key: string }) => [m.key, m]));
      assert.deepEqual(byKey.loss, { key: "loss", value: 9, step: "9", timestamp: "1009" });
      // A NaN metric answers null, as MLflow's run metrics do.
      assert.equal(byKey.odd.value, null);
      assert.deepEqual(run.data.params, [{ key: "p", value: "1" }]);
      assert.deepEqual(run.inputs.datasetInputs, [
        { dataset: { name: "ds", digest: "abc" }, tags: [{ key: "mlflow.data.context", value: "train" }] },
      ]);
      assert.deepEqual(run.experiment, {
        experimentId,
        name: "gq",
        lifecycleStage: "active",
        workspace: "default",
      });
      assert.deepEqual(run.modelVersions, [
        {
          name: "gq-model",
          version: "1",
          source: `runs:/${runId}/model`,
          runId,
          currentStage: "None",
          description: "",
          runLink: "",
          aliases: [],
          status: "READY",
        },
      ]);
    });

    it("runs the MLflow UI's own query shape: named operation, @component directive, input variable", async () => {
      const res = await call(server, "POST", "/graphql", {
        operationName: "MlflowGetRunQuery",
        query: `query MlflowGetRunQuery($data: MlflowGetRunInput!) @component(name: "MLflow.ExperimentRunTracking") {
          mlflowGetRun(input: $data) { apiError { code message } run { info { runName status } } }
        }`,
        variables: { data: { runId } },
      });
      assert.deepEqual(res.body, {
        data: { mlflowGetRun: { apiError: null, run: { info: { runName: "r1", status: "RUNNING" } } } },
        errors: null,
      });
    });

    it("answers a failed field with null and MLflow's message, the other fields still resolved", async () => {
      const res = await graphql(
        server,
        `query { a: mlflowGetRun(input: {runId: "${runId}"}) { run { info { runId } } }
                 b: mlflowGetRun(input: {runId: "nope"}) { run { info { runId } } } }`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, { a: { run: { info: { runId } } }, b: null });
      assert.deepEqual(res.body.errors, ["Run with id=nope not found"]);
    });

    it("mlflowGetExperiment takes variables", async () => {
      const res = await graphql(
        server,
        "query q($id: String) { mlflowGetExperiment(input: {experimentId: $id}) { experiment { experimentId name tags { key } } } }",
        {},
        { id: experimentId },
      );
      assert.deepEqual(res.body.data.mlflowGetExperiment.experiment, { experimentId, name: "gq", tags: [] });
    });

    it("mlflowSearchRuns is a query and a mutation, with MLflow's filter grammar", async () => {
      for (const op of ["query", "mutation"]) {
        const res = await graphql(
          server,
          `${op} { mlflowSearchRuns(input: {experimentIds: ["${experimentId}"], filter: "params.p = '1'"}) { runs { info { runId } } nextPageToken } }`,
        );
        assert.deepEqual(
          res.body.data.mlflowSearchRuns,
          { runs: [{ info: { runId } }], nextPageToken: "" },
          op,
        );
      }
      const bad = await graphql(
        server,
        `query { mlflowSearchRuns(input: {experimentIds: ["${experimentId}"], filter: "oops ="}) { runs { info { runId } } } }`,
      );
      assert.equal(bad.body.data.mlflowSearchRuns, null);
      assert.equal(bad.body.errors.length, 1);
    });

    it("mlflowListArtifacts lists a run's artifact root", async () => {
      const res = await graphql(
        server,
        `query { mlflowListArtifacts(input: {runId: "${runId}"}) { rootUri files { path } nextPageToken } }`,
      );
      assert.deepEqual(res.body.data.mlflowListArtifacts, {
        rootUri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
        files: [],
        nextPageToken: "",
      });
    });

    it("mlflowGetMetricHistoryBulkInterval samples the whole history, as MLflow's resolver does", async () => {
      const res = await graphql(
        server,
        `query { mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${runId}"], metricKey: "loss", maxResults: 3, startStep: 1, endStep: 4}) { metrics { step runId } } }`,
      );
      const metrics = res.body.data.mlflowGetMetricHistoryBulkInterval.metrics;
      assert.deepEqual(
        metrics.map((m: { step: string }) => m.step),
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      );
      const nan = await graphql(
        server,
        `query { mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${runId}"], metricKey: "odd"}) { metrics { value } } }`,
      );
      assert.deepEqual(nan.body.data.mlflowGetMetricHistoryBulkInterval.metrics, [{ value: null }]);
      assert.deepEqual(nan.body.errors, ["Float cannot represent non numeric value: nan"]);
    });

    it("mlflowSearchDatasets is a mutation, as in MLflow's schema", async () => {
      const res = await graphql(
        server,
        `mutation { mlflowSearchDatasets(input: {experimentIds: ["${experimentId}"]}) { datasetSummaries { experimentId name digest context } } }`,
      );
      assert.deepEqual(res.body.data.mlflowSearchDatasets.datasetSummaries, [
        { experimentId, name: "ds", digest: "abc", context: "train" },
      ]);
      const asQuery = await graphql(
        server,
        `
          query {
            mlflowSearchDatasets(input: { experimentIds: ["1"] }) {
              datasetSummaries {
                name
              }
            }
          }
        `,
      );
      assert.equal(asQuery.body.data, null);
      assert.match(asQuery.body.errors[0], /Cannot query field "mlflowSearchDatasets" on type "Query"/);
    });

    it("refuses queries over MLflow's limits before running them", async () => {
      const roots = `query { ${Array.from({ length: 11 }, (_, i) => `a${i}: test(inputString: "x") { output }`).join(" ")} }`;
      const tooManyRoots = await graphql(server, roots);
      assert.deepEqual(tooManyRoots.body, {
        data: null,
        errors: [
          "GraphQL queries should have at most 10 root fields, got 11 root fields. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.",
        ],
      });
      const aliases = `query { mlflowGetRun(input: {runId: "${runId}"}) { run { info { ${Array.from({ length: 11 }, (_, i) => `x${i}: runId`).join(" ")} } } } }`;
      const tooManyAliases = await graphql(server, aliases);
      assert.deepEqual(tooManyAliases.body.errors, [
        "GraphQL queries should have at most 10 aliases, got 11 aliases. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ALIASES environment variable.",
      ]);
      const deep = `query { mlflowGetRun(input: {runId: "x"}) { run { ${"experiment { tags { key } } ".repeat(1)} data { metrics { key } } } } }`;
      assert.equal((await graphql(server, deep)).body.errors.length, 1);
      const tooDeep = `query { ${"a: test { b: output ".repeat(0)}${"mlflowGetRun { run { ".repeat(1)}${"info { ".repeat(9)}runId${" }".repeat(11)} }`;
      assert.deepEqual((await graphql(server, tooDeep)).body, {
        data: null,
        errors: ["Query exceeds maximum depth of 10"],
      });
    });

    it("says what is wrong with a request that is not a GraphQL query (400, where MLflow fails with a 500)", async () => {
      const syntax = await graphql(server, "query { mlflowGetRun(");
      assert.equal(syntax.status, 400);
      assert.equal(syntax.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(syntax.body.message, /^Invalid GraphQL query: Syntax Error/);
      const noQuery = await call(server, "POST", "/graphql", {});
      assert.equal(noQuery.status, 400);
      const get = await call(server, "GET", "/graphql", { query: "{ test { output } }" });
      assert.equal(get.status, 400);
      const text = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ query: "{ test { output } }" }),
      });
      assert.equal(text.status, 400);
      assert.match(((await text.json()) as { message: string }).message, /application\/json/);
    });

    it("is served at /graphql only, as MLflow serves it", async () => {
      const res = await call(server, "POST", "/ajax-api/graphql", { query: "{ test { output } }" });
      assert.equal(res.status, 404);
    });
  });
}

describe("GraphQL with per-experiment grants", () => {
  let server: TestServer;
  let mine: string;
  let theirs: string;
  let theirExperiment: string;
  let eve: Record<string, string>;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
    const ids: string[] = [];
    for (const name of ["eve-exp", "other-exp"]) {
      ids.push(
        (await call(server, "POST", `${API}/experiments/create`, { name }, adminHeaders)).body.experiment_id,
      );
    }
    theirExperiment = ids[1]!;
    mine = await seedRun(server, ids[0]!, adminHeaders);
    theirs = await seedRun(server, ids[1]!, adminHeaders);
    await call(
      server,
      "POST",
      "/api/flowgate/v1/users",
      { username: "eve", password: STRONG_PASSWORD },
      adminHeaders,
    );
    const granted = await call(
      server,
      "POST",
      "/api/flowgate/v1/users/eve/grants",
      { role: "reader", scope_type: "experiment", scope_id: ids[0] },
      adminHeaders,
    );
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    eve = basic("eve", STRONG_PASSWORD);
  });
  after(() => server.close());

  it("needs a login", async () => {
    const res = await graphql(
      server,
      `
        query {
          test(inputString: "x") {
            output
          }
        }
      `,
    );
    assert.equal(res.status, 401);
  });

  it("reads what the caller was granted and refuses, field by field, what they were not", async () => {
    const res = await graphql(
      server,
      `query { a: mlflowGetRun(input: {runId: "${mine}"}) { run { info { runId } } }
               b: mlflowGetRun(input: {runId: "${theirs}"}) { run { info { runId } } }
               c: mlflowGetExperiment(input: {experimentId: "${theirExperiment}"}) { experiment { name } }
               d: mlflowSearchRuns(input: {experimentIds: ["${theirExperiment}"]}) { runs { info { runId } } }
               e: mlflowListArtifacts(input: {runId: "${theirs}"}) { rootUri }
               f: mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${mine}", "${theirs}"], metricKey: "loss"}) { metrics { step } } }`,
      eve,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data.a, { run: { info: { runId: mine } } });
    for (const field of ["b", "c", "d", "e", "f"]) assert.equal(res.body.data[field], null, field);
    assert.equal(res.body.errors.length, 5);
    for (const message of res.body.errors) {
      assert.match(
        message,
        new RegExp(`lacks permission experiment.read on experiment '${theirExperiment}'`),
      );
    }
  });
});
