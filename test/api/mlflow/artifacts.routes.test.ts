import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { BACKENDS } from "../../support/backends.js";
import { seedRun, type SeededRun } from "../../support/seed-run.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

describe("the artifact proxy", () => {
  let server: TestServer;
  let run: SeededRun;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
    run = await seedRun(server);
  });
  after(() => server.close());

  const put = (prefix: string, p: string, body: string | Buffer, type = "application/octet-stream") =>
    fetch(`${server.url}/${prefix}/2.0/mlflow-artifacts/artifacts/${p}`, {
      method: "PUT",
      body,
      headers: { "content-type": type },
    });
  const runPath = () => `${run.experimentId}/${run.runId}/artifacts`;

  it("stores an upload of any content type and returns {}", async () => {
    for (const [name, type] of [
      ["m.json", "application/json"],
      ["a.txt", "text/plain"],
      ["b.bin", "application/octet-stream"],
      ["c.yaml", "application/x-yaml"],
    ] as const) {
      const res = await put("api", `${runPath()}/${name}`, '{"k":1}', type);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
    }
  });

  it("downloads the exact bytes as an attachment with a type from the extension", async () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
    await put("ajax-api", `${runPath()}/nested/deeper/data.bin`, bytes);
    const res = await fetch(
      `${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath()}/nested/deeper/data.bin`,
    );
    assert.equal(res.status, 200);
    const got = Buffer.from(await res.arrayBuffer());
    assert.equal(
      createHash("sha256").update(got).digest("hex"),
      createHash("sha256").update(bytes).digest("hex"),
    );
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename="data.bin"/);
    const json = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath()}/m.json`);
    assert.equal(json.headers.get("content-type"), "application/json");
  });

  it("lists a directory with basenames relative to it, sizes for files only", async () => {
    const { status, body } = await call(server, "GET", "/api/2.0/mlflow-artifacts/artifacts", {
      path: runPath(),
    });
    assert.equal(status, 200);
    const byPath = Object.fromEntries(body.files.map((f: { path: string }) => [f.path, f]));
    assert.deepEqual(byPath["nested"], { path: "nested", is_dir: true });
    assert.deepEqual(byPath["a.txt"], { path: "a.txt", is_dir: false, file_size: 7 });
    const nested = await call(server, "GET", "/ajax-api/2.0/mlflow-artifacts/artifacts", {
      path: `${runPath()}/nested`,
    });
    assert.deepEqual(nested.body, { files: [{ path: "deeper", is_dir: true }] });
  });

  it("answers {} for a missing directory and for a file", async () => {
    const missing = await call(server, "GET", "/api/2.0/mlflow-artifacts/artifacts", {
      path: "nope/nothing",
    });
    assert.deepEqual(missing, { status: 200, body: {} });
    const file = await call(server, "GET", "/api/2.0/mlflow-artifacts/artifacts", {
      path: `${runPath()}/a.txt`,
    });
    assert.deepEqual(file, { status: 200, body: {} });
  });

  it("answers a download of a missing file with RESOURCE_DOES_NOT_EXIST", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath()}/missing.txt`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error_code: string }).error_code, "RESOURCE_DOES_NOT_EXIST");
  });

  it("deletes a directory tree, and records who did it", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${runPath()}/nested`, {
      method: "DELETE",
    });
    assert.equal(res.status, 200);
    assert.ok(!existsSync(path.join(server.artifactRoot, runPath(), "nested")));
    assert.ok(existsSync(path.join(server.artifactRoot, runPath(), "a.txt")));
    const audit = await server.app.database.db
      .selectFrom("audit_events")
      .selectAll()
      .where("action", "=", "artifact.delete")
      .execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.target_id, `${runPath()}/nested`);
  });

  it("lists a run's artifacts with paths relative to the run root", async () => {
    await put("api", `${runPath()}/model/MLmodel`, "flavors: {}\n");
    const root = await call(server, "GET", "/api/2.0/mlflow/artifacts/list", { run_id: run.runId });
    assert.equal(root.status, 200);
    assert.equal(root.body.root_uri, run.artifactUri);
    assert.ok(root.body.files.some((f: { path: string; is_dir: boolean }) => f.path === "model" && f.is_dir));
    const model = await call(server, "GET", "/ajax-api/2.0/mlflow/artifacts/list", {
      run_id: run.runId,
      path: "model",
    });
    assert.deepEqual(model.body.files, [{ path: "model/MLmodel", is_dir: false, file_size: 12 }]);
    const missing = await call(server, "GET", "/api/2.0/mlflow/artifacts/list", { run_id: "nope" });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    const hostile = await call(server, "GET", "/api/2.0/mlflow/artifacts/list", {
      run_id: run.runId,
      path: "../..",
    });
    assert.equal(hostile.status, 400);
    assert.equal(hostile.body.error_code, "INVALID_PARAMETER_VALUE");
  });

  it("declines presigned URLs so the client falls back to plain downloads", async () => {
    const res = await fetch(`${server.url}/api/2.0/mlflow-artifacts/presigned/${runPath()}/a.txt`);
    assert.equal(res.status, 501);
  });
});
