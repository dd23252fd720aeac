// Startup and readiness: the server listens first, /health and /v2/health/ready stay unhealthy until the model is
// loaded; a model that cannot load never becomes ready and its failed workers are not reused.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { createLogger } from "../../src/core/logger.js";
import { startServing } from "../../src/serving/serving-process.js";
import { PYTHON, REPO, modelDir } from "./support/serving-fixtures.js";

function options(modelUri: string) {
  return {
    modelUri,
    host: "127.0.0.1",
    port: 0,
    workers: 1,
    workerWaitSeconds: 30,
    runtime: "python" as const,
    maxBatchSize: 64,
    maxBatchDelayMs: 2,
    maxQueue: 64,
    maxBodyBytes: 1 << 20,
    requestTimeoutSeconds: 60,
    bodyTimeoutSeconds: 60,
    headersTimeoutSeconds: 10,
    trackingUri: undefined,
    cacheDir: mkdtempSync(path.join(tmpdir(), "flowgate-serving-life-")),
    python: PYTHON,
    workerPath: path.join(REPO, "python"),
    onnxThreads: 1,
    logger: createLogger({ level: "silent" }),
  };
}

describe("serving lifecycle", () => {
  test("health is unhealthy until the model is loaded, then healthy", async () => {
    const serving = await startServing(options(await modelDir("custom")));
    try {
      const early = await fetch(`${serving.address}/health`);
      assert.equal(early.status, 503);
      assert.equal((await fetch(`${serving.address}/v2/health/live`)).status, 200);
      assert.equal((await fetch(`${serving.address}/v2/health/ready`)).status, 503);
      const invocation = await fetch(`${serving.address}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(invocation.status, 503);
      await serving.loaded;
      assert.equal((await fetch(`${serving.address}/health`)).status, 200);
      assert.equal((await fetch(`${serving.address}/v2/health/ready`)).status, 200);
    } finally {
      await serving.stop();
    }
  });

  test("a model whose pickle is corrupt never becomes ready and the failure says why", async () => {
    const broken = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-broken-")), "custom");
    cpSync(await modelDir("custom"), broken, { recursive: true });
    writeFileSync(path.join(broken, "python_model.pkl"), "not a pickle");
    const serving = await startServing(options(broken));
    try {
      await assert.rejects(serving.loaded, /could not load the model/);
      assert.equal((await fetch(`${serving.address}/health`)).status, 503);
      const meta: any = await (await fetch(`${serving.address}/metadata`)).json(); // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.deepEqual(meta.models, []);
    } finally {
      await serving.stop();
    }
  });

  test("a directory without MLmodel is refused with a clear message", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "flowgate-empty-"));
    const serving = await startServing(options(empty));
    try {
      await assert.rejects(serving.loaded, /No MLmodel file/);
    } finally {
      await serving.stop();
    }
  });
});
