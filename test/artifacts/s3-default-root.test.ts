// `flowgate server --default-artifact-root s3://bucket/prefix --no-serve-artifacts` (moto): MLflow's setup where
// the real mlflow 3.x client writes to S3 itself. Experiments get `s3://bucket/prefix/<id>` as from `mlflow
// server`; the objects are checked with awscli; the server's own reads (model-versions/get-artifact, listings)
// and the serving model cache behind `flowgate batch score -m` go to the same bucket and prefix; sources outside
// the root are refused, and deleting a run's area leaves every other run's objects alone.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { artifactUriPath } from "../../src/artifacts/artifact-uri.js";
import { openS3ArtifactRepository } from "../../src/artifacts/s3-artifact-repo.js";
import { createS3Client, s3SettingsFrom } from "../../src/artifacts/s3-client.js";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { refusesAsInvalidParameter } from "../support/invalid-parameter.js";
import { startMoto, type Moto } from "../support/moto.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const AWS = "/usr/bin/aws";
const BUCKET = "flowgate-root";
const ROOT_URI = `s3://${BUCKET}/mlruns`;
const MODEL = "s3-root-classifier";
const REPO = path.resolve(import.meta.dirname, "..", "..");

// Logs a scikit-learn model (registered) and a note to one run, a note to another, loads the version back.
const CLIENT_SCRIPT = `
import json, sys, mlflow, numpy as np
from sklearn.linear_model import LogisticRegression
mlflow.set_tracking_uri(sys.argv[1])
exp = mlflow.set_experiment("s3-root")
X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
with mlflow.start_run() as run:
    info = mlflow.sklearn.log_model(LogisticRegression().fit(X, y), name="model", registered_model_name=sys.argv[2])
    mlflow.log_text("mine", "notes/a.txt")
with mlflow.start_run() as other:
    mlflow.log_text("theirs", "notes/b.txt")
loaded = mlflow.pyfunc.load_model(f"models:/{sys.argv[2]}/1")
print(json.dumps({"experiment_id": exp.experiment_id, "artifact_location": exp.artifact_location,
                  "run_id": run.info.run_id, "artifact_uri": run.info.artifact_uri,
                  "other_run_id": other.info.run_id, "model_id": info.model_id,
                  "prediction": loaded.predict(np.array([[0.0], [3.0]])).tolist()}))
`;

interface Logged {
  experiment_id: string;
  artifact_location: string;
  run_id: string;
  artifact_uri: string;
  other_run_id: string;
  model_id: string;
  prediction: number[];
}

