// The external (http) gate: Flowgate POSTs the version's facts to the team's own check and promotes only on a 2xx
// answer saying passed=true. The call is made before the promotion's transaction, so a slow check never holds
// the store's write lock: other writes go on while it runs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion, runWithMetrics } from "./registry-fixture.js";

const MLFLOW = "/api/2.0/mlflow";

/** The team's check: answers with `verdict`, after `hold` resolves. */
class ExternalCheck {
  readonly bodies: Record<string, unknown>[] = [];
  verdict: { passed: boolean; message: string } = { passed: true, message: "fairness ok" };
  hold: Promise<void> = Promise.resolve();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
      void this.hold.then(() => {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.verdict));
      });
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/check`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

for (const backend of BACKENDS) {
  describe(`external gate on ${backend.name}`, () => {
    let server: TestServer;
    const check = new ExternalCheck();
    let version = 0;

    async function newVersion(): Promise<string> {
      const runId = await runWithMetrics(server, { val_f1: 0.9 });
      await registerVersion(server, "credit", ++version, { runId });
      return String(version);
    }

    function promote(v: string) {
      return call(server, "POST", `${MLFLOW}/model-versions/transition-stage`, {
        name: "credit",
        version: v,
        stage: "Production",
        archive_existing_versions: false,
      });
    }

    before(async () => {
      const url = await check.start();
      // The check runs on this machine, so the admin allows plain http to private addresses (off by default).
      server = await startTestServer(backend, {
        env: { FLOWGATE_WEBHOOK_ALLOW_HTTP: "true", FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true" },
      });
      const document = `
protected: {stages: [Production]}
require_reason: false
gates:
  - {name: fairness, type: http, url: "${url}", timeout_ms: 20000}
`;
      const res = await call(server, "PUT", "/api/flowgate/v1/models/credit/policy", { document });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    });
    after(async () => {
      await server.close();
      await check.stop();
    });

    it("sends the version's facts and promotes on passed=true", async () => {
      const v = await newVersion();
      const res = await promote(v);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const body = check.bodies.at(-1)!;
      assert.equal(body.model, "credit");
      assert.equal(body.version, v);
      assert.deepEqual(body.target, { kind: "stage", name: "Production" });
      assert.deepEqual(body.metrics, { val_f1: 0.9 });
    });

    it("refuses the promotion when the check says passed=false, quoting its message", async () => {
      check.verdict = { passed: false, message: "disparate impact 0.71 < 0.8" };
      try {
        const res = await promote(await newVersion());
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_STATE");
        assert.match(
          res.body.message,
          /gate 'fairness': external check http:\/\/127\.0\.0\.1:\d+\/check did not pass/,
        );
        assert.match(res.body.message, /disparate impact 0\.71 < 0\.8/);
      } finally {
        check.verdict = { passed: true, message: "fairness ok" };
      }
    });

    it("a slow check does not hold the write lock: other writes complete while it runs", async () => {
      const v = await newVersion();
      let release = (): void => undefined;
      check.hold = new Promise((resolve) => (release = resolve));
      const asked = check.bodies.length;
      const promotion = promote(v);
      try {
        while (check.bodies.length === asked) await new Promise((r) => setTimeout(r, 10));
        const other = await call(server, "POST", `${MLFLOW}/experiments/create`, { name: "meanwhile" });
        assert.equal(other.status, 200, "a write made while the external check is pending");
        const stage = await call(server, "GET", `${MLFLOW}/model-versions/get`, {
          name: "credit",
          version: v,
        });
        assert.equal(
          stage.body.model_version.current_stage,
          "None",
          "not promoted before the check answered",
        );
      } finally {
        release();
        check.hold = Promise.resolve();
      }
      assert.equal((await promotion).status, 200);
    });
  });
}
