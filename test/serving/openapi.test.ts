// The serving process publishes its contract: GET /openapi.json is an OpenAPI 3.1 document in which every route
// the process registers appears, with its responses' JSON schemas; the OIP infer body is validated with the
// documented schema and violations are answered in the protocol's {error} form; a known path with another
// method is a 405 with Allow, as Flask answers MLflow's scoring server.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { modelDir, post, serveForTest } from "./support/serving-fixtures.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is arbitrary JSON
type Doc = any;

/**
 * Every (method, path) Fastify routes, read from its printed route tree (nested by 4 columns per level), in
 * OpenAPI's {param} form. HEAD mirrors GET and is left out.
 */
function registeredRoutes(tree: string): string[] {
  const out: string[] = [];
  const prefixes: string[] = [];
  for (const line of tree.split("\n")) {
    const m = /^(.*?)[├└]── (\/\S*)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (m === null) continue;
    const depth = (m[1] as string).length / 4;
    prefixes.length = depth;
    const route = `${prefixes.join("")}${m[2] as string}`;
    prefixes.push(m[2] as string);
    for (const method of (m[3] ?? "").split(", ").filter((x) => x !== "" && x !== "HEAD")) {
      out.push(`${method} ${route.replace(/:(\w+)/g, "{$1}")}`);
    }
  }
  return out.sort();
}

describe("the serving process's OpenAPI document", () => {
  let server: Awaited<ReturnType<typeof serveForTest>>;
  let doc: Doc;
  before(async () => {
    server = await serveForTest(await modelDir("classifier"));
    const r = await fetch(`${server.url}/openapi.json`);
    assert.equal(r.status, 200);
    doc = await r.json();
  });
  after(async () => {
    await server?.stop();
  });

  test("is OpenAPI 3.1", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.match(doc.info.title, /serving/);
  });

  test("documents every route the process registers, and nothing it does not", () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${p}`))
      .sort();
    const registered = registeredRoutes(server.app.printRoutes({ commonPrefix: false }));
    assert.deepEqual(documented, registered);
    for (const route of [
      "POST /invocations",
      "GET /ping",
      "GET /health",
      "GET /version",
      "GET /metadata",
      "GET /metrics",
      "GET /openapi.json",
      "GET /v2",
      "GET /v2/health/live",
      "GET /v2/health/ready",
      "GET /v2/models/{name}",
      "GET /v2/models/{name}/ready",
      "POST /v2/models/{name}/infer",
      "POST /v2/models/{name}/versions/{version}/infer",
    ]) {
      assert.ok(documented.includes(route), `${route} is documented`);
    }
  });

  test("every operation has a summary and a schema or description for each response", () => {
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, Doc>>)) {
      for (const [method, op] of Object.entries(ops)) {
        assert.ok(typeof op.summary === "string" && op.summary.length > 0, `${method} ${p} summary`);
        assert.ok(Object.keys(op.responses).length > 0, `${method} ${p} responses`);
        for (const [status, response] of Object.entries(op.responses as Record<string, Doc>)) {
          assert.ok(typeof response.description === "string", `${method} ${p} ${status} description`);
          for (const media of Object.values((response.content ?? {}) as Record<string, Doc>)) {
            assert.ok(media.schema !== undefined, `${method} ${p} ${status} has a schema`);
          }
        }
      }
    }
  });

  test("/invocations documents the JSON, CSV and Parquet bodies and MLflow's error body", () => {
    const op = doc.paths["/invocations"].post;
    assert.deepEqual(Object.keys(op.requestBody.content).sort(), [
      "application/json",
      "application/vnd.apache.parquet",
      "text/csv",
    ]);
    const forms = op.requestBody.content["application/json"].schema.oneOf.map(
      (s: { required: string[] }) => s.required[0],
    );
    assert.deepEqual(forms, ["dataframe_split", "dataframe_records", "instances", "inputs"]);
    assert.deepEqual(op.responses["400"].content["application/json"].schema.required, [
      "error_code",
      "message",
    ]);
    assert.ok(op.responses["415"].content["text/plain"]);
  });

  test("an infer body that violates the documented schema is a 400 in OIP's {error} form, naming the field", async () => {
    const r = await post(`${server.url}/v2/models/classifier/infer`, {
      inputs: [{ name: "input-0", shape: [1, 4], datatype: "FP64" }],
    });
    assert.equal(r.status, 400);
    assert.deepEqual(Object.keys(r.json), ["error"]);
    assert.match(r.json.error, /'inputs\[0\]' must have required property 'data'/);
  });

  test("a known path with another method is a 405 with Allow; an unknown path a 404", async () => {
    const wrong = await fetch(`${server.url}/invocations`, { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
    assert.equal(((await wrong.json()) as { error_code: string }).error_code, "BAD_REQUEST");
    const missing = await fetch(`${server.url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error_code: string }).error_code, "ENDPOINT_NOT_FOUND");
  });
});
