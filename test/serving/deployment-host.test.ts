// `models serve --deployment` hosting real model versions registered on a real Flowgate server by the real mlflow
// client: a new snapshot is served only once its versions are loaded (the old one answers meanwhile), answers
// carry X-Flowgate-Version, a policy change applies without reloading, a raising or slow shadow never reaches the
// caller, and a restart while the server is down comes up from the cached snapshot and model files.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { RoutingSnapshot } from "../../src/delivery/deployment.js";
import {
  startDeploymentServing,
  type DeploymentServingProcess,
} from "../../src/serving/deployment-serving.js";
import { registerDeliveryModels, type DeliveryVersions } from "../delivery/support/delivery-processes.js";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { post, testServeOptions } from "./support/serving-fixtures.js";

const MODEL = "iris-host";
const ROW = {
  dataframe_split: {
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: [[5.1, 3.5, 1.4, 0.2]],
  },
};

function snapshot(revision: number, fields: Partial<RoutingSnapshot>): RoutingSnapshot {
  return {
    deployment: "iris",
    model: MODEL,
    revision,
    etag: `"r${revision}"`,
    routes: [],
    warm: [],
    phase: "Healthy",
    ...fields,
  };
}

describe("serving a deployment", () => {
  let server: TestServer;
  let versions: DeliveryVersions;
  const root = mkdtempSync(path.join(tmpdir(), "flowgate-deployment-host-"));

  // The reporter would take the windows the tests read: it reports once an hour here.
  function serve(deployment = "iris", reportIntervalMs = 3_600_000): Promise<DeploymentServingProcess> {
    return startDeploymentServing({
      deployment,
      trackingUri: server.url,
      snapshotDir: path.join(root, "deployments"),
      cacheDir: path.join(root, "models"),
      reportIntervalMs,
      ...testServeOptions(),
    });
  }

  before(async () => {
    server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number]);
    versions = await registerDeliveryModels(server.url, MODEL);
  });
  let serverClosed = false;
  after(async () => {
    if (!serverClosed) await server.close();
  });

  test("a new snapshot is served only once its versions are loaded; until then the previous one answers", async () => {
    const serving = await serve();
    try {
      assert.equal((await fetch(`${serving.address}/health`)).status, 503);
      await serving.host.offer(
        snapshot(1, { routes: [{ version: versions.good, weight: 100, role: "primary" }] }),
      );
      const first = await post(`${serving.address}/invocations`, ROW);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get("x-flowgate-version"), versions.good);

      const split = snapshot(2, {
        routes: [
          { version: versions.good, weight: 50, role: "primary" },
          { version: versions.good_v2, weight: 50, role: "canary" },
        ],
      });
      const applied = serving.host.offer(split);
      let done = false;
      void applied.then(() => (done = true));
      const whileLoading: (string | null)[] = [];
      let sent = 0;
      while (!done) {
        const answer = await post(`${serving.address}/invocations`, ROW, {
          "content-type": "application/json",
          "x-request-id": `loading-${++sent}`,
        });
        assert.equal(answer.status, 200);
        // Still revision 1 after the answer arrived: revision 1 routed it (the served revision only moves on).
        if (serving.host.current()?.revision === 1)
          whileLoading.push(answer.headers.get("x-flowgate-version"));
      }
      assert.ok(whileLoading.length > 0, "requests were answered while version 2 loaded");
      assert.deepEqual(new Set(whileLoading), new Set([versions.good]));
      assert.equal(serving.host.current()?.revision, 2);

      const seen = new Set<string | null>();
      for (let i = 0; i < 40; i++) {
        const answer = await post(`${serving.address}/invocations`, ROW, {
          "content-type": "application/json",
          "x-request-id": `split-${i}`,
        });
        assert.equal(answer.status, 200);
        seen.add(answer.headers.get("x-flowgate-version"));
      }
      assert.deepEqual(seen, new Set([versions.good, versions.good_v2]));

      const metrics = await (await fetch(`${serving.address}/metrics`)).text();
      assert.match(
        metrics,
        new RegExp(
          `flowgate_deployment_requests_total\\{deployment="iris",version="${versions.good_v2}",role="canary",status="200"\\} \\d+`,
        ),
      );
      assert.match(metrics, /flowgate_deployment_revision\{deployment="iris"\} 2/);

      const cached = JSON.parse(readFileSync(path.join(root, "deployments", "iris.json"), "utf8"));
      assert.equal(cached.revision, 2);

      // A version that cannot be loaded never takes traffic: the served revision stays as it was.
      await serving.host.offer(snapshot(3, { routes: [{ version: "999", weight: 100, role: "primary" }] }));
      assert.equal(serving.host.current()?.revision, 2);
      const still = await post(`${serving.address}/invocations`, ROW);
      assert.equal(still.status, 200);
      assert.notEqual(still.headers.get("x-flowgate-version"), "999");
    } finally {
      await serving.stop();
    }
  });

  test("a policy change applies to the next request without reloading the model", async () => {
    const serving = await serve();
    try {
      const routes = [{ version: versions.policy, weight: 100, role: "primary" as const }];
      await serving.host.offer(snapshot(10, { routes, policy: { values: { threshold: 0.9 } } }));
      const model = serving.models.find(MODEL, versions.policy);
      const before = await post(`${serving.address}/invocations`, ROW);
      assert.equal(before.status, 200, before.text);
      assert.equal(before.json.predictions[0].threshold, 0.9);

      await serving.host.offer(snapshot(11, { routes, policy: { values: { threshold: 0.2 } } }));
      const afterChange = await post(`${serving.address}/invocations`, ROW);
      assert.equal(afterChange.json.predictions[0].threshold, 0.2);
      assert.equal(serving.models.find(MODEL, versions.policy), model, "the same loaded model answered");

      // A snapshot offered while another's versions load (a rollback during a rollout) does not wait for them.
      void serving.host.offer(
        snapshot(12, { routes: [{ version: versions.slow, weight: 100, role: "primary" }] }),
      );
      await serving.host.offer(snapshot(13, { routes, policy: { values: { threshold: 0.2 } } }));
      assert.equal(serving.host.current()?.revision, 13);
      assert.equal(serving.models.find(MODEL, versions.slow), undefined, "version slow was still loading");
      assert.equal(
        (await post(`${serving.address}/invocations`, ROW)).headers.get("x-flowgate-version"),
        versions.policy,
      );
    } finally {
      await serving.stop();
    }
  });

  test("a shadow that raises or sleeps never reaches the caller; the window counts and compares it", async () => {
    const serving = await serve();
    try {
      const routes = [{ version: versions.good, weight: 100, role: "primary" as const }];
      await serving.host.offer(snapshot(20, { routes, shadow: { version: versions.raising, percent: 100 } }));
      await waitFor(() => serving.models.find(MODEL, versions.raising) !== undefined);
      serving.host.takeWindow("test");
      for (let i = 0; i < 10; i++) {
        const answer = await post(`${serving.address}/invocations`, ROW);
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.get("x-flowgate-version"), versions.good);
      }
      await waitFor(() => serving.host.shadow.pending === 0);
      const raising = serving.host.takeWindow("test")?.shadow;
      assert.equal(raising?.version, versions.raising);
      // Every mirrored copy finished as an error: requests and errors alike, an error rate of 1.
      assert.equal(raising?.requests, 10);
      assert.equal(raising?.errors, 10);
      assert.equal(raising?.compared, 0);

      await serving.host.offer(snapshot(21, { routes, shadow: { version: versions.slow, percent: 100 } }));
      await waitFor(() => serving.models.find(MODEL, versions.slow) !== undefined);
      serving.host.takeWindow("test");
      for (let i = 0; i < 3; i++) {
        const answer = await post(`${serving.address}/invocations`, ROW);
        assert.equal(answer.status, 200);
        // The caller has its answer while the shadow (300 ms per prediction) is still working on its copy.
        assert.ok(
          serving.host.shadow.pending > 0,
          "the shadow was still running when the caller got its answer",
        );
      }
      await waitFor(() => serving.host.shadow.pending === 0);
      const slow = serving.host.takeWindow("test");
      assert.equal(slow?.shadow?.requests, 3);
      assert.equal(slow?.shadow?.agreed, 3, "the slow shadow predicts as the primary");
      assert.ok((slow?.shadow?.latencyMs.p50 ?? 0) >= 300);
      assert.equal(slow?.versions[0]?.requests, 3);
      assert.equal(slow?.versions[0]?.errors, 0);

      // A failing answer names the version that failed, and the window counts it as that version's error.
      await serving.host.offer(
        snapshot(22, { routes: [{ version: versions.bad_canary, weight: 100, role: "canary" }] }),
      );
      const failing = {
        dataframe_split: { ...ROW.dataframe_split, data: [[5.0, 3.5, 1.4, 0.2]] },
      };
      const failed = await post(`${serving.address}/invocations`, failing);
      assert.equal(failed.status, 500);
      assert.equal(failed.headers.get("x-flowgate-version"), versions.bad_canary);
      const oip = await post(`${serving.address}/v2/models/${MODEL}/infer`, {
        inputs: [{ name: "input", shape: [1, 4], datatype: "FP64", data: [5.1, 3.5, 1.4, 0.2] }],
      });
      assert.equal(oip.status, 200, oip.text);
      assert.equal(oip.headers.get("x-flowgate-version"), versions.bad_canary);
      assert.equal(oip.json.model_version, versions.bad_canary);
      const canary = serving.host.takeWindow("test")?.versions.find((v) => v.version === versions.bad_canary);
      assert.deepEqual([canary?.role, canary?.requests, canary?.errors], ["canary", 2, 1]);
    } finally {
      await serving.stop();
    }
  });

  test("a model that raises is answered 400 as MLflow does and is its version's error; a schema refusal is not", async () => {
    const serving = await serve();
    try {
      await serving.host.offer(
        snapshot(25, {
          routes: [
            { version: versions.good, weight: 0, role: "primary" },
            { version: versions.raising, weight: 100, role: "canary" },
          ],
        }),
      );
      serving.host.takeWindow("test");
      const raised = await post(`${serving.address}/invocations`, ROW);
      assert.equal(raised.status, 400, raised.text);
      assert.equal(raised.json.error_code, "BAD_REQUEST");
      assert.equal(raised.headers.get("x-flowgate-version"), versions.raising);
      // No petal_width: the signature refuses the request before the model sees it.
      const refused = await post(`${serving.address}/invocations`, {
        dataframe_split: {
          columns: ["sepal_length", "sepal_width", "petal_length"],
          data: [[5.1, 3.5, 1.4]],
        },
      });
      assert.equal(refused.status, 400, refused.text);
      assert.match(String(refused.json.message), /petal_width/);
      const canary = serving.host.takeWindow("test")?.versions.find((v) => v.version === versions.raising);
      assert.deepEqual([canary?.role, canary?.requests, canary?.errors], ["canary", 2, 1]);
    } finally {
      await serving.stop();
    }
  });

  test("it follows the deployment's revisions on the server, unloads what is no longer named, and reports", async () => {
    const spec = { name: "iris-live", model: MODEL, primary: versions.good };
    const created = await call(server, "POST", "/api/flowgate/v1/deployments", { spec, reason: "go live" });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const serving = await serve("iris-live", 200);
    try {
      await serving.loaded;
      const first = await post(`${serving.address}/invocations`, ROW);
      assert.equal(first.headers.get("x-flowgate-version"), versions.good);

      const shipped = await call(server, "PUT", "/api/flowgate/v1/deployments/iris-live", {
        spec: { ...spec, primary: versions.good_v2 },
        reason: "ship the retrained model",
      });
      assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
      const answeredBy: (string | null)[] = [];
      while (answeredBy.at(-1) !== versions.good_v2) {
        const answer = await post(`${serving.address}/invocations`, ROW);
        assert.equal(answer.status, 200, "no request fails while the new revision loads");
        answeredBy.push(answer.headers.get("x-flowgate-version"));
        assert.ok(answeredBy.length < 100_000);
      }
      assert.equal(serving.host.current()?.revision, shipped.body.deployment.revision);
      assert.ok(serving.models.find(MODEL, versions.good), "the former primary stays warm");

      await call(server, "PUT", "/api/flowgate/v1/deployments/iris-live", {
        spec: { ...spec, primary: versions.good_v2, warm: 0 },
        reason: "nothing warm",
      });
      await waitFor(() => serving.models.find(MODEL, versions.good) === undefined);
      assert.equal((await post(`${serving.address}/invocations`, ROW)).status, 200);

      await waitFor(() => serving.reporter.buffered === 0);
      const series = await pollUntil(async () => {
        const m = await call(server, "GET", "/api/flowgate/v1/deployments/iris-live/metrics", {
          since: Date.now() - 600_000,
        });
        const points = (m.body.series ?? []) as { version: string; points: { requests: number }[] }[];
        const total = (v: string) =>
          points
            .filter((s) => s.version === v)
            .flatMap((s) => s.points)
            .reduce((n, p) => n + p.requests, 0);
        return total(versions.good_v2) > 0 && total(versions.good) > 0 ? points : undefined;
      });
      assert.ok(series.length >= 2);
    } finally {
      await serving.stop();
    }
  });

  test("restarted while the server is down, it serves the cached snapshot and says so in /health", async () => {
    const first = await serve();
    await first.host.offer(
      snapshot(30, { routes: [{ version: versions.good, weight: 100, role: "primary" }] }),
    );
    await first.stop();
    assert.ok(existsSync(path.join(root, "deployments", "iris.json")));
    await server.close();
    serverClosed = true;

    const serving = await serve();
    try {
      await serving.loaded;
      const answer = await post(`${serving.address}/invocations`, ROW);
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("x-flowgate-version"), versions.good);
      const health = await fetch(`${serving.address}/health`);
      assert.equal(health.status, 200);
      const { status } = (await health.json()) as { status: string };
      assert.match(status, /^serving revision 30, control plane unreachable since \d{4}-\d\d-\d\dT[\d:.]+Z$/);
      const meta = (await (await fetch(`${serving.address}/metadata`)).json()) as {
        deployment: { status: string; control_plane: { reachable: boolean } };
      };
      assert.equal(meta.deployment.status, status);
      assert.equal(meta.deployment.control_plane.reachable, false);
    } finally {
      await serving.stop();
    }
  });
});

async function pollUntil<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail("the condition was met within 60 s");
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(condition(), "condition met within 60 s");
}
