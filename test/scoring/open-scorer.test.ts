// Batch and streams score through openScorer, on the serving stack and a real Flowgate server holding versions
// the real mlflow client registered: a model URI loads that version; a deployment's "primary" route scores with
// the version the deployment currently names; its "policy" route splits requests between versions and logs them
// to the deployment's prediction log as served requests are. Refusals come back as results, never thrown.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { createLogger } from "../../src/core/logger.js";
import { frameFromRows, type Frame } from "../../src/serving/frame.js";
import { defaultScorerOptions, openScorer, type ScorerOptions } from "../../src/scoring/open-scorer.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { PYTHON, REPO } from "../serving/support/serving-fixtures.js";

const IRIS = ["sepal_length", "sepal_width", "petal_length", "petal_width"];
const SETOSA = [5.1, 3.5, 1.4, 0.2];
const API = "/api/flowgate/v1/deployments";

function setosaRows(n: number): Frame {
  return frameFromRows(
    IRIS,
    Array.from({ length: n }, () => SETOSA),
    false,
  );
}

describe("openScorer", () => {
  let server: TestServer;
  let options: ScorerOptions;

  before(async () => {
    server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number]);
    await promisify(execFile)(
      PYTHON,
      [path.join(REPO, "test/scoring/fixtures/register_scoring_models.py"), "scored"],
      { env: { ...process.env, MLFLOW_TRACKING_URI: server.url }, maxBuffer: 16 * 1024 * 1024 },
    );
    options = defaultScorerOptions({
      logger: createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" }),
      trackingUri: server.url,
      // Shared by every test: each version is fetched and converted to ONNX once.
      cacheDir: path.join(mkdtempSync(path.join(tmpdir(), "flowgate-scoring-")), "models"),
      python: PYTHON,
      workers: 1,
    });
  });
  after(async () => server.close());

  test("a model URI scores with that version on its runtime, and a frame off its signature is a result, not a throw", async () => {
    const scorer = await openScorer({ kind: "model", modelUri: "models:/scored/1" }, options);
    try {
      assert.equal(scorer.name, "scored");
      assert.equal(scorer.version, "1");
      assert.ok(scorer.slots >= 1);
      const columns =
        scorer.meta.signature.inputs?.kind === "columns" ? scorer.meta.signature.inputs.columns : [];
      assert.deepEqual(
        columns.map((c) => c.name),
        IRIS,
      );
      const result = await scorer.score(setosaRows(3));
      assert.deepEqual(result, { ok: true, predictions: "[0,0,0]" });
      const missing = await scorer.score(frameFromRows(IRIS.slice(0, 3), [SETOSA.slice(0, 3)], false));
      assert.equal(missing.ok, false);
      assert.match(missing.ok ? "" : missing.error.message, /petal_width/);
    } finally {
      await scorer.close();
    }
  });

  test("a deployment's primary route scores with the version it names now", async () => {
    const created = await call(server, "POST", API, {
      spec: { name: "scored-primary", model: "scored", primary: "2" },
      reason: "batch scores with version 2",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const scorer = await openScorer(
      { kind: "deployment", deployment: "scored-primary", route: "primary" },
      options,
    );
    try {
      assert.equal(scorer.version, "2");
      // Version 2 learnt setosa as 1.
      assert.deepEqual(await scorer.score(setosaRows(2)), { ok: true, predictions: "[1,1]" });
    } finally {
      await scorer.close();
    }
  });

  test("a deployment's policy route splits requests by their ids and logs them to the deployment's prediction log", async () => {
    const created = await call(server, "POST", API, {
      spec: {
        name: "scored-split",
        model: "scored",
        primary: "1",
        strategy: {
          abTest: {
            split: [
              { version: "1", weight: 50 },
              { version: "2", weight: 50 },
            ],
          },
        },
      },
      reason: "half the events to each version",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const scorer = await openScorer(
      { kind: "deployment", deployment: "scored-split", route: "policy" },
      { ...options, logSegmentSeconds: 1 },
    );
    const answers = new Map<string, number>();
    try {
      assert.equal(scorer.version, "1");
      for (let i = 0; i < 40; i++) {
        const result = await scorer.score(setosaRows(1), `event-${i}`);
        assert.equal(result.ok, true);
        const answer = result.ok ? result.predictions : "";
        answers.set(answer, (answers.get(answer) ?? 0) + 1);
      }
    } finally {
      await scorer.close();
    }
    // Both versions answered: version 1 says setosa is 0, version 2 says 1.
    assert.deepEqual([...answers.keys()].sort(), ["[0]", "[1]"]);
    // close() uploads what is left of the log: every scored event is a logged row.
    const listed = await call(server, "GET", "/api/flowgate/v1/monitoring/deployments/scored-split/segments");
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const segments = (listed.body as { segments: { rows: number }[] }).segments;
    assert.equal(
      segments.reduce((n, s) => n + s.rows, 0),
      40,
    );
  });

  test("a deployment that does not exist fails to open with the server's answer", async () => {
    await assert.rejects(
      openScorer({ kind: "deployment", deployment: "no-such", route: "primary" }, options),
      (err: Error & { code?: string }) =>
        err.code === "RESOURCE_DOES_NOT_EXIST" && /no-such/.test(err.message),
    );
    await assert.rejects(
      openScorer({ kind: "deployment", deployment: "no-such", route: "policy" }, options),
      (err: Error & { code?: string }) => err.code === "RESOURCE_DOES_NOT_EXIST",
    );
  });
});
