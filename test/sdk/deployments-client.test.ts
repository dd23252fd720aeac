import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FlowgateError } from "../../src/core/errors.js";
import { createDeploymentsClient, type DeploymentsClient } from "../../src/sdk/deployments-client.js";
import { BACKENDS } from "../support/backends.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { modelWithVersions } from "../registry/registry-fixtures.js";

// The SDK is a client of the HTTP API; one back end is enough to show it.
const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;
const MODEL = "fraud-detector";

describe("the deployments SDK", () => {
  let server: TestServer;
  let client: DeploymentsClient;
  before(async () => {
    server = await startTestServer(sqlite);
    await modelWithVersions(server, MODEL, 2);
    client = createDeploymentsClient({ trackingUri: server.url });
    await client.create({ name: "fraud", model: MODEL, primary: "1" }, "first deployment");
  });
  after(async () => server.close());

  it("watch yields the current routing, then the next revision's as soon as it is written", async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    for await (const { snapshot } of client.watch("fraud", { waitSeconds: 10, signal: stop.signal })) {
      seen.push(snapshot.revision);
      if (seen.length === 1) await client.modify("fraud", (s) => ({ ...s, primary: "2" }), "ship v2");
      else stop.abort();
    }
    assert.deepEqual(seen, [1, 2]);
  });

  it("a routing poll with the current ETag answers nothing new when nothing changed within the wait", async () => {
    const { etag, snapshot } = await client.routing("fraud");
    assert.deepEqual(
      snapshot.routes.map((r) => [r.version, r.weight]),
      [["2", 100]],
    );
    assert.equal(await client.routingChange("fraud", etag, { waitSeconds: 1 }), undefined);
  });

  it("an update over a revision that is no longer current is refused with INVALID_STATE", async () => {
    const view = await client.get("fraud");
    await assert.rejects(
      client.update("fraud", { ...view.spec, warm: 1 }, "from an old read", view.revision - 1),
      (err: unknown) => err instanceof FlowgateError && err.code === "INVALID_STATE",
    );
  });

  it("status, revision and metrics read what the server keeps", async () => {
    const status = await client.status("fraud");
    assert.equal(status.deployment, "fraud");
    assert.equal(status.revision, 2);
    const first = await client.revision("fraud", 1);
    assert.deepEqual([first.revision, first.reason, first.spec.primary], [1, "first deployment", "1"]);
    const metrics = await client.metrics("fraud", { since: Date.now() - 60_000, step: 10 });
    assert.ok(Array.isArray(metrics.series) && Array.isArray(metrics.shadow));
    assert.deepEqual(
      (await client.listAll({ model: MODEL })).map((d) => d.name),
      ["fraud"],
    );
  });
});
