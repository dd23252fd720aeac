// GET /ajax-api/2.0/mlflow/logged-models/:id/artifacts/files: a logged model's file as an attachment.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const FILES = (id: string) => `/ajax-api/2.0/mlflow/logged-models/${id}/artifacts/files`;

describe("logged model files", () => {
  let server: TestServer;
  let modelId: string;
  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
    const created = await call(server, "POST", "/api/2.0/mlflow/logged-models", {
      experiment_id: "0",
      name: "m",
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    modelId = created.body.model.info.model_id;
    const root = (created.body.model.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`, {
      method: "PUT",
      body: "flavors: {}\n",
    });
    assert.equal(put.status, 200);
  });
  after(() => server.close());

  it("sends the file as an attachment", async () => {
    const res = await fetch(`${server.url}${FILES(modelId)}?artifact_file_path=MLmodel`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "flavors: {}\n");
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename="MLmodel"/);
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  });

  it("needs artifact_file_path, checks it before the model, and 404s a missing model or file", async () => {
    const none = await call(server, "GET", FILES(modelId));
    assert.equal(none.status, 400);
    assert.equal(none.body.message, 'Request must include the "artifact_file_path" query parameter.');
    const traversal = await call(server, "GET", FILES("m-missing"), {
      artifact_file_path: "../../etc/passwd",
    });
    assert.equal(traversal.status, 400);
    const missingModel = await call(server, "GET", FILES("m-missing"), { artifact_file_path: "MLmodel" });
    assert.equal(missingModel.status, 404);
    const missingFile = await call(server, "GET", FILES(modelId), { artifact_file_path: "nope.txt" });
    assert.equal(missingFile.status, 404);
  });
});
