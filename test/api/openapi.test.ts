// The OpenAPI document is the API's one contract: every API route the server registers (the list the auth
// guard records) is in GET /api/openapi.json with a request and a response schema, and requests are
// validated by those same schemas (MLflow's error JSON, naming the field).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BACKENDS } from "../support/backends.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

type Operation = {
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
};

/** Fastify's `:name` and `*` path parameters as OpenAPI writes them. */
function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, "{$1}").replace(/\*/g, "{*}");
}

/** The web UI's pages and assets are HTML and files for the browser, not API. */
function isApi(url: string): boolean {
  return (
    /^\/(api|ajax-api)\//.test(url) ||
    /^\/(health|version|metrics|graphql|get-artifact|model-versions\/get-artifact)$/.test(url)
  );
}

/** Routes whose success is an empty body (as MLflow answers them): declared without content. */
const BODILESS = new Set(["POST /ajax-api/2.0/mlflow/upload-artifact"]);

describe("the OpenAPI document", () => {
  let server: TestServer;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };

  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
    const res = await fetch(`${server.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    doc = (await res.json()) as typeof doc;
  });
  after(() => server.close());

  it("is OpenAPI 3.1", () => {
    assert.equal(doc.openapi, "3.1.0");
  });

  it("lists every API route the server registers, with request and response schemas", () => {
    const routes = server.app.routePermissions().filter((r) => r.method !== "HEAD" && isApi(r.url));
    assert.ok(routes.length > 100, `only ${routes.length} API routes registered`);
    const problems: string[] = [];
    for (const route of routes) {
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (op === undefined) {
        problems.push(`${route.method} ${route.url}: not in the document`);
        continue;
      }
      const declared = Object.entries(op.responses ?? {}).filter(([status]) => status !== "default");
      const ok = BODILESS.has(`${route.method} ${route.url}`)
        ? declared.length > 0
        : declared.some(([, r]) => Object.values(r.content ?? {}).some((c) => c.schema));
      if (!ok) problems.push(`${route.method} ${route.url}: no response schema`);
      // A request schema: query parameters or a body for routes that take arguments, path parameters when
      // the URL has them. A route without any of these takes no input (its schema says so: an empty object).
      if (route.url.includes(":") || route.url.includes("*")) {
        if (!(op.parameters ?? []).some((p) => (p as { in: string }).in === "path")) {
          problems.push(`${route.method} ${route.url}: path parameters undeclared`);
        }
      }
      if (!["GET", "DELETE"].includes(route.method) && op.requestBody === undefined) {
        problems.push(`${route.method} ${route.url}: no request body schema`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("every error response is MLflow's error JSON", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.responses?.default?.content?.["application/json"]?.schema as
          { required?: string[] } | undefined;
        assert.deepEqual(schema?.required, ["error_code", "message"], `${method} ${path}`);
      }
    }
  });

  it("refuses a request that breaks its schema with a 400 naming the field", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: ["a", "b"] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error_code: string; message: string };
    assert.equal(body.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(body.message, /parameter 'name'.*must be a string/);
  });

  it("refuses a repeated query key for a scalar field", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/get?experiment_id=0&experiment_id=1`);
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { message: string }).message, /'experiment_id'/);
  });

  it("takes a single value of a repeated query field as a list of one", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=5&order_by=name`);
    assert.equal(res.status, 200);
  });

  it("names a missing required field as MLflow does", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/registered-models/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error_code: string; message: string };
    assert.equal(body.error_code, "INVALID_PARAMETER_VALUE");
    assert.match(body.message, /^Missing value for required parameter 'name'\./);
  });

  it("refuses a JSON null body but reads an empty body as no fields", async () => {
    const nullBody = await fetch(`${server.url}/api/flowgate/v1/transition-requests`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "null",
    });
    assert.equal(nullBody.status, 400);
    const empty = await fetch(`${server.url}/api/2.0/mlflow/experiments/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
    });
    assert.equal(empty.status, 200);
  });

  it("quotes at most a short prefix of a wrong value", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x", artifact_location: ["y".repeat(100_000)] }),
    });
    assert.equal(res.status, 400);
    assert.ok((await res.text()).length < 400);
  });
});

describe("the OpenAPI document with auth on", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!, {
      auth: true,
      env: { FLOWGATE_ADMIN_USERNAME: "doc-admin", FLOWGATE_ADMIN_PASSWORD: "Kettle-Sunrise-4417-blue" },
    });
  });
  after(() => server.close());

  it("is served without login (it describes the API, not its data)", async () => {
    const res = await fetch(`${server.url}/api/openapi.json`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { openapi: string }).openapi, "3.1.0");
  });

  it("is itself a route with a permission rule", () => {
    const route = server.app.routePermissions().find((r) => r.url === "/api/openapi.json");
    assert.equal(route?.rule?.permission, "public");
  });
});

describe("the API reference page", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
  });
  after(() => server.close());

  it("renders every operation of the document as HTML, escaping what it quotes", async () => {
    const res = await fetch(`${server.url}/api/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<code>\/api\/2\.0\/mlflow\/runs\/search<\/code>/);
    assert.match(html, /<code>\/api\/flowgate\/v1\/transition-requests<\/code>/);
    assert.doesNotMatch(html, /<script/i);
    // A description with a quote (`name LIKE 'prod%'`) comes out escaped.
    assert.match(html, /name LIKE &#39;prod%&#39;/);
  });
});
