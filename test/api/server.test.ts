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

  /** Runs in experiment 0, as a foreign page's runs/create with no body would make them. */
  async function runCount(): Promise<number> {
    const res = await call(server, "POST", "/api/2.0/mlflow/runs/search", { experiment_ids: ["0"] });
    return ((res.body as { runs?: unknown[] }).runs ?? []).length;
  }

  it("refuses a POST with no body and no Content-Type, which a cross-site form or fetch can send", async () => {
    const before = await runCount();
    for (const init of [
      { method: "POST" },
      { method: "POST", headers: { "content-type": "text/plain" } },
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "" },
    ]) {
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, init);
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error_code: string; message: string };
      assert.equal(body.error_code, "BAD_REQUEST");
      assert.match(body.message, /application\/json/);
    }
    assert.equal(await runCount(), before, "no run was created");
  });

  it("holds a percent-encoded path to the same rule as the route it reaches", async () => {
    const before = await runCount();
    for (const url of [
      "/%61pi/2.0/mlflow/runs/create",
      "/api/2.0/mlflow/runs/%63reate",
      "/%61jax-api/2.0/mlflow/runs/create",
    ]) {
      const res = await fetch(`${server.url}${url}`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: '{"experiment_id":"0"}',
      });
      assert.equal(res.status, 400, url);
      assert.equal(((await res.json()) as { error_code: string }).error_code, "BAD_REQUEST", url);
    }
    assert.equal(await runCount(), before, "no run was created");
  });

  it("refuses a write a browser says comes from another site, even as JSON", async () => {
    const before = await runCount();
    const foreign: Array<Record<string, string>> = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: `http://localhost:1` },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of foreign) {
      const res = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: '{"experiment_id":"0"}',
      });
      assert.equal(res.status, 400, JSON.stringify(headers));
      assert.match(((await res.json()) as { message: string }).message, /Cross-origin request blocked/);
    }
    assert.equal(await runCount(), before, "no run was created");
  });

  it("accepts the server's own pages and non-browser clients: same-origin JSON, and DELETE or PUT without a body", async () => {
    const own = await fetch(`${server.url}/api/2.0/mlflow/runs/create`, {
      method: "POST",
      headers: { origin: server.url, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: '{"experiment_id":"0"}',
    });
    assert.equal(own.status, 200);
    const empty = await fetch(`${server.url}/api/2.0/mlflow/experiments/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    assert.equal(empty.status, 200, "an empty JSON body means no fields");
    // The mlflow client deletes artifacts with a bare DELETE: a browser sends none without a preflight.
    const del = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/0/none/artifacts/x.txt`, {
      method: "DELETE",
    });
    assert.equal(del.status, 200);
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
