// GET /api/3.0/mlflow/server-info: MLflow's keys, answered without a login (the 3.x client asks on start).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, type TestServer } from "../../support/test-server.js";
import { startAuthServer } from "../../governance/auth-support.js";

describe("server-info", () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(BACKENDS[0]!);
  });
  after(() => server.close());

  it("answers MLflow's keys under /api/3.0 and /ajax-api/3.0, with no login even when auth is on", async () => {
    for (const prefix of ["/api", "/ajax-api"]) {
      const res = await call(server, "GET", `${prefix}/3.0/mlflow/server-info`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        store_type: "SqlStore",
        workspaces_enabled: false,
        trace_archival_enabled: false,
        multipart_uploads_enabled: false,
        multipart_downloads_enabled: false,
        presigned_upload_run_id_supported: false,
        presigned_upload_model_id_supported: false,
        features_enabled: { gateway: false },
      });
    }
  });
});
