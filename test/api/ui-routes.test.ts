import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { buildServer } from "../../src/api/server.js";
import { UI_PAGES, uiRoutes } from "../../src/api/ui.routes.js";
import { createLogger } from "../../src/core/logger.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

async function serverFor(uiDir: string): Promise<FastifyInstance> {
  return buildServer({
    logger: createLogger({ level: "silent" }),
    maxJsonBodyBytes: 1024 * 1024,
    allowedHosts: ["127.0.0.1", "localhost"],
    routes: [
      (app) => {
        app.get("/ajax-api/2.0/mlflow/experiments/search", async () => ({ experiments: [] }));
      },
      uiRoutes({ uiDir }),
    ],
  });
}

describe("the web UI served by flowgate server", () => {
  let app: FastifyInstance;
  before(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowgate-ui-"));
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>Flowgate</title><div id=root></div>");
    writeFileSync(path.join(dir, "assets", "index-abc123.js"), "console.log(1)");
    app = await serverFor(dir);
  });
  after(() => app.close());

  it("serves the app at / with a content security policy", async () => {
    const res = await app.inject({ url: "/", headers: { host: "127.0.0.1" } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["content-type"] as string, /text\/html/);
    assert.match(res.body, /<title>Flowgate<\/title>/);
    assert.match(res.headers["content-security-policy"] as string, /default-src 'self'/);
  });

  it("serves the app for a deep link so a reload of /models/fraud/versions/3 works", async () => {
    const res = await app.inject({
      url: "/models/fraud/versions/3?tab=gates",
      headers: { host: "127.0.0.1" },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<div id=root>/);
  });

  it("serves hashed assets with a long cache lifetime", async () => {
    const res = await app.inject({ url: "/assets/index-abc123.js", headers: { host: "127.0.0.1" } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers["cache-control"] as string, /immutable/);
  });

  it("never answers an API path with the app: unknown API endpoints stay JSON errors", async () => {
    for (const url of [
      "/ajax-api/2.0/mlflow/nothing",
      "/api/2.0/mlflow/nothing",
      "/api/flowgate/v1/nothing",
      "/health/x",
      "/version/x",
    ]) {
      const res = await app.inject({ url, headers: { host: "127.0.0.1" } });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error_code, "ENDPOINT_NOT_FOUND", url);
    }
    const api = await app.inject({
      url: "/ajax-api/2.0/mlflow/experiments/search",
      headers: { host: "127.0.0.1" },
    });
    assert.deepEqual(api.json(), { experiments: [] });
  });

  it("answers only the UI's own pages with the app: any other path, API-shaped or not, is a JSON 404", async () => {
    for (const url of [
      "/get-artifact?path=x&run_uuid=y",
      "/model-versions/get-artifact?path=x&name=m&version=1",
      "/graphql",
      "/static-files/index.html",
      "/v1/traces",
      "/mlflow/api/2.0/mlflow/experiments/search",
      "/%61pi/2.0/mlflow/nothing",
      "/favicon.ico",
      "/experimentsx",
    ]) {
      const res = await app.inject({ url, headers: { host: "127.0.0.1" } });
      assert.equal(res.statusCode, 404, url);
      assert.match(res.headers["content-type"] as string, /application\/json/, url);
      assert.equal(res.json().error_code, "ENDPOINT_NOT_FOUND", url);
    }
  });

  it("serves the app for every page the UI routes (kept in step with ui/src/app.tsx), dots in names included", async () => {
    const source = readFileSync(path.join(REPO, "ui/src/app.tsx"), "utf8");
    const pages = new Set(
      [...source.matchAll(/(?:path === |matchPath\()"\/([\w-]+)/g)].map((m) => m[1] as string),
    );
    assert.ok(pages.size >= 5, `found the UI's routes: ${[...pages].join(", ")}`);
    for (const page of pages) {
      assert.ok((UI_PAGES as readonly string[]).includes(page), `UI_PAGES lists /${page}`);
      const res = await app.inject({ url: `/${page}/x`, headers: { host: "127.0.0.1" } });
      assert.equal(res.statusCode, 200, page);
    }
    const dotted = await app.inject({ url: "/models/fraud.v2", headers: { host: "127.0.0.1" } });
    assert.equal(dotted.statusCode, 200);
  });

  it("answers a missing asset with 404, not with HTML a browser would run as a script", async () => {
    const res = await app.inject({ url: "/assets/index-old.js", headers: { host: "127.0.0.1" } });
    assert.equal(res.statusCode, 404);
  });

  it("says how to build the UI when it has not been built", async () => {
    const bare = await serverFor(mkdtempSync(path.join(tmpdir(), "flowgate-ui-empty-")));
    try {
      const res = await bare.inject({ url: "/experiments", headers: { host: "127.0.0.1" } });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /npm run build/);
    } finally {
      await bare.close();
    }
  });
});
