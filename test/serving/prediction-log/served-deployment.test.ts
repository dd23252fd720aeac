// End to end on loopback: a deployment created on a real server, served by `models serve --deployment`'s
// composition (startDeploymentServing) with a real model; the ids callers saw in x-request-id come back in the
// segment the replica uploaded to the server, with the inputs the spec chose and the model's outputs.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { readSegment } from "../../../src/monitoring/segments/segment-reader.js";
import { startDeploymentServing } from "../../../src/serving/deployment-serving.js";
import { registerDeliveryModels, type DeliveryVersions } from "../../delivery/support/delivery-processes.js";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import { post, testServeOptions } from "../support/serving-fixtures.js";

const MODEL = "iris-logged";
const ROWS = {
  dataframe_split: {
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
    ],
  },
};

describe("a served deployment's prediction log", () => {
  let server: TestServer;
  let versions: DeliveryVersions;
  const root = mkdtempSync(path.join(tmpdir(), "flowgate-prediction-log-"));

  before(async () => {
    server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number], { controller: false });
    versions = await registerDeliveryModels(server.url, MODEL);
    const created = await call(server, "POST", "/api/flowgate/v1/deployments", {
      spec: {
        name: "iris-logged",
        model: MODEL,
        primary: versions.good,
        monitoring: { inputs: ["sepal_length", "petal_width"] },
      },
      reason: "ship",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });
  after(() => server.close());

  test("holds every answered request under the id its caller saw, uploaded on stop", async () => {
    const serving = await startDeploymentServing({
      deployment: "iris-logged",
      trackingUri: server.url,
      snapshotDir: path.join(root, "deployments"),
      cacheDir: path.join(root, "models"),
      reportIntervalMs: 3_600_000,
      ...testServeOptions(),
    });
    const seen: string[] = [];
    try {
      await serving.loaded;
      for (let i = 0; i < 5; i++) {
        const res = await post(`${serving.address}/invocations`, ROWS, {
          "content-type": "application/json",
          ...(i < 3 ? { "x-request-id": `caller-${i}` } : {}),
        });
        assert.equal(res.status, 200);
        seen.push(res.headers.get("x-request-id") as string);
      }
      assert.deepEqual(seen.slice(0, 3), ["caller-0", "caller-1", "caller-2"]);
      const metrics = await (await fetch(`${serving.address}/metrics`)).text();
      assert.match(metrics, /flowgate_prediction_log_rows_total\{deployment="iris-logged"\} 10/);
      for (const name of ["dropped", "segments", "upload_failures"])
        assert.match(
          metrics,
          new RegExp(`flowgate_prediction_log_${name}_total\\{deployment="iris-logged"\\} 0`),
        );
    } finally {
      await serving.stop();
    }
    assert.equal(serving.predictionLog.counts.rows, 10);
    assert.equal(serving.predictionLog.counts.segments, 1);

    const listed = await server.app.segments.list("iris-logged");
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0]!.versions, [versions.good]);
    const rows: Record<string, unknown>[] = [];
    for await (const chunk of readSegment(await server.app.segments.openSegment(listed[0]!))) {
      for (let i = 0; i < chunk.rows; i++)
        rows.push(Object.fromEntries(Object.entries(chunk.columns).map(([k, v]) => [k, v[i]])));
    }
    // Every id the callers saw (given or assigned by serving), each with its two rows.
    assert.deepEqual(
      rows.map((r) => `${String(r.request_id)}#${String(r.row)}`),
      seen.flatMap((id) => [`${id}#0`, `${id}#1`]),
    );
    const first = rows[0]!;
    assert.equal(first.version, versions.good);
    assert.equal(first.role, "primary");
    assert.equal(first["input.sepal_length"], 5.1);
    assert.equal(first["input.petal_width"], 0.2);
    assert.ok(!("input.sepal_width" in first), "columns outside spec.monitoring.inputs are not logged");
    assert.ok(first["output.prediction"] !== undefined && first["output.prediction"] !== null);
  });
});
