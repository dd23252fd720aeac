// A baseline built on the server from what the real mlflow client logged: the version's input example, or
// the training dataset its run logged with mlflow.log_input (a local CSV) — and a clear refusal when the
// version has no input example or its dataset's source is not a file the server can read; with auth on, no
// path on the server's host is read.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");
const B = "/api/flowgate/v1/monitoring/baselines/shop";

describe("baselines built on the server from mlflow-logged sources", () => {
  let server: TestServer;
  let logged: { train_csv: string; v1: string; v2: string; v3: string };
  before(async () => {
    server = await startTestServer(BACKENDS[0]!, { controller: false });
    const { stdout } = await promisify(execFile)(
      PYTHON,
      [
        path.join(REPO, "test/monitoring/fixtures/log_baseline_sources.py"),
        "shop",
        mkdtempSync(path.join(tmpdir(), "flowgate-baseline-data-")),
      ],
      { env: { ...process.env, MLFLOW_TRACKING_URI: server.url }, maxBuffer: 16 * 1024 * 1024 },
    );
    logged = JSON.parse(stdout.trim().split("\n").pop() as string) as typeof logged;
  });
  after(async () => server.close());

  it("profiles the version's input example", async () => {
    const res = await call(server, "POST", `${B}/${logged.v1}/build`, { from: "input_example" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const profile = res.body.baseline.profile;
    assert.equal(profile.rows, 5);
    assert.equal(profile.source.kind, "input_example");
    assert.equal(profile.columns.amount.kind, "numeric");
    assert.deepEqual(profile.columns.amount.sample, [0.5, 1.5, 2.5, 3.5, 4.5]);
    assert.deepEqual(profile.columns.country.frequencies, { fr: 2, de: 1, it: 1, es: 1 });
  });

  it("profiles the training dataset the run logged, and keeps it as the version's baseline", async () => {
    const res = await call(server, "POST", `${B}/${logged.v1}/build`, { from: "dataset" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const profile = res.body.baseline.profile;
    assert.equal(profile.rows, 40);
    assert.equal(profile.source.kind, "dataset");
    assert.equal(profile.source.name, "train");
    assert.deepEqual(profile.columns.country.frequencies, { fr: 10, de: 10, it: 10, es: 10 });
    const got = await call(server, "GET", `${B}/${logged.v1}`);
    assert.equal(got.body.baseline.profile.rows, 40);
  });

  it("profiles a dataset stored as an artifact of the version's run", async () => {
    const res = await call(server, "POST", `${B}/${logged.v3}/build`, { from: "dataset" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.baseline.profile.rows, 40);
    assert.equal(res.body.baseline.profile.source.name, "artifact-train");
  });

  it("says why it cannot build: no input example, a dataset source the server cannot read", async () => {
    const example = await call(server, "POST", `${B}/${logged.v2}/build`, { from: "input_example" });
    assert.equal(example.status, 400);
    assert.match(example.body.message, /has no input example/);
    const dataset = await call(server, "POST", `${B}/${logged.v2}/build`, { from: "dataset" });
    assert.equal(dataset.status, 400);
    assert.match(
      dataset.body.message,
      /training dataset 'remote' \(source type http, https:\/\/example\.com\/train\.csv\) cannot be read by the server: only local files and artifacts of this server's store are read/,
    );
  });
});
