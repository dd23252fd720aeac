// Prediction-log segments on the server, on SQLite and PostgreSQL: a replica's upload is checked (Parquet,
// readable footer, a known deployment) and stored in the artifact store before it is indexed; segments are
// listed by time; retention deletes the files and then the rows of segments past the deployment's days;
// the routing snapshot names the columns the model's pii tag hashes.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { SegmentWriter } from "../../src/monitoring/segments/segment-writer.js";
import { readSegment } from "../../src/monitoring/segments/segment-reader.js";
import type { PredictionSegment } from "../../src/monitoring/monitoring.js";

const SEGMENTS = "/api/flowgate/v1/monitoring/segments";
const DAY = 86_400_000;

function segment(times: number[], version = "1"): Uint8Array {
  const w = new SegmentWriter();
  w.append(
    times.map((time, i) => ({
      time,
      requestId: `req-${time}-${i}`,
      row: 0,
      version,
      role: "primary" as const,
      latencyMs: 3,
      inputs: { amount: i * 1.5 },
      outputs: { prediction: i % 2 },
    })),
  );
  return w.finish();
}

async function upload(
  server: TestServer,
  body: Uint8Array | string,
  query: Record<string, string> = { deployment: "fraud-live", replica: "host-a:8080/12", seq: "0" },
  contentType = "application/vnd.apache.parquet",
): Promise<{ status: number; body: { segment?: PredictionSegment; error_code?: string; message?: string } }> {
  const res = await fetch(`${server.url}${SEGMENTS}?${new URLSearchParams(query).toString()}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return { status: res.status, body: (await res.json()) as never };
}

for (const backend of BACKENDS) {
  describe(`prediction-log segments (${backend.name})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend, { controller: false });
      await registerVersion(server, "fraud", 1);
      await registerVersion(server, "fraud", 2);
      for (const [name, monitoring] of [
        ["fraud-live", { retentionDays: 7 }],
        ["fraud-other", undefined],
      ] as const) {
        const res = await call(server, "POST", "/api/flowgate/v1/deployments", {
          spec: { name, model: "fraud", primary: "1", ...(monitoring ? { monitoring } : {}) },
          reason: "ship",
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    });
    after(() => server.close());

    it("stores an uploaded segment in the artifact store, then indexes it from its footer", async () => {
      const t0 = Date.UTC(2026, 0, 15, 10, 0, 0);
      const bytes = segment([t0, t0 + 500, t0 + 1000]);
      const res = await upload(server, bytes);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const s = res.body.segment!;
      assert.equal(s.path, `monitoring/fraud-live/2026-01-15/${t0}-host-a_8080_12-0.parquet`);
      assert.deepEqual(
        [s.deployment, s.replica, s.rows, s.firstTime, s.lastTime, s.bytes, s.versions],
        ["fraud-live", "host-a:8080/12", 3, t0, t0 + 1000, bytes.length, ["1"]],
      );
      assert.ok(existsSync(path.join(server.artifactRoot, s.path)));
      // The monitor reads it back through the artifact store.
      const read = await server.app.segments.openSegment(s);
      let rows = 0;
      for await (const chunk of readSegment(read)) rows += chunk.rows;
      assert.equal(rows, 3);
      // A retried upload (its answer was lost) is the same segment, not a second one.
      const again = await upload(server, bytes);
      assert.equal(again.body.segment?.id, s.id);
      assert.equal((await server.app.segments.list("fraud-live", t0, t0 + 1)).length, 1);
    });

    it("refuses what is not a segment with INVALID_PARAMETER_VALUE, and unknown deployments with 404", async () => {
      const garbage = await upload(server, "definitely not parquet");
      assert.equal(garbage.status, 400);
      assert.equal(garbage.body.error_code, "INVALID_PARAMETER_VALUE");
      assert.match(garbage.body.message ?? "", /not a Parquet file/);
      // Magic bytes at both ends, but no footer behind them.
      const fake = await upload(server, `PAR1${"x".repeat(40)}PAR1`);
      assert.equal(fake.status, 400, JSON.stringify(fake.body));
      assert.equal(fake.body.error_code, "INVALID_PARAMETER_VALUE");
      const json = await upload(server, "{}", undefined, "application/json");
      assert.equal(json.status, 400);
      const noReplica = await upload(server, segment([Date.now()]), { deployment: "fraud-live" });
      assert.equal(noReplica.status, 400);
      const unknown = await upload(server, segment([Date.now()]), { deployment: "nope", replica: "r" });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      const octet = await upload(
        server,
        segment([Date.now()]),
        { deployment: "fraud-other", replica: "r", seq: "1" },
        "application/octet-stream",
      );
      assert.equal(octet.status, 200, "application/octet-stream is accepted too");
    });

    it("lists a deployment's segments with rows in [from, to), oldest first", async () => {
      const base = Date.UTC(2026, 1, 1);
      for (const [i, start] of [base, base + 60_000, base + 120_000].entries()) {
        const res = await upload(server, segment([start, start + 10_000], "2"), {
          deployment: "fraud-live",
          replica: "host-b",
          seq: String(i),
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      const res = await call(
        server,
        "GET",
        `/api/flowgate/v1/monitoring/deployments/fraud-live/segments?from=${base + 5_000}&to=${base + 120_000}`,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const listed = (res.body as { segments: PredictionSegment[] }).segments;
      assert.deepEqual(
        listed.map((s) => s.firstTime),
        [base, base + 60_000],
      );
      const missing = await call(server, "GET", `/api/flowgate/v1/monitoring/deployments/nope/segments`);
      assert.equal(missing.status, 404);
    });

    it("expires segments past the deployment's retention: files first, then their rows", async () => {
      const now = Date.UTC(2026, 5, 1);
      const old = await upload(server, segment([now - 8 * DAY]), {
        deployment: "fraud-live",
        replica: "r",
        seq: "10",
      });
      const recent = await upload(server, segment([now - 6 * DAY]), {
        deployment: "fraud-live",
        replica: "r",
        seq: "11",
      });
      // fraud-other keeps the default 30 days.
      const other = await upload(server, segment([now - 8 * DAY]), {
        deployment: "fraud-other",
        replica: "r",
        seq: "12",
      });
      const removed = await server.app.segments.expire(now);
      assert.ok(removed >= 1);
      const left = (await server.app.segments.list("fraud-live")).map((s) => s.id);
      assert.ok(!left.includes(old.body.segment!.id));
      assert.ok(left.includes(recent.body.segment!.id));
      assert.ok(!existsSync(path.join(server.artifactRoot, old.body.segment!.path)));
      assert.ok(existsSync(path.join(server.artifactRoot, recent.body.segment!.path)));
      const others = (await server.app.segments.list("fraud-other")).map((s) => s.id);
      assert.ok(others.includes(other.body.segment!.id));
    });

    it("names in the routing snapshot the input columns the model's pii tag hashes", async () => {
      const routing = async () =>
        (await call(server, "GET", "/api/flowgate/v1/deployments/fraud-live/routing")).body as {
          etag: string;
          predictionLog?: { hashed: unknown };
        };
      const before = await routing();
      assert.deepEqual(before.predictionLog, { sampleRate: 1, hashed: [] });
      const tag = await call(server, "POST", "/api/2.0/mlflow/registered-models/set-tag", {
        name: "fraud",
        key: "pii",
        value: "email, phone",
      });
      assert.equal(tag.status, 200, JSON.stringify(tag.body));
      const after = await routing();
      assert.deepEqual(after.predictionLog?.hashed, ["email", "phone"]);
      assert.notEqual(after.etag, before.etag);
      await call(server, "POST", "/api/2.0/mlflow/registered-models/set-tag", {
        name: "fraud",
        key: "pii",
        value: "true",
      });
      assert.equal((await routing()).predictionLog?.hashed, "all");
    });
  });
}
