// Who may upload and list prediction-log segments when auth is on: serving's service account uploads (it has
// deployment.report, as for observation windows), a reader may list but not upload, nobody anonymous.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { adminHeaders, startAuthServer, userWithRole } from "../governance/auth-support.js";
import { SegmentWriter } from "../../src/monitoring/segments/segment-writer.js";

function segment(): Uint8Array {
  const w = new SegmentWriter();
  w.append({
    time: Date.now(),
    requestId: "r1",
    row: 0,
    version: "1",
    role: "primary",
    latencyMs: 1,
    inputs: { a: 1 },
    outputs: { prediction: 0 },
  });
  return w.finish();
}

describe("prediction-log segments under auth", () => {
  let server: TestServer;
  let service: Record<string, string>;
  let reader: Record<string, string>;
  before(async () => {
    server = await startAuthServer(BACKENDS[0] as (typeof BACKENDS)[number]);
    await registerVersion(server, "churn", 1);
    const created = await call(
      server,
      "POST",
      "/api/flowgate/v1/deployments",
      { spec: { name: "churn-live", model: "churn", primary: "1" }, reason: "ship" },
      adminHeaders,
    );
    assert.equal(created.status, 200, JSON.stringify(created.body));
    service = await userWithRole(server, "serving-bot", "service");
    reader = await userWithRole(server, "analyst", "reader");
  });
  after(() => server.close());

  const upload = (headers: Record<string, string>) =>
    fetch(`${server.url}/api/flowgate/v1/monitoring/segments?deployment=churn-live&replica=r&seq=0`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/vnd.apache.parquet" },
      body: segment(),
    });

  it("lets serving's service account upload, and refuses a reader and an anonymous caller", async () => {
    assert.equal((await upload(service)).status, 200);
    const denied = await upload(reader);
    assert.equal(denied.status, 403);
    assert.match(((await denied.json()) as { message: string }).message, /deployment\.report/);
    assert.equal((await upload({})).status, 401);
  });

  it("lets a reader of the deployment's model list its segments", async () => {
    const res = await call(
      server,
      "GET",
      "/api/flowgate/v1/monitoring/deployments/churn-live/segments",
      undefined,
      reader,
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body as { segments: unknown[] }).segments.length, 1);
  });
});
