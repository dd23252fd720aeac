import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { buildServer } from "../../src/api/server.js";

function capturingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  const logger = pino({ level: "info" }, sink);
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe("the server's request log", () => {
  it("writes one line per request with its method, url, status and duration", async () => {
    const { logger, lines } = capturingLogger();
    const app = await buildServer({
      logger,
      maxJsonBodyBytes: 1024,
      allowedHosts: ["127.0.0.1"],
      routes: [],
    });
    await app.inject({ url: "/health?probe=1", headers: { host: "127.0.0.1", "x-request-id": "r-1" } });
    await app.inject({ url: "/api/2.0/mlflow/nothing", headers: { host: "127.0.0.1" } });
    await app.close();

    const requests = lines();
    assert.equal(requests.length, 2);
    const [health, missing] = requests;
    assert.equal(health!.msg, "request");
    assert.equal(health!.method, "GET");
    assert.equal(health!.url, "/health?probe=1");
    assert.equal(health!.status, 200);
    assert.equal(health!.reqId, "r-1");
    assert.equal(typeof health!.ms, "number");
    assert.equal(missing!.status, 404);
  });
});
