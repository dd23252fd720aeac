import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { adminHeaders, startAuthServer, STRONG_PASSWORD } from "./auth-support.js";

for (const backend of BACKENDS) {
  describe(`audit log on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startAuthServer(backend);
    });
    after(async () => server.close());

    it("each mutating call leaves exactly one audit record, with actor and request id", async () => {
      const count = async (): Promise<number> =>
        Number(
          (await call(server, "GET", "/api/flowgate/v1/audit", { max_results: 1000 }, adminHeaders)).body
            .events.length,
        );
      const start = await count();
      const steps: Array<[string, "POST" | "PATCH" | "DELETE", string, Record<string, unknown>]> = [
        ["user.create", "POST", "/api/flowgate/v1/users", { username: "aud-1", password: STRONG_PASSWORD }],
        ["user.grant", "POST", "/api/flowgate/v1/users/aud-1/grants", { role: "reader" }],
        [
          "user.set_password",
          "PATCH",
          "/api/flowgate/v1/users/aud-1",
          { password: "Another-Strong-77-pass" },
        ],
        ["user.revoke_grant", "DELETE", "/api/flowgate/v1/users/aud-1/grants", { role: "reader" }],
        ["token.create", "POST", "/api/flowgate/v1/tokens", { name: "t1" }],
      ];
      let expected = start;
      for (const [action, method, route, args] of steps) {
        const res = await fetch(`${server.url}${route}`, {
          method,
          headers: { ...adminHeaders, "content-type": "application/json", "x-request-id": `req-${action}` },
          body: JSON.stringify(args),
        });
        assert.equal(res.status, 200, action);
        expected += 1;
        assert.equal(await count(), expected, `${action} wrote exactly one record`);
        const latest = (await call(server, "GET", "/api/flowgate/v1/audit", { max_results: 1 }, adminHeaders))
          .body.events[0];
        assert.equal(latest.action, action);
        assert.equal(latest.actor, "root-admin");
        assert.equal(latest.request_id, `req-${action}`);
      }
    });

    it("a refused call leaves no audit record", async () => {
      const before = (
        await call(server, "GET", "/api/flowgate/v1/audit", { max_results: 1000 }, adminHeaders)
      ).body.events.length;
      const res = await call(
        server,
        "POST",
        "/api/flowgate/v1/users",
        { username: "aud-1", password: STRONG_PASSWORD },
        adminHeaders,
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "RESOURCE_ALREADY_EXISTS");
      const afterCount = (
        await call(server, "GET", "/api/flowgate/v1/audit", { max_results: 1000 }, adminHeaders)
      ).body.events.length;
      assert.equal(afterCount, before);
    });

    it("filters by actor, action prefix and target, and pages newest first", async () => {
      const byTarget = await call(
        server,
        "GET",
        "/api/flowgate/v1/audit",
        { target_type: "user", target_id: "aud-1" },
        adminHeaders,
      );
      assert.deepEqual(
        byTarget.body.events.map((e: { action: string }) => e.action),
        ["user.revoke_grant", "user.set_password", "user.grant", "user.create"],
      );
      const prefix = await call(server, "GET", "/api/flowgate/v1/audit", { action: "token." }, adminHeaders);
      assert.ok(prefix.body.events.every((e: { action: string }) => e.action.startsWith("token.")));
      const page1 = await call(server, "GET", "/api/flowgate/v1/audit", { max_results: 2 }, adminHeaders);
      assert.equal(page1.body.events.length, 2);
      const page2 = await call(
        server,
        "GET",
        "/api/flowgate/v1/audit",
        { max_results: 2, page_token: page1.body.next_page_token },
        adminHeaders,
      );
      assert.ok(page2.body.events[0].id < page1.body.events[1].id);
    });

    it("exports the log as JSON lines, oldest first", async () => {
      const res = await fetch(`${server.url}/api/flowgate/v1/audit/export?target_id=aud-1`, {
        headers: adminHeaders,
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /ndjson/);
      const lines = (await res.text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { action: string; after: { username: string } });
      assert.deepEqual(
        lines.map((l) => l.action),
        ["user.create", "user.grant", "user.set_password", "user.revoke_grant"],
      );
      assert.equal(lines[0]!.after.username, "aud-1");
    });

    it("only holders of audit.read may read it", async () => {
      await call(
        server,
        "POST",
        "/api/flowgate/v1/users",
        { username: "aud-reader", password: STRONG_PASSWORD, role: "reader" },
        adminHeaders,
      );
      const res = await call(
        server,
        "GET",
        "/api/flowgate/v1/audit",
        {},
        {
          authorization: `Basic ${Buffer.from(`aud-reader:${STRONG_PASSWORD}`).toString("base64")}`,
        },
      );
      assert.equal(res.status, 403);
    });
  });
}