describe("an s3:// default artifact root that clients write themselves (moto)", () => {
  let moto: Moto;
  let server: TestServer;
  let env: Record<string, string>;
  let logged: Logged;

  /** Every key under `prefix` in the bucket, as awscli lists them (recursive). */
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const { stdout } = await promisify(execFile)(
      AWS,
      ["s3", "ls", "--recursive", `s3://${BUCKET}/${prefix}`, "--endpoint-url", moto.endpoint],
      { env: { ...process.env, ...moto.env, AWS_PAGER: "" } },
    ).catch((err: { code?: number; stdout?: string }) => {
      // `aws s3 ls` exits 1 when nothing matches.
      if (err.code === 1) return { stdout: err.stdout ?? "" };
      throw err;
    });
    return stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.trim().split(/\s+/).slice(3).join(" "))
      .sort();
  };

  before(async () => {
    moto = await startMoto();
    env = { ...moto.env, MLFLOW_S3_ENDPOINT_URL: moto.endpoint };
    const client = createS3Client(s3SettingsFrom(env));
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    // As `flowgate server --default-artifact-root s3://flowgate-root/mlruns --no-serve-artifacts`.
    server = await startTestServer(BACKENDS[0]!, {
      env: { ...env, FLOWGATE_DEFAULT_ARTIFACT_ROOT: ROOT_URI, FLOWGATE_SERVE_ARTIFACTS: "false" },
    });
    const { stdout } = await promisify(execFile)(
      path.join(REPO, ".venvs", "mlflow3", "bin", "python"),
      ["-c", CLIENT_SCRIPT, server.url, MODEL],
      { env: { ...process.env, ...env, MLFLOW_TRACKING_URI: server.url }, maxBuffer: 16 * 1024 * 1024 },
    );
    logged = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Logged;
  });
  after(async () => {
    await server?.close();
    await moto?.stop();
  });

  it("hands out s3://bucket/prefix/<id> locations as mlflow server does, and the client's objects land there", async () => {
    const exp = logged.experiment_id;
    assert.equal(logged.artifact_location, `${ROOT_URI}/${exp}`);
    assert.equal(logged.artifact_uri, `${ROOT_URI}/${exp}/${logged.run_id}/artifacts`);
    const keys = await keysUnder(`mlruns/${exp}/`);
    assert.ok(keys.includes(`mlruns/${exp}/${logged.run_id}/artifacts/notes/a.txt`), keys.join("\n"));
    assert.ok(keys.includes(`mlruns/${exp}/models/${logged.model_id}/artifacts/MLmodel`), keys.join("\n"));
    // Nothing outside the prefix, nor in the local destination the server would otherwise have used.
    assert.deepEqual(
      (await keysUnder("")).filter((k) => !k.startsWith("mlruns/")),
      [],
    );
    assert.equal(existsSync(server.artifactRoot), false);
  });

  it("loads and predicts the registered version with the real client", () => {
    assert.deepEqual(logged.prediction, [0, 1]);
  });

  it("reads the version's files itself: model-versions/get-artifact and run listings go to the bucket", async () => {
    const res = await fetch(`${server.url}/model-versions/get-artifact?name=${MODEL}&version=1&path=MLmodel`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /sklearn/);
    const listed = await call(server, "GET", "/api/2.0/mlflow/artifacts/list", {
      run_id: logged.run_id,
      path: "notes",
    });
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.files, [{ path: "notes/a.txt", is_dir: false, file_size: 4 }]);
  });

  it("flowgate batch score -m models:/… fetches the version from S3 into the serving cache and scores with it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowgate-s3-root-batch-"));
    writeFileSync(path.join(dir, "in.csv"), "x\n0.0\n3.0\n");
    const out = path.join(dir, "out.csv");
    const run = await runFlowgate(
      server,
      [
        "batch",
        "score",
        "-m",
        `models:/${MODEL}/1`,
        "-i",
        path.join(dir, "in.csv"),
        "-o",
        out,
        "--runtime",
        "python",
        "-w",
        "1",
        "--python",
        path.join(REPO, ".venvs", "mlflow3", "bin", "python"),
        "--cache-dir",
        path.join(dir, "cache"),
      ],
      env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(readFileSync(out, "utf8"), /^x,prediction\n0(\.0)?,0\n3(\.0)?,1\n$/);
  });

  it("registers sources under the root and refuses any outside it", async () => {
    const exp = logged.experiment_id;
    const inside = await call(server, "POST", "/api/2.0/mlflow/model-versions/create", {
      name: MODEL,
      source: `${ROOT_URI}/${exp}/models/${logged.model_id}/artifacts`,
      run_id: logged.run_id,
    });
    assert.equal(inside.status, 200, JSON.stringify(inside.body));
    for (const source of [
      `s3://${BUCKET}/elsewhere/${exp}/${logged.run_id}/artifacts/model`,
      `s3://${BUCKET}/mlruns2/${exp}/${logged.run_id}/artifacts/model`,
      `s3://other-bucket/mlruns/${exp}/${logged.run_id}/artifacts/model`,
      `${ROOT_URI}/${exp}/../../elsewhere/model`,
      `file:///etc`,
    ]) {
      const res = await call(server, "POST", "/api/2.0/mlflow/model-versions/create", {
        name: MODEL,
        source,
        run_id: logged.run_id,
      });
      assert.equal(res.status, 400, source);
      assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE", source);
    }
    // The same rule in-process: a store path under the root, never a sibling prefix.
    assert.equal(artifactUriPath(`${ROOT_URI}/${exp}/r/artifacts`, "source"), `${exp}/r/artifacts`);
    refusesAsInvalidParameter(
      () => artifactUriPath(`s3://${BUCKET}/mlruns-old/1`, "source"),
      /under this server's artifact root s3:\/\/flowgate-root\/mlruns/,
    );
  });

  it("deleting a run's area in the server's store leaves other runs' objects, even a look-alike prefix", async () => {
    const exp = logged.experiment_id;
    // A sibling whose name starts with the run's id: `1/abc` must not take `1/abc-copy` with it.
    const sibling = `mlruns/${exp}/${logged.run_id}-copy/artifacts/keep.txt`;
    const client = createS3Client(s3SettingsFrom(env));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: sibling, Body: "keep" }));
    client.destroy();
    // The repository the server opens on its root (app.ts), deleting the run's whole area.
    const store = openS3ArtifactRepository(ROOT_URI, env);
    await store.delete(`${exp}/${logged.run_id}`);
    const keys = await keysUnder(`mlruns/${exp}/`);
    assert.deepEqual(
      keys.filter((k) => k.startsWith(`mlruns/${exp}/${logged.run_id}/`)),
      [],
    );
    assert.ok(keys.includes(sibling), keys.join("\n"));
    assert.ok(keys.includes(`mlruns/${exp}/${logged.other_run_id}/artifacts/notes/b.txt`), keys.join("\n"));
    assert.ok(keys.includes(`mlruns/${exp}/models/${logged.model_id}/artifacts/MLmodel`), keys.join("\n"));
  });
});
