import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { API, modelWithVersions, seedRun } from "../registry/registry-fixtures.js";

/** Runs `flowgate <args>` from source, as a user would from a terminal. */
function flowgate(server: TestServer, ...args: string[]) {
  return runFlowgate(server, args);
}

// The CLI is a client of the HTTP API; one back end is enough to show it.
const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;

describe("flowgate models (CLI)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(sqlite);
    await modelWithVersions(server, "fraud-detector", 2);
    const trained = await seedRun(server, { params: { data_version: "v2024-01-15" } });
    await call(server, "POST", `${API}/model-versions/create`, {
      name: "fraud-detector",
      source: `${trained.artifactUri}/model`,
      run_id: trained.runId,
    });
  });
  after(async () => server.close());

  it("lists models as a table and as JSON", async () => {
    const table = await flowgate(server, "models", "list");
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /fraud-detector/);
    const json = await flowgate(server, "models", "list", "--json");
    assert.equal(JSON.parse(json.stdout)[0].name, "fraud-detector");
  });

  it("promotes a version with archive, moves an alias, and shows it on the versions list", async () => {
    assert.equal(
      (await flowgate(server, "models", "transition", "fraud-detector", "1", "production")).code,
      0,
    );
    const t = await flowgate(
      server,
      "models",
      "transition",
      "fraud-detector",
      "2",
      "Production",
      "--archive-existing",
    );
    assert.match(t.stdout, /v2 is now in Production/);
    assert.equal(
      (await flowgate(server, "models", "alias", "set", "fraud-detector", "champion", "2")).code,
      0,
    );
    const versions = JSON.parse(
      (await flowgate(server, "models", "versions", "fraud-detector", "--json")).stdout,
    );
    assert.deepEqual(
      versions.map((v: { version: number; stage: string; aliases: string[] }) => [
        v.version,
        v.stage,
        v.aliases,
      ]),
      [
        [3, "None", []],
        [2, "Production", ["champion"]],
        [1, "Archived", []],
      ],
    );
    const show = await flowgate(server, "models", "show", "fraud-detector");
    assert.match(show.stdout, /champion→v2/);
  });

  it("answers the lineage question in one command", async () => {
    const res = await flowgate(server, "models", "lineage", "--param", "data_version=v2024-01-15", "--json");
    assert.deepEqual(
      JSON.parse(res.stdout).map((v: { name: string; version: number }) => [v.name, v.version]),
      [["fraud-detector", 3]],
    );
  });

  it("reports a server error with its MLflow code and a non-zero exit", async () => {
    const res = await flowgate(server, "models", "alias", "set", "fraud-detector", "latest", "1");
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /INVALID_PARAMETER_VALUE/);
  });
});
