// Requests that are the client's mistake get a 4xx with MLflow's error JSON — never a 500 — and change
// nothing in the store. Each case goes to a real server on SQLite and on PostgreSQL.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { rawRequest } from "../support/raw-http.js";

const API = "/api/2.0/mlflow";
const JSON_TYPE = { "content-type": "application/json" };

interface Refusal {
  status: number;
  error_code: string;
  message: string;
  bytes: number;
}

async function send(server: TestServer, method: string, path: string, body?: string): Promise<Refusal> {
  const res = await rawRequest(server.url, method, path, body, body === undefined ? {} : JSON_TYPE);
  const parsed = JSON.parse(res.body) as { error_code: string; message: string };
  return { status: res.status, ...parsed, bytes: res.body.length };
}

function post(server: TestServer, path: string, body: unknown): Promise<Refusal> {
  return send(server, "POST", path, JSON.stringify(body));
}

function assertRefused(res: Refusal, status: number, code: string, message?: RegExp): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.message}`);
  assert.equal(res.error_code, code);
  if (message !== undefined) assert.match(res.message, message);
}

function tokenFor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64");
}

for (const backend of BACKENDS) {
  describe(`client mistakes are 4xx and change nothing (${backend.name})`, () => {
    let server: TestServer;
    let experimentId: string;
    let runId: string;
    /** Everything a refused request could have touched, as the API reports it. */
    let snapshot: () => Promise<string>;

    before(async () => {
      server = await startTestServer(backend);
      experimentId = (await call(server, "POST", `${API}/experiments/create`, { name: "probe" })).body
        .experiment_id as string;
      const run = await call(server, "POST", `${API}/runs/create`, {
        experiment_id: experimentId,
        run_name: "first",
      });
      runId = run.body.run.info.run_id as string;
      await call(server, "POST", `${API}/runs/set-tag`, { run_id: runId, key: "k", value: "v" });
      await call(server, "POST", `${API}/registered-models/create`, { name: "prod model" });
      snapshot = async () =>
        JSON.stringify([
          (await call(server, "POST", `${API}/experiments/search`, { view_type: "ALL", max_results: 1000 }))
            .body,
          (
            await call(server, "POST", `${API}/runs/search`, {
              experiment_ids: ["0", experimentId],
              run_view_type: "ALL",
            })
          ).body,
          (await call(server, "GET", `${API}/registered-models/search`)).body,
          (await call(server, "GET", `${API}/model-versions/search`)).body,
        ]);
    });
    after(() => server.close());

    async function refusedWithoutChange(
      request: () => Promise<Refusal>,
      status: number,
      code: string,
      message?: RegExp,
    ): Promise<Refusal> {
      const before = await snapshot();
      const res = await request();
      assertRefused(res, status, code, message);
      assert.equal(await snapshot(), before, "the refused request changed the store");
      return res;
    }

    // It was a 500 (an UPDATE with nothing to set). MLflow's server answers it with the run as it is, and the
    // mlflow client may send it (`update_run(run_id)`), so it is not refused: it changes nothing.
    it("answers runs/update that names no field to change with the run as it is", async () => {
      const before = await snapshot();
      const res = await call(server, "POST", `${API}/runs/update`, { run_id: runId });
      assert.equal(res.status, 200);
      assert.equal(res.body.run_info.run_id, runId);
      assert.equal(await snapshot(), before, "an empty update changed the store");
    });

    it("refuses an artifact path segment longer than a file name may be", async () => {
      const long = "a".repeat(300);
      const put = async (path: string): Promise<Refusal> => {
        const res = await rawRequest(server.url, "PUT", path, "bytes", {
          "content-type": "application/octet-stream",
        });
        const body = JSON.parse(res.body) as { error_code: string; message: string };
        return { status: res.status, ...body, bytes: res.body.length };
      };
      await refusedWithoutChange(
        () => put(`/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${long}/x.txt`),
        400,
        "INVALID_PARAMETER_VALUE",
        /255 bytes/,
      );
      await refusedWithoutChange(
        () => put(`/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${long}`),
        400,
        "INVALID_PARAMETER_VALUE",
        /255 bytes/,
      );
      // Reading such a file: "not found" or "too long" are both right; only a 500 is wrong.
      const read = await send(
        server,
        "GET",
        `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${long}/x.txt`,
      );
      assert.ok(read.status === 400 || read.status === 404, `${read.status} ${read.message}`);
      assert.notEqual(read.error_code, "INTERNAL_ERROR");
      // Listing a folder that cannot exist is an empty listing (as MLflow answers); only a 500 is wrong.
      const listing = await rawRequest(
        server.url,
        "GET",
        `${API}/artifacts/list?run_id=${runId}&path=${long}%2F${long}`,
      );
      assert.ok(listing.status < 500, listing.body);
    });

    it("refuses a search over 40,000 experiments", async () => {
      const ids = Array.from({ length: 40_000 }, (_, i) => String(i));
      await refusedWithoutChange(
        () => post(server, `${API}/runs/search`, { experiment_ids: ids }),
        400,
        "INVALID_PARAMETER_VALUE",
        /at most 1000 experiments/,
      );
      await refusedWithoutChange(
        () => post(server, `${API}/logged-models/search`, { experiment_ids: ids }),
        400,
        "INVALID_PARAMETER_VALUE",
        /at most 1000 experiments/,
      );
    });

    it("refuses run_id IN a list of 100,000 ids, quoting only a prefix of the filter", async () => {
      const list = Array.from({ length: 100_000 }, (_, i) => `'${i}'`).join(",");
      const res = await refusedWithoutChange(
        () =>
          post(server, `${API}/runs/search`, {
            experiment_ids: [experimentId],
            filter: `attributes.run_id IN (${list})`,
          }),
        400,
        "INVALID_PARAMETER_VALUE",
        /at most 1000 values/,
      );
      assert.ok(res.bytes < 1000, `the error echoed ${res.bytes} bytes`);
    });

    it("refuses JSON nested 5,000 deep in a scalar field", async () => {
      const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
      await refusedWithoutChange(
        () => send(server, "POST", `${API}/runs/set-tag`, `{"run_id":"${runId}","key":"k","value":${deep}}`),
        400,
        "INVALID_PARAMETER_VALUE",
        /nest at most 64 levels/,
      );
    });

    it("refuses 2,001 comparisons joined by AND (and 101), on every search", async () => {
      for (const count of [2001, 101]) {
        const filter = Array.from({ length: count }, () => "params.p = 'a'").join(" and ");
        await refusedWithoutChange(
          () => post(server, `${API}/runs/search`, { experiment_ids: [experimentId], filter }),
          400,
          "INVALID_PARAMETER_VALUE",
          /at most 100 comparisons/,
        );
      }
      // A query string cannot carry 2,001 comparisons (the header limit answers 431 first): 101 is enough.
      const nameFilter = Array.from({ length: 101 }, () => "name = 'a'").join(" and ");
      for (const [method, path] of [
        ["POST", `${API}/experiments/search`],
        ["GET", `${API}/registered-models/search`],
        ["GET", `${API}/model-versions/search`],
      ] as const) {
        await refusedWithoutChange(
          () =>
            method === "POST"
              ? post(server, path, { filter: nameFilter })
              : send(server, "GET", `${path}?filter=${encodeURIComponent(nameFilter)}`),
          400,
          "INVALID_PARAMETER_VALUE",
          /at most 100 comparisons/,
        );
      }
      await refusedWithoutChange(
        () =>
          post(server, `${API}/logged-models/search`, {
            experiment_ids: [experimentId],
            filter: Array.from({ length: 2001 }, () => "name = 'a'").join(" AND "),
          }),
        400,
        "INVALID_PARAMETER_VALUE",
        /at most 100 comparisons/,
      );
    });

    it("still answers a search of 100 comparisons on one key", async () => {
      const filter = Array.from({ length: 100 }, () => "params.p = 'a'").join(" and ");
      const res = await call(server, "POST", `${API}/runs/search`, {
        experiment_ids: [experimentId],
        filter,
      });
      assert.equal(res.status, 200);
    });

    it("refuses a page token that decodes to a huge offset, on every search", async () => {
      for (const offset of [1e20, 2 ** 53 - 1, 2 ** 31]) {
        const token = tokenFor(offset);
        await refusedWithoutChange(
          () => post(server, `${API}/runs/search`, { experiment_ids: [experimentId], page_token: token }),
          400,
          "INVALID_PARAMETER_VALUE",
          /page token/,
        );
        await refusedWithoutChange(
          () => post(server, `${API}/experiments/search`, { page_token: token }),
          400,
          "INVALID_PARAMETER_VALUE",
          /page token/,
        );
        for (const path of [`${API}/registered-models/search`, `${API}/model-versions/search`]) {
          await refusedWithoutChange(
            () => send(server, "GET", `${path}?page_token=${encodeURIComponent(token)}`),
            400,
            "INVALID_PARAMETER_VALUE",
            /page token/,
          );
        }
      }
    });

    it("refuses a JSON body that is null, an array or a scalar, on native and MLflow create routes", async () => {
      for (const path of [
        "/api/flowgate/v1/registered-models",
        "/api/flowgate/v1/users",
        "/api/flowgate/v1/tokens",
        "/api/flowgate/v1/transition-requests",
        `${API}/experiments/create`,
        `${API}/registered-models/create`,
      ]) {
        for (const body of ["null", "[]", "1", '"x"', "true"]) {
          await refusedWithoutChange(
            () => send(server, "POST", path, body),
            400,
            "INVALID_PARAMETER_VALUE",
            /JSON object/,
          );
        }
      }
    });

    it("refuses U+0000 in any string of a body, a query string or a path", async () => {
      const nul = "a\u0000b";
      const bodies: Array<[string, unknown]> = [
        [`${API}/experiments/create`, { name: nul }],
        [`${API}/experiments/set-experiment-tag`, { experiment_id: experimentId, key: "k", value: nul }],
        [`${API}/runs/create`, { experiment_id: experimentId, run_name: nul }],
        [`${API}/runs/set-tag`, { run_id: runId, key: "k", value: nul }],
        [`${API}/runs/log-parameter`, { run_id: runId, key: "p", value: nul }],
        [`${API}/runs/log-batch`, { run_id: runId, tags: [{ key: "k", value: nul }] }],
        [`${API}/registered-models/create`, { name: nul }],
        [`${API}/registered-models/create`, { name: "m2", tags: [{ key: nul, value: "v" }] }],
        [`${API}/model-versions/create`, { name: "prod model", source: nul }],
        ["/api/flowgate/v1/registered-models", { name: nul }],
        ["/api/flowgate/v1/users", { username: nul, password: "pw-123456789" }],
        // NUL in an object key is refused too.
        [`${API}/runs/set-tag`, { run_id: runId, key: "k", value: "v", [nul]: 1 }],
      ];
      for (const [path, body] of bodies) {
        await refusedWithoutChange(() => post(server, path, body), 400, "INVALID_PARAMETER_VALUE", /U\+0000/);
      }
      for (const path of [
        `${API}/experiments/get-by-name?experiment_name=a%00b`,
        `${API}/registered-models/get?name=a%00b`,
        `${API}/runs/search?experiment_ids=${experimentId}&filter=${encodeURIComponent("tags.k = 'a\u0000'")}`,
        "/api/flowgate/v1/registered-models/a%00b",
        `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/a%00b`,
      ]) {
        await refusedWithoutChange(
          () => send(server, "GET", path),
          400,
          "INVALID_PARAMETER_VALUE",
          /U\+0000/,
        );
      }
    });

    it("answers ids past the 64-bit range as not found or invalid, never 500", async () => {
      const huge = "99999999999999999999";
      const requests: Array<[string, string, unknown?]> = [
        ["GET", `${API}/experiments/get?experiment_id=${huge}`],
        ["GET", `${API}/model-versions/get?name=${encodeURIComponent("prod model")}&version=${huge}`],
        ["GET", `/api/flowgate/v1/transition-requests/${huge}`],
        ["GET", `/api/flowgate/v1/registered-models/${encodeURIComponent("prod model")}/versions/${huge}`],
        ["GET", `${API}/webhooks/get?webhook_id=${huge}`],
        ["POST", `${API}/runs/create`, { experiment_id: huge }],
        ["POST", `${API}/experiments/delete`, { experiment_id: huge }],
        ["POST", `${API}/experiments/update`, { experiment_id: "9223372036854775808", new_name: "x" }],
        ["POST", `${API}/model-versions/update`, { name: "prod model", version: huge, description: "d" }],
        ["POST", `${API}/model-versions/delete`, { name: "prod model", version: huge }],
        ["POST", `${API}/runs/log-metric`, { run_id: runId, key: "m", value: 1, timestamp: huge }],
      ];
      for (const [method, path, body] of requests) {
        const before = await snapshot();
        const res = await send(server, method, path, body === undefined ? undefined : JSON.stringify(body));
        assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status} ${res.message}`);
        assert.notEqual(res.error_code, "INTERNAL_ERROR", path);
        assert.equal(await snapshot(), before, path);
      }
    });
  });
}
