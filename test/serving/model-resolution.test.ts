// Model URIs resolved through a REAL `mlflow server` (from .venvs/mlflow3) with the MLflow REST API the client
// uses: models:/name/version and models:/name@alias are downloaded once into a 0700 cache with sha256 digests,
// served from that cache when the server is down, and refused if a cached file was changed.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { freePort } from "../support/free-port.js";
import { parseModelUri } from "../../src/serving/model-uri.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer } from "../support/test-server.js";
import { PYTHON, REPO, post, serveForTest } from "./support/serving-fixtures.js";

const IRIS_ROW = {
  dataframe_split: {
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: [[5.1, 3.5, 1.4, 0.2]],
  },
};

/** The one cached copy whose directory name starts with `prefix` (name-vVERSION-<origin key>). */
function cachedCopy(cacheDir: string, prefix: string): string {
  const found = readdirSync(cacheDir).filter((d) => d.startsWith(prefix) && !d.includes(".tmp-"));
  assert.equal(found.length, 1, `one cached copy ${prefix}* in ${found.join(", ")}`);
  return path.join(cacheDir, found[0] as string);
}

describe("model URIs resolved through a real mlflow tracking server", () => {
  let mlflow: ChildProcess;
  let trackingUri: string;
  const cacheDir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-serving-res-")), "cache");

  before(async () => {
    const work = mkdtempSync(path.join(tmpdir(), "flowgate-mlflow-server-"));
    const port = await freePort();
    trackingUri = `http://127.0.0.1:${port}`;
    mlflow = spawn(
      path.join(REPO, ".venvs/mlflow3/bin/mlflow"),
      [
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--backend-store-uri",
        `sqlite:///${work}/mlflow.db`,
        "--artifacts-destination",
        `${work}/artifacts`,
        "--workers",
        "1",
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${trackingUri}/health`)).ok) break;
      } catch {
        /* starting */
      }
      if (i > 600) throw new Error("mlflow server did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
    await promisify(execFile)(
      PYTHON,
      [path.join(REPO, "test/serving/fixtures/register_model.py"), "iris-serving"],
      {
        env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri },
      },
    );
  });
  after(() => {
    mlflow?.kill("SIGTERM");
  });

  test("models:/name/version is downloaded into a 0700 cache with digests and served", async () => {
    const server = await serveForTest("models:/iris-serving/1", { trackingUri, cacheDir });
    try {
      const r = await post(`${server.url}/invocations`, IRIS_ROW);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { predictions: [0] });
      const meta: any = await (await fetch(`${server.url}/metadata`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(meta.models[0].name, "iris-serving");
      assert.equal(meta.models[0].version, "1");
      assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
      const copy = cachedCopy(cacheDir, "iris-serving-v1-");
      const manifest = JSON.parse(readFileSync(path.join(copy, "manifest.json"), "utf8"));
      assert.match(manifest.files.MLmodel, /^[0-9a-f]{64}$/);
      assert.equal(manifest.trackingUri, trackingUri);
    } finally {
      await server.stop();
    }
  });

  test("models:/name@alias resolves the alias to its version", async () => {
    const server = await serveForTest("models:/iris-serving@champion", { trackingUri, cacheDir });
    try {
      const meta: any = await (await fetch(`${server.url}/metadata`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(meta.models[0].version, "1");
      assert.equal((await post(`${server.url}/invocations`, IRIS_ROW)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test("an unknown version is refused with the server's message", async () => {
    await assert.rejects(
      serveForTest("models:/iris-serving/99", { trackingUri, cacheDir }),
      /Tracking server refused/,
    );
  });

  test("a cached file changed after download is refused before load", async () => {
    const copy = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-serving-tamper-")), "cache");
    const first = await serveForTest("models:/iris-serving/1", { trackingUri, cacheDir: copy });
    await first.stop();
    const cached = cachedCopy(copy, "iris-serving-v1-");
    const modelFiles = readdirSync(path.join(cached, "model"));
    assert.ok(modelFiles.includes("MLmodel"));
    writeFileSync(path.join(cached, "model", "requirements.txt"), "evil==1.0\n");
    await assert.rejects(
      serveForTest("models:/iris-serving/1", { trackingUri, cacheDir: copy }),
      /does not match its recorded sha256/,
    );
  });
  test("with its tracking server down, the copy cached from that server keeps serving", async () => {
    mlflow.kill("SIGTERM");
    await new Promise((resolve) => mlflow.once("exit", resolve));
    const server = await serveForTest("models:/iris-serving/1", { trackingUri, cacheDir });
    try {
      const meta: any = await (await fetch(`${server.url}/metadata`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(meta.models[0].offline, true);
      assert.equal((await post(`${server.url}/invocations`, IRIS_ROW)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test("a copy cached from one tracking server is never served for another that is down", async () => {
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(
      serveForTest("models:/iris-serving/1", { trackingUri: unreachable, cacheDir }),
      /is unreachable/,
    );
  });
});

for (const backend of BACKENDS) {
  describe(`model URIs resolved through Flowgate's own registry (${backend.name})`, () => {
    test("a version registered by the real mlflow client on Flowgate is served by alias", async () => {
      const flowgate = await startTestServer(backend);
      try {
        await promisify(execFile)(
          PYTHON,
          [path.join(REPO, "test/serving/fixtures/register_model.py"), "iris-fg"],
          {
            env: { ...process.env, MLFLOW_TRACKING_URI: flowgate.url },
          },
        );
        const cacheDir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-serving-fg-")), "cache");
        const server = await serveForTest("models:/iris-fg@champion", {
          trackingUri: flowgate.url,
          cacheDir,
        });
        try {
          const r = await post(`${server.url}/invocations`, IRIS_ROW);
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(r.json, { predictions: [0] });
        } finally {
          await server.stop();
        }
      } finally {
        await flowgate.close();
      }
    });
  });
}

const sqlite = BACKENDS.find((b) => b.name === "sqlite") as (typeof BACKENDS)[number];

/** Registers an iris model as the next version of `name` whose setosa prediction is `shift`. */
async function registerShifted(trackingUri: string, name: string, shift: number): Promise<void> {
  await promisify(execFile)(
    PYTHON,
    [path.join(REPO, "test/serving/fixtures/register_model.py"), name, String(shift)],
    { env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri } },
  );
}

async function predictOnce(uri: string, trackingUri: string, cacheDir: string): Promise<unknown> {
  const server = await serveForTest(uri, { trackingUri, cacheDir });
  try {
    const r = await post(`${server.url}/invocations`, IRIS_ROW);
    assert.equal(r.status, 200, r.text);
    return r.json.predictions;
  } finally {
    await server.stop();
  }
}

// The store is not what is tested here (the cache is keyed by what the server answers), so one back end suffices.
describe("the model cache is keyed by tracking server and version origin, not by name and version", () => {
  test("models:/m/1 from a second Flowgate server, after the first's was cached, predicts per the second", async () => {
    const first = await startTestServer(sqlite);
    const second = await startTestServer(sqlite);
    try {
      await registerShifted(first.url, "m", 0);
      await registerShifted(second.url, "m", 1);
      const cacheDir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-serving-two-")), "cache");
      assert.deepEqual(await predictOnce("models:/m/1", first.url, cacheDir), [0]);
      assert.deepEqual(await predictOnce("models:/m/1", second.url, cacheDir), [1]);
      // And back: each server's copy stays its own.
      assert.deepEqual(await predictOnce("models:/m/1", first.url, cacheDir), [0]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test("a model deleted and registered again under the same name and version is downloaded again", async () => {
    const server = await startTestServer(sqlite);
    try {
      await registerShifted(server.url, "m", 0);
      const cacheDir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-serving-re-")), "cache");
      assert.deepEqual(await predictOnce("models:/m/1", server.url, cacheDir), [0]);
      const deleted = await call(server, "DELETE", "/api/2.0/mlflow/registered-models/delete", { name: "m" });
      assert.equal(deleted.status, 200);
      await registerShifted(server.url, "m", 2);
      assert.deepEqual(await predictOnce("models:/m/1", server.url, cacheDir), [2]);
      assert.deepEqual(await predictOnce("models:/m@champion", server.url, cacheDir), [2]);
    } finally {
      await server.close();
    }
  });
});

describe("model URI parsing", () => {
  test("registry, alias, stage and run URIs are recognised", () => {
    assert.deepEqual(parseModelUri("models:/m/3"), { kind: "version", name: "m", version: "3" });
    assert.deepEqual(parseModelUri("models:/m@prod"), { kind: "alias", name: "m", alias: "prod" });
    assert.deepEqual(parseModelUri("models:/m/Production"), {
      kind: "stage",
      name: "m",
      stage: "Production",
    });
    assert.deepEqual(parseModelUri("runs:/abc123/model"), { kind: "run", runId: "abc123", path: "model" });
  });

  test("URIs carrying shell syntax or traversal are refused", () => {
    for (const bad of [
      "models:/m/1;id>/tmp/x",
      "models:/$(id)/1",
      "runs:/abc/../../etc",
      "s3://bucket/m",
      "models:/m/1`id`",
    ]) {
      assert.throws(() => parseModelUri(bad), /INVALID_PARAMETER_VALUE|Model URI/, bad);
    }
  });
});
