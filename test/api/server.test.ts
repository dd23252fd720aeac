import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

describe("the HTTP server", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
  });
  after(() => server.close());

  it("answers /health with OK", async () => {
    const res = await fetch(`${server.url}/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "OK");
  });

  it("answers an unknown endpoint with ENDPOINT_NOT_FOUND as JSON", async () => {
    const { status, body } = await call(server, "GET", "/api/2.0/mlflow/nothing-here");
    assert.equal(status, 404);
    assert.equal(body.error_code, "ENDPOINT_NOT_FOUND");
  });

  it("refuses an API POST that is not JSON, as a cross-site form would send it", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/update`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: '{"experiment_id":"0","new_name":"x"}',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error_code: string; message: string };
    assert.equal(body.error_code, "BAD_REQUEST");
    assert.match(body.message, /application\/json/);
  });

  it("refuses a Host header it does not serve (DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/health`);
      const req = request(
        { host: url.hostname, port: url.port, path: "/health", headers: { host: "evil.example:5000" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  it("echoes a caller's X-Request-Id and sets nosniff", async () => {
    const res = await fetch(`${server.url}/health`, { headers: { "x-request-id": "abc-123" } });
    assert.equal(res.headers.get("x-request-id"), "abc-123");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  });
});
