import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import type { TestServer } from "../support/test-server.js";
import { ROUTE_RULES } from "../../src/governance/route-permissions.js";
import { startAuthServer } from "./auth-support.js";

const backend = BACKENDS[0]!;

describe("route permission coverage", () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(backend);
  });
  after(async () => server.close());

  it("every route the app registers has a permission rule", () => {
    const routes = server.app.routePermissions();
    assert.ok(routes.length > 10, "the app registers routes");
    const missing = routes.filter((r) => r.rule === undefined).map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(missing, [], "add a rule to src/governance/route-permissions.ts for each of these");
  });

  it("every non-public route refuses an anonymous caller with 401", async () => {
    const seen = new Set<string>();
    for (const r of server.app.routePermissions()) {
      if (r.rule?.permission === "public" || r.method === "HEAD" || r.method === "OPTIONS") continue;
      const url = r.url.replace(/:\w+/g, "x").replace(/\*/g, "x");
      const key = `${r.method} ${url}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const init: RequestInit = { method: r.method };
      if (r.method !== "GET") {
        init.headers = { "content-type": "application/json" };
        init.body = "{}";
      }
      const res = await fetch(`${server.url}${url}`, init);
      assert.equal(res.status, 401, `${key} answered ${res.status}`);
    }
    assert.ok(seen.size > 5);
  });

  it("a route without a rule would be denied: the table has no catch-all for API paths", () => {
    const apiCatchAll = ROUTE_RULES.filter(
      (r) => r.url.test("/api/2.0/mlflow/some-new-thing") || r.url.test("/api/flowgate/v1/zzz"),
    );
    assert.deepEqual(apiCatchAll, []);
  });
});
