import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, statSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { modelDir } from "../serving/support/serving-fixtures.js";
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

/** stderr of a failed `models serve`: exactly one line, no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "" && !l.includes("FastifyDeprecation"));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  return lines[0] as string;
}

describe("flowgate models serve: first-run failures are one line (CLI)", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(sqlite);
  });
  after(async () => server.close());

  it("a port in use names the likely cause and --port", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const res = await flowgate(
        server,
        "models",
        "serve",
        "-m",
        await modelDir("classifier"),
        "--port",
        String(port),
      );
      assert.notEqual(res.code, 0);
      assert.match(
        oneLine(res.stderr),
        new RegExp(
          `port ${port} is in use on 127\\.0\\.0\\.1 — is \`flowgate server\` running there\\? pass --port`,
        ),
      );
    } finally {
      taken.close();
    }
  });

  it("a Python that does not exist names --python, FLOWGATE_PYTHON and setup-python.sh", async () => {
    const res = await flowgate(
      server,
      "models",
      "serve",
      "-m",
      await modelDir("custom"),
      "--port",
      "0",
      "--python",
      "/nonexistent/python3",
    );
    assert.notEqual(res.code, 0);
    const line = oneLine(res.stderr);
    assert.match(line, /'\/nonexistent\/python3' was not found/);
    assert.match(line, /--python/);
    assert.match(line, /FLOWGATE_PYTHON/);
    assert.match(line, /\.\/scripts\/setup-python\.sh/);
  });

  it("a Python without mlflow (FLOWGATE_PYTHON) is said to have no mlflow", async () => {
    const venv = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-bare-python-")), "venv");
    await promisify(execFile)("python3", ["-m", "venv", "--without-pip", venv]);
    const res = await runFlowgate(
      server,
      ["models", "serve", "-m", await modelDir("custom"), "--port", "0"],
      {
        FLOWGATE_PYTHON: path.join(venv, "bin", "python"),
      },
    );
    assert.notEqual(res.code, 0);
    assert.match(oneLine(res.stderr), /has no mlflow installed: pass --python <path> or set FLOWGATE_PYTHON/);
  });

  it("a model the tracking server does not have is one line, and FLOWGATE_CACHE_DIR holds the cache", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "flowgate-cli-cache-"));
    const res = await runFlowgate(
      server,
      ["models", "serve", "-m", "models:/no-such-model/1", "--port", "0"],
      {
        FLOWGATE_CACHE_DIR: root,
      },
    );
    assert.notEqual(res.code, 0);
    assert.match(oneLine(res.stderr), /RESOURCE_DOES_NOT_EXIST: Tracking server refused/);
    assert.equal(statSync(path.join(root, "models")).mode & 0o777, 0o700);
  });

  it("an invalid flag value is one line", async () => {
    const res = await flowgate(server, "models", "serve", "-m", "models:/m/1", "--port", "http");
    assert.notEqual(res.code, 0);
    assert.match(oneLine(res.stderr), /--port must be a non-negative integer, not 'http'/);
  });
});
