import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, adminHeaders, startAuthServer } from "../../governance/auth-support.js";
import { BACKENDS } from "../../support/backends.js";
import { seedRun, type SeededRun } from "../../support/seed-run.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const API = "/api/2.0/mlflow";

for (const backend of BACKENDS) {
  describe(`the UI's artifact routes on ${backend.name}`, () => {
    let server: TestServer;
    let run: SeededRun;
    before(async () => {
      server = await startTestServer(backend);
      run = await seedRun(server);
    });
    after(() => server.close());

    const put = (file: string, body: string | Buffer) =>
      fetch(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.experimentId}/${run.runId}/artifacts/${file}`,
        {
          method: "PUT",
          body,
          headers: { "content-type": "application/octet-stream" },
        },
      );
    const getArtifact = (query: Record<string, string>) =>
      fetch(`${server.url}/get-artifact?${new URLSearchParams(query).toString()}`);
    const upload = (query: Record<string, string>, body: string | Buffer, headers: Record<string, string>) =>
      fetch(`${server.url}/ajax-api/2.0/mlflow/upload-artifact?${new URLSearchParams(query).toString()}`, {
        method: "POST",
        body,
        headers,
      });
    async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
      assert.match(res.headers.get("content-type") ?? "", /application\/json/);
      const body = (await res.json()) as { error_code: string; message: string };
      return { status: res.status, code: body.error_code, message: body.message };
    }

    it("get-artifact sends a run's file as an attachment, by run_uuid or run_id", async () => {
      assert.equal((await put("notes/readme.txt", "hello")).status, 200);
      for (const key of ["run_uuid", "run_id"]) {
        const res = await getArtifact({ path: "notes/readme.txt", [key]: run.runId });
        assert.equal(res.status, 200, key);
        assert.equal(await res.text(), "hello");
        assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
        assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename="readme.txt"/);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      }
    });

    it("never sends a file in a type a browser would run or render: HTML and SVG go out as text", async () => {
      await put("page.html", "<script>alert(1)</script>");
      await put("pic.svg", "<svg onload=alert(1)>");
      await put("MLmodel", "flavors: {}");
      await put("plot.png", Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      for (const [file, type] of [
        ["page.html", "text/plain; charset=utf-8"],
        ["pic.svg", "text/plain; charset=utf-8"],
        ["MLmodel", "text/plain; charset=utf-8"],
        ["plot.png", "image/png"],
      ]) {
        const res = await getArtifact({ path: file!, run_uuid: run.runId });
        assert.equal(res.headers.get("content-type"), type, file);
        assert.match(res.headers.get("content-disposition") ?? "", /^attachment/, file);
        assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/, file);
        await res.arrayBuffer();
      }
    });

    it("get-artifact refuses traversal and absolute paths before looking the run up", async () => {
      for (const path of ["../../../etc/passwd", "%2e%2e/x", "/etc/passwd", "a/../../b", "a\\b", "C:/x"]) {
        const err = await errorOf(await getArtifact({ path, run_uuid: "no-such-run" }));
        assert.equal(err.status, 400, path);
        assert.equal(err.code, "INVALID_PARAMETER_VALUE", path);
      }
    });

    it("get-artifact answers 404 for an unknown run or file and 400 for a directory or a missing path", async () => {
      assert.equal(
        (await errorOf(await getArtifact({ path: "x.txt", run_uuid: "0".repeat(32) }))).status,
        404,
      );
      const missing = await errorOf(await getArtifact({ path: "nope.txt", run_uuid: run.runId }));
      assert.equal(missing.code, "RESOURCE_DOES_NOT_EXIST");
      await put("dir/inner.txt", "x");
      assert.equal((await errorOf(await getArtifact({ path: "dir", run_uuid: run.runId }))).status, 400);
      assert.equal((await errorOf(await getArtifact({ run_uuid: run.runId }))).status, 400);
    });

    it("model-versions/get-artifact sends a file of a version's model", async () => {
      await put("model/MLmodel", "artifact_path: model");
      const name = `ui-art-${backend.name}`;
      assert.equal((await call(server, "POST", `${API}/registered-models/create`, { name })).status, 200);
      const created = await call(server, "POST", `${API}/model-versions/create`, {
        name,
        source: `${run.artifactUri}/model`,
        run_id: run.runId,
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const query = (q: Record<string, string>) =>
        fetch(`${server.url}/model-versions/get-artifact?${new URLSearchParams(q).toString()}`);
      const res = await query({ path: "MLmodel", name, version: "1" });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "artifact_path: model");
      assert.match(res.headers.get("content-disposition") ?? "", /^attachment/);
      // A `runs:/` source is a reference, located when read.
      const byRef = await call(server, "POST", `${API}/model-versions/create`, {
        name,
        source: `runs:/${run.runId}/model`,
        run_id: run.runId,
      });
      assert.equal(byRef.status, 200, JSON.stringify(byRef.body));
      const second = await query({ path: "MLmodel", name, version: "2" });
      assert.equal(await second.text(), "artifact_path: model");
      assert.equal((await errorOf(await query({ path: "MLmodel", name, version: "9" }))).status, 404);
      assert.equal((await errorOf(await query({ path: "MLmodel", name, version: "x" }))).status, 400);
      assert.equal((await errorOf(await query({ path: "../MLmodel", name, version: "1" }))).status, 400);
    });

    it("upload-artifact stores the raw body as MLflow's UI sends it (labelled JSON) and answers an empty body", async () => {
      const bytes = '{"not": "parsed", "kept": "as sent"}\n';
      const res = await upload({ run_uuid: run.runId, path: "ui/data.json" }, bytes, {
        "content-type": "application/json; charset=utf-8",
      });
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "");
      const back = await getArtifact({ path: "ui/data.json", run_uuid: run.runId });
      assert.equal(await back.text(), bytes);
      const binary = Buffer.from([0, 1, 2, 255]);
      const bin = await upload({ run_uuid: run.runId, path: "ui/b.bin" }, binary, {
        "content-type": "application/octet-stream",
      });
      assert.equal(bin.status, 200);
      const binBack = await getArtifact({ path: "ui/b.bin", run_uuid: run.runId });
      assert.deepEqual(Buffer.from(await binBack.arrayBuffer()), binary);
    });

    it("upload-artifact refuses what MLflow refuses, with its messages, and writes nothing", async () => {
      const json = { "content-type": "application/json" };
      const cases: Array<[Record<string, string>, string | Buffer, RegExp]> = [
        [{ path: "ui/x.txt" }, "x", /^Request must specify run_uuid\.$/],
        [{ run_uuid: run.runId }, "x", /^Request must specify path\.$/],
        [{ run_uuid: run.runId, path: "ui/empty.txt" }, "", /^Request must specify data\.$/],
        [{ run_uuid: run.runId, path: "../escape.txt" }, "x", /Invalid path/],
        [
          { run_uuid: run.runId, path: "ui/big.bin" },
          Buffer.alloc(10 * 1024 * 1024 + 1),
          /too large\. Max size is 10MB/,
        ],
      ];
      for (const [query, body, message] of cases) {
        const err = await errorOf(await upload(query, body, json));
        assert.equal(err.status, 400, JSON.stringify(query));
        assert.equal(err.code, "INVALID_PARAMETER_VALUE");
        assert.match(err.message, message);
      }
      const unknown = await errorOf(await upload({ run_uuid: "f".repeat(32), path: "x.txt" }, "x", json));
      assert.equal(unknown.status, 404);
      for (const file of ["ui/empty.txt", "ui/big.bin"]) {
        assert.equal((await getArtifact({ path: file, run_uuid: run.runId })).status, 404, file);
      }
    });

    it("upload-artifact takes a form-like or missing Content-Type only from this server's own pages", async () => {
      const refused: Array<Record<string, string>> = [
        {},
        { "content-type": "text/plain" },
        { "content-type": "multipart/form-data; boundary=x" },
        { "content-type": "text/plain", origin: "https://evil.example" },
        { "content-type": "application/json", origin: "https://evil.example" },
        { "content-type": "application/octet-stream", "sec-fetch-site": "cross-site" },
      ];
      for (const headers of refused) {
        // Bytes, so fetch adds no Content-Type of its own.
        const err = await errorOf(
          await upload({ run_uuid: run.runId, path: "ui/csrf.txt" }, Buffer.from("pwned"), headers),
        );
        assert.equal(err.status, 400, JSON.stringify(headers));
        assert.equal(err.code, "BAD_REQUEST");
      }
      assert.equal((await getArtifact({ path: "ui/csrf.txt", run_uuid: run.runId })).status, 404);
      const own = await upload({ run_uuid: run.runId, path: "ui/own.txt" }, "mine", {
        "content-type": "text/plain",
        origin: server.url,
      });
      assert.equal(own.status, 200);
    });
  });

  describe(`the UI's artifact routes under --auth on ${backend.name}`, () => {
    let server: TestServer;
    let run: SeededRun;
    before(async () => {
      server = await startAuthServer(backend);
      const exp = await call(server, "POST", `${API}/experiments/create`, { name: "auth-art" }, adminHeaders);
      const created = await call(
        server,
        "POST",
        `${API}/runs/create`,
        { experiment_id: exp.body.experiment_id },
        adminHeaders,
      );
      run = {
        experimentId: String(exp.body.experiment_id),
        runId: String(created.body.run.info.run_id),
        artifactUri: String(created.body.run.info.artifact_uri),
      };
    });
    after(() => server.close());

    it("asks for a login as JSON instead of serving the web page, then serves the file", async () => {
      const url = `${server.url}/get-artifact?path=a.txt&run_uuid=${run.runId}`;
      for (const target of [url, `${server.url}/model-versions/get-artifact?path=a&name=m&version=1`]) {
        const anonymous = await fetch(target);
        assert.equal(anonymous.status, 401, target);
        assert.match(anonymous.headers.get("content-type") ?? "", /application\/json/);
        assert.equal(((await anonymous.json()) as { error_code: string }).error_code, "UNAUTHENTICATED");
      }
      const put = await fetch(
        `${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.experimentId}/${run.runId}/artifacts/a.txt`,
        { method: "PUT", body: "secret", headers: adminHeaders },
      );
      assert.equal(put.status, 200);
      const authed = await fetch(url, { headers: adminHeaders });
      assert.equal(authed.status, 200, ADMIN.username);
      assert.equal(await authed.text(), "secret");
      const upload = await fetch(
        `${server.url}/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${run.runId}&path=b.txt`,
        { method: "POST", body: "x", headers: { "content-type": "application/json" } },
      );
      assert.equal(upload.status, 401);
    });
  });
}
