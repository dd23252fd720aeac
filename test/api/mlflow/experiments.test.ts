import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";

const API = "/api/2.0/mlflow";

for (const backend of BACKENDS) {
  describe(`experiments API on ${backend.name}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(backend);
    });
    after(async () => server.close());

    const create = async (name: string, extra: Record<string, unknown> = {}) =>
      call(server, "POST", `${API}/experiments/create`, { name, ...extra });

    it("has the Default experiment 0 from the start", async () => {
      const res = await call(server, "GET", `${API}/experiments/get`, { experiment_id: "0" });
      assert.equal(res.status, 200);
      assert.equal(res.body.experiment.name, "Default");
      assert.equal(res.body.experiment.experiment_id, "0");
      assert.equal(res.body.experiment.artifact_location, "mlflow-artifacts:/0");
      assert.equal(res.body.experiment.lifecycle_stage, "active");
    });

    it("creates an experiment with tags and an mlflow-artifacts location named after its id", async () => {
      const res = await create("exp-a", { tags: [{ key: "team", value: "ml" }] });
      assert.equal(res.status, 200);
      assert.equal(typeof res.body.experiment_id, "string");
      const got = await call(server, "GET", `${API}/experiments/get`, {
        experiment_id: res.body.experiment_id,
      });
      assert.equal(got.body.experiment.artifact_location, `mlflow-artifacts:/${res.body.experiment_id}`);
      assert.deepEqual(got.body.experiment.tags, [{ key: "team", value: "ml" }]);
      assert.equal(typeof got.body.experiment.creation_time, "number");
    });

    it("refuses a duplicate name with RESOURCE_ALREADY_EXISTS and status 400", async () => {
      await create("dup");
      const res = await create("dup");
      assert.equal(res.status, 400);
      assert.equal(res.body.error_code, "RESOURCE_ALREADY_EXISTS");
    });

    it("refuses a missing or empty name", async () => {
      for (const body of [{}, { name: "" }]) {
        const res = await call(server, "POST", `${API}/experiments/create`, body);
        assert.equal(res.status, 400);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
      }
    });

    it("accepts an mlflow-artifacts artifact_location and refuses anything that could leave the store", async () => {
      const ok = await create("custom-loc", { artifact_location: "mlflow-artifacts:/custom/place" });
      assert.equal(ok.status, 200);
      const got = await call(server, "GET", `${API}/experiments/get`, {
        experiment_id: ok.body.experiment_id,
      });
      assert.equal(got.body.experiment.artifact_location, "mlflow-artifacts:/custom/place");
      for (const loc of [
        "file:///etc",
        "/tmp/x",
        "mlflow-artifacts:/../../etc",
        "s3://bucket/x",
        "mlflow-artifacts:/a/%2e%2e/b",
      ]) {
        const res = await create(`bad-${loc}`, { artifact_location: loc });
        assert.equal(res.status, 400, loc);
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE", loc);
      }
    });

    it("gets by name, and a miss is 404 RESOURCE_DOES_NOT_EXIST", async () => {
      await create("by-name");
      const hit = await call(server, "GET", `${API}/experiments/get-by-name`, { experiment_name: "by-name" });
      assert.equal(hit.body.experiment.name, "by-name");
      const miss = await call(server, "GET", `${API}/experiments/get-by-name`, { experiment_name: "nope" });
      assert.equal(miss.status, 404);
      assert.equal(miss.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("answers an unknown or malformed experiment id with 404", async () => {
      for (const id of ["424242", "abc"]) {
        const res = await call(server, "GET", `${API}/experiments/get`, { experiment_id: id });
        assert.equal(res.status, 404);
        assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
      }
    });

    it("renames an experiment; a taken name is RESOURCE_ALREADY_EXISTS", async () => {
      const { body } = await create("old-name");
      await create("taken-name");
      const ok = await call(server, "POST", `${API}/experiments/update`, {
        experiment_id: body.experiment_id,
        new_name: "new-name",
      });
      assert.equal(ok.status, 200);
      const got = await call(server, "GET", `${API}/experiments/get`, { experiment_id: body.experiment_id });
      assert.equal(got.body.experiment.name, "new-name");
      const clash = await call(server, "POST", `${API}/experiments/update`, {
        experiment_id: body.experiment_id,
        new_name: "taken-name",
      });
      assert.equal(clash.status, 400);
      assert.equal(clash.body.error_code, "RESOURCE_ALREADY_EXISTS");
    });

    it("deletes and restores an experiment together with its runs", async () => {
      const { body } = await create("to-delete");
      const id = body.experiment_id as string;
      const run = await call(server, "POST", `${API}/runs/create`, { experiment_id: id });
      const runId = run.body.run.info.run_id as string;
      assert.equal(
        (await call(server, "POST", `${API}/experiments/delete`, { experiment_id: id })).status,
        200,
      );
      const deleted = await call(server, "GET", `${API}/experiments/get`, { experiment_id: id });
      assert.equal(deleted.body.experiment.lifecycle_stage, "deleted");
      const deletedRun = await call(server, "GET", `${API}/runs/get`, { run_id: runId });
      assert.equal(deletedRun.body.run.info.lifecycle_stage, "deleted");
      const again = await call(server, "POST", `${API}/experiments/delete`, { experiment_id: id });
      assert.equal(again.status, 404);
      const newRun = await call(server, "POST", `${API}/runs/create`, { experiment_id: id });
      assert.equal(newRun.status, 400);
      assert.equal(newRun.body.error_code, "INVALID_PARAMETER_VALUE");
      const rename = await call(server, "POST", `${API}/experiments/update`, {
        experiment_id: id,
        new_name: "x",
      });
      assert.equal(rename.status, 400);
      assert.equal(
        (await call(server, "POST", `${API}/experiments/restore`, { experiment_id: id })).status,
        200,
      );
      const restoredRun = await call(server, "GET", `${API}/runs/get`, { run_id: runId });
      assert.equal(restoredRun.body.run.info.lifecycle_stage, "active");
      const restoreActive = await call(server, "POST", `${API}/experiments/restore`, { experiment_id: id });
      assert.equal(restoreActive.status, 404);
      assert.equal(restoreActive.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    it("sets, overwrites and deletes experiment tags", async () => {
      const { body } = await create("tagged");
      const id = body.experiment_id as string;
      await call(server, "POST", `${API}/experiments/set-experiment-tag`, {
        experiment_id: id,
        key: "k",
        value: "1",
      });
      await call(server, "POST", `${API}/experiments/set-experiment-tag`, {
        experiment_id: id,
        key: "k",
        value: "2",
      });
      let got = await call(server, "GET", `${API}/experiments/get`, { experiment_id: id });
      assert.deepEqual(got.body.experiment.tags, [{ key: "k", value: "2" }]);
      const del = await call(server, "POST", `${API}/experiments/delete-experiment-tag`, {
        experiment_id: id,
        key: "k",
      });
      assert.equal(del.status, 200);
      got = await call(server, "GET", `${API}/experiments/get`, { experiment_id: id });
      assert.equal(
        got.body.experiment.tags,
        undefined,
        "no tags: the empty list is left out, as MLflow does",
      );
      const missing = await call(server, "POST", `${API}/experiments/delete-experiment-tag`, {
        experiment_id: id,
        key: "k",
      });
      assert.equal(missing.status, 404);
      const noExp = await call(server, "POST", `${API}/experiments/set-experiment-tag`, {
        experiment_id: "999999",
        key: "k",
        value: "v",
      });
      assert.equal(noExp.status, 404);
    });

    describe("search", () => {
      let ids: string[] = [];
      before(async () => {
        ids = [];
        for (const [i, name] of ["search-b", "search-a", "search-C"].entries()) {
          const res = await create(name, { tags: [{ key: "rank", value: String(i) }] });
          ids.push(res.body.experiment_id as string);
        }
      });

      const search = async (args: Record<string, unknown>, method: "GET" | "POST" = "POST") =>
        call(server, method, `${API}/experiments/search`, args);

      it("filters by name with =, LIKE and ILIKE", async () => {
        const eq = await search({ filter: "name = 'search-a'" });
        assert.deepEqual(
          eq.body.experiments.map((e: { name: string }) => e.name),
          ["search-a"],
        );
        const like = await search({ filter: "name LIKE 'search-%'", order_by: ["name ASC"] });
        assert.deepEqual(
          like.body.experiments.map((e: { name: string }) => e.name),
          ["search-C", "search-a", "search-b"],
        );
        const ilike = await search({ filter: "attribute.name ILIKE 'SEARCH-c'" });
        assert.deepEqual(
          ilike.body.experiments.map((e: { name: string }) => e.name),
          ["search-C"],
        );
      });

      it("filters by tag and by creation_time, on GET as well as POST", async () => {
        const byTag = await search({ filter: "tags.rank = '1'" }, "GET");
        assert.deepEqual(
          byTag.body.experiments.map((e: { name: string }) => e.name),
          ["search-a"],
        );
        const byTime = await search({ filter: "creation_time >= 0 and name LIKE 'search-%'" }, "GET");
        assert.equal(byTime.body.experiments.length, 3);
      });

      it("orders by creation_time DESC then experiment_id by default and pages with tokens", async () => {
        const first = await search({
          max_results: 2,
          filter: "name LIKE 'search-%'",
          order_by: ["experiment_id"],
        });
        assert.equal(first.body.experiments.length, 2);
        assert.ok(first.body.next_page_token);
        const second = await search({
          max_results: 2,
          filter: "name LIKE 'search-%'",
          order_by: ["experiment_id"],
          page_token: first.body.next_page_token,
        });
        assert.equal(second.body.experiments.length, 1);
        assert.equal(second.body.next_page_token, undefined);
        assert.deepEqual(
          [...first.body.experiments, ...second.body.experiments].map(
            (e: { experiment_id: string }) => e.experiment_id,
          ),
          ids,
        );
      });

      it("honours view_type", async () => {
        const { body } = await create("search-deleted");
        await call(server, "POST", `${API}/experiments/delete`, { experiment_id: body.experiment_id });
        const active = await search({ filter: "name = 'search-deleted'" });
        assert.deepEqual(active.body.experiments ?? [], []);
        const deleted = await search({ filter: "name = 'search-deleted'", view_type: "DELETED_ONLY" });
        assert.equal(deleted.body.experiments.length, 1);
        const all = await search({ filter: "name = 'search-deleted'", view_type: "ALL" }, "GET");
        assert.equal(all.body.experiments.length, 1);
      });

      it("refuses malformed filters, order_by, max_results and page tokens with INVALID_PARAMETER_VALUE", async () => {
        for (const args of [
          { filter: "name = " },
          { filter: "foo = 'x'" },
          { filter: "name > 'x'" },
          { filter: "creation_time = 'x'" },
          { filter: "name = 'a' OR name = 'b'" },
          { order_by: ["tags.x"] },
          { max_results: 50001 },
          { page_token: "not-a-token" },
        ]) {
          const res = await search(args);
          assert.equal(res.status, 400, JSON.stringify(args));
          assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE", JSON.stringify(args));
        }
      });
    });
  });
}
