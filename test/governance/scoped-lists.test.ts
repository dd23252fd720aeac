// The permission matrix over every list, search and resolve route: a caller scoped to experiment A, to
// model-a, or holding the service role sees nothing outside what it was granted — not in a list, not in a
// registered model's latest versions, not behind a page token, not through the artifact proxy, and not by
// sending a parameter twice. A service account sees released versions only (stage Production or behind a
// protected alias), and their files only.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../support/backends.js";
import { call } from "../support/test-server.js";
import { adminHeaders } from "./auth-support.js";
import {
  ARTIFACTS,
  MLFLOW,
  NATIVE,
  ok,
  scopedWorld,
  storeSnapshot,
  type ScopedWorld,
} from "./scoped-world.js";

type Headers = Record<string, string>;
const AJAX = "/ajax-api/2.0/mlflow";

const versionsOf = (list: unknown): string[] =>
  ((list ?? []) as Array<{ name: string; version: string }>).map((v) => `${v.name}/${v.version}`).sort();
const namesOf = (list: unknown): string[] => ((list ?? []) as Array<{ name: string }>).map((x) => x.name);

for (const backend of BACKENDS) {
  describe(`what scoped callers see in lists and searches on ${backend.name}`, () => {
    let w: ScopedWorld;
    before(async () => {
      w = await scopedWorld(backend);
    });
    after(async () => w.server.close());

    async function status(
      method: "GET" | "POST",
      route: string,
      args: Record<string, unknown>,
      who: Headers,
    ) {
      return (await call(w.server, method, route, args, who)).status;
    }

    /** The status of a GET whose answer may be a file rather than JSON. */
    async function fileStatus(route: string, args: Record<string, string>, who: Headers): Promise<number> {
      const qs = new URLSearchParams(args).toString();
      const res = await fetch(`${w.server.url}${route}${qs === "" ? "" : `?${qs}`}`, { headers: who });
      await res.arrayBuffer();
      return res.status;
    }

    it("experiments/search and get-by-name show an experiment-scoped user only experiment A", async () => {
      for (const [method, base] of [
        ["GET", MLFLOW],
        ["POST", MLFLOW],
        ["POST", AJAX],
      ] as const) {
        const res = await ok(w.server, method, `${base}/experiments/search`, { max_results: 1000 }, w.eve);
        assert.deepEqual(namesOf(res.experiments), [w.a.experimentName]);
      }
      const get = (name: string, who: Headers) =>
        status("GET", `${MLFLOW}/experiments/get-by-name`, { experiment_name: name }, who);
      assert.equal(await get(w.a.experimentName, w.eve), 200);
      assert.equal(await get(w.b.experimentName, w.eve), 403);
      assert.equal(await get("Default", w.eve), 403);
      // Model-scoped callers read no experiment at all.
      const mo = await ok(w.server, "GET", `${MLFLOW}/experiments/search`, {}, w.mo);
      assert.deepEqual(mo.experiments ?? [], []);
      assert.equal(await get(w.a.experimentName, w.mo), 403);
    });

    it("experiments/search pages are filled from what the caller may read, and tokens stay valid", async () => {
      const names: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await ok(
          w.server,
          "POST",
          `${MLFLOW}/experiments/search`,
          { max_results: 1, ...(token ? { page_token: token } : {}), order_by: ["name DESC"] },
          w.eve,
        );
        names.push(...namesOf(res.experiments));
        token = res.next_page_token;
        pages++;
      } while (token !== undefined && pages < 10);
      assert.deepEqual(names, [w.a.experimentName]);
    });

    it("runs/search and logged-models/search need a grant on every experiment they name", async () => {
      const runs = (ids: string[], who: Headers) =>
        status("POST", `${MLFLOW}/runs/search`, { experiment_ids: ids }, who);
      assert.equal(await runs([w.a.experimentId], w.eve), 200);
      assert.equal(await runs([w.a.experimentId, w.b.experimentId], w.eve), 403);
      assert.equal(await runs([w.b.experimentId, w.a.experimentId], w.eve), 403);
      assert.equal(await runs([], w.eve), 403);
      const models = (ids: string[]) =>
        status("POST", `${MLFLOW}/logged-models/search`, { experiment_ids: ids }, w.eve);
      assert.equal(await models([w.a.experimentId]), 200);
      assert.equal(await models([w.a.experimentId, w.b.experimentId]), 403);
    });

    it("registered-models/search shows a model-scoped user only its model, on every path", async () => {
      for (const who of [w.mo, w.rita, w.svca]) {
        for (const [method, base] of [
          ["GET", MLFLOW],
          ["POST", MLFLOW],
          ["GET", AJAX],
        ] as const) {
          const res = await ok(w.server, method, `${base}/registered-models/search`, {}, who);
          assert.deepEqual(namesOf(res.registered_models), [w.a.model]);
        }
        const native = await ok(w.server, "GET", `${NATIVE}/registered-models`, {}, who);
        assert.deepEqual(namesOf(native.registered_models), [w.a.model]);
      }
      const eve = await ok(w.server, "GET", `${MLFLOW}/registered-models/search`, {}, w.eve);
      assert.deepEqual(eve.registered_models ?? [], []);
      // Paging with one model per page still ends after the one model the caller may read.
      const first = await ok(w.server, "GET", `${MLFLOW}/registered-models/search`, { max_results: 1 }, w.mo);
      assert.deepEqual(namesOf(first.registered_models), [w.a.model]);
      if (first.next_page_token !== undefined) {
        const rest = await ok(
          w.server,
          "GET",
          `${MLFLOW}/registered-models/search`,
          { max_results: 1, page_token: first.next_page_token },
          w.mo,
        );
        assert.deepEqual(rest.registered_models ?? [], []);
      }
    });

    it("model-versions/search shows each caller the versions it may read, page by page", async () => {
      const all = async (who: Headers, filter?: string): Promise<string[]> => {
        const seen: string[] = [];
        let token: string | undefined;
        for (let i = 0; i < 20; i++) {
          const res = await ok(
            w.server,
            "GET",
            `${MLFLOW}/model-versions/search`,
            { max_results: 1, ...(filter ? { filter } : {}), ...(token ? { page_token: token } : {}) },
            who,
          );
          seen.push(...versionsOf(res.model_versions));
          token = res.next_page_token;
          if (token === undefined) break;
        }
        return seen.sort();
      };
      assert.deepEqual(await all(w.mo), ["model-a/1", "model-a/2", "model-a/3"]);
      assert.deepEqual(await all(w.svc), ["model-a/1", "model-a/2", "model-b/1"]);
      assert.deepEqual(await all(w.svca), ["model-a/1", "model-a/2"]);
      assert.deepEqual(await all(w.eve), []);
      assert.deepEqual(await all(w.mo, `name = '${w.b.model}'`), []);
      assert.deepEqual(await all(w.svc, `name = '${w.b.model}'`), ["model-b/1"]);
      const big = await ok(w.server, "POST", `${MLFLOW}/model-versions/search`, {}, w.svc);
      assert.deepEqual(versionsOf(big.model_versions), ["model-a/1", "model-a/2", "model-b/1"]);
    });

    it("a service account never sees an unreleased version through a model's latest versions", async () => {
      const latest = await ok(
        w.server,
        "POST",
        `${MLFLOW}/registered-models/get-latest-versions`,
        { name: w.a.model },
        w.svc,
      );
      assert.deepEqual(versionsOf(latest.model_versions), ["model-a/1"]);
      const none = await ok(
        w.server,
        "POST",
        `${MLFLOW}/registered-models/get-latest-versions`,
        { name: w.a.model, stages: ["None"] },
        w.svca,
      );
      assert.deepEqual(versionsOf(none.model_versions), []);
      const full = await ok(
        w.server,
        "POST",
        `${MLFLOW}/registered-models/get-latest-versions`,
        { name: w.a.model },
        w.mo,
      );
      assert.deepEqual(versionsOf(full.model_versions), ["model-a/1", "model-a/3"]);
      for (const who of [w.svc, w.svca]) {
        const got = await ok(w.server, "GET", `${MLFLOW}/registered-models/get`, { name: w.a.model }, who);
        assert.deepEqual(versionsOf(got.registered_model.latest_versions), ["model-a/1"]);
        const native = await ok(w.server, "GET", `${NATIVE}/registered-models/${w.a.model}`, {}, who);
        assert.deepEqual(versionsOf(native.registered_model.latest_versions), ["model-a/1"]);
        const search = await ok(w.server, "GET", `${MLFLOW}/registered-models/search`, {}, who);
        for (const m of search.registered_models) {
          assert.ok(
            versionsOf(m.latest_versions).every((v) => ["model-a/1", "model-b/1"].includes(v)),
            JSON.stringify(m.latest_versions),
          );
        }
      }
    });

    it("the native versions list, URI resolution and version reads follow the same rule", async () => {
      const list = await ok(w.server, "GET", `${NATIVE}/registered-models/${w.a.model}/versions`, {}, w.svca);
      assert.deepEqual(versionsOf(list.model_versions), ["model-a/1", "model-a/2"]);
      assert.equal(await status("GET", `${NATIVE}/registered-models/${w.b.model}/versions`, {}, w.mo), 403);
      const resolve = (uri: string, who: Headers) =>
        status("GET", `${NATIVE}/model-uris/resolve`, { uri }, who);
      assert.equal(await resolve(`models:/${w.a.model}/1`, w.svca), 200);
      assert.equal(await resolve(`models:/${w.a.model}@champion`, w.svca), 200);
      assert.equal(await resolve(`models:/${w.a.model}/3`, w.svca), 403);
      assert.equal(await resolve(`models:/${w.a.model}/latest`, w.svca), 403);
      assert.equal(await resolve(`models:/${w.b.model}/1`, w.svca), 403);
      assert.equal(await resolve(`models:/${w.b.model}/1`, w.mo), 403);
      assert.equal(await resolve(`runs:/${w.b.runId}/model`, w.mo), 403);
      assert.equal(
        await resolve(`mlflow-artifacts:/${w.b.modelPath}`, w.svc),
        200,
        "model-b v1 is released there",
      );
      assert.equal(await resolve(`mlflow-artifacts:/${w.b.experimentId}/${w.b.runId}/artifacts`, w.svc), 403);
      assert.equal(await resolve(`runs:/${w.a.runId}/model`, w.eve), 200);
      for (const path of ["", "/model-info"]) {
        assert.equal(
          await status("GET", `${NATIVE}/registered-models/${w.a.model}/versions/3${path}`, {}, w.svca),
          403,
        );
      }
      assert.equal(
        await status("GET", `${NATIVE}/registered-models/${w.a.model}/versions/2`, {}, w.svca),
        200,
      );
      const gates = (version: string) =>
        status("GET", `${NATIVE}/models/${w.a.model}/versions/${version}/gate-evaluations`, {}, w.svca);
      assert.equal(await gates("1"), 200);
      assert.equal(await gates("3"), 403);
    });

    it("lineage, the sunset report, run listings and bulk metric reads follow the same grants", async () => {
      for (const s of [w.a, w.b]) {
        await ok(w.server, "POST", `${MLFLOW}/runs/log-parameter`, {
          run_id: s.runId,
          key: "seed",
          value: "7",
        });
      }
      for (const [name, version] of [
        [w.a.model, "1"],
        [w.a.model, "3"],
        [w.b.model, "1"],
        [w.b.model, "2"],
      ] as const) {
        await ok(w.server, "POST", `${MLFLOW}/model-versions/set-tag`, {
          name,
          version,
          key: "sunset_on",
          value: "2000-01-01",
        });
      }
      const lineage = async (who: Headers) =>
        versionsOf((await ok(w.server, "GET", `${NATIVE}/lineage`, { param: "seed=7" }, who)).model_versions);
      assert.deepEqual(await lineage(adminHeaders), [
        "model-a/1",
        "model-a/2",
        "model-a/3",
        "model-b/1",
        "model-b/2",
      ]);
      assert.deepEqual(await lineage(w.mo), ["model-a/1", "model-a/2", "model-a/3"]);
      assert.deepEqual(await lineage(w.svc), ["model-a/1", "model-a/2", "model-b/1"]);
      assert.deepEqual(await lineage(w.eve), []);
      const sunset = async (who: Headers) =>
        versionsOf((await ok(w.server, "GET", `${NATIVE}/registry/sunset`, {}, who)).model_versions);
      assert.deepEqual(await sunset(w.rita), ["model-a/1", "model-a/3"]);
      assert.deepEqual(await sunset(w.svca), ["model-a/1"]);
      assert.deepEqual(await sunset(w.svc), ["model-a/1", "model-b/1"]);
      // A run's file listing and several runs' metrics: every run must be in a readable experiment.
      const listing = (runId: string, who: Headers) =>
        status("GET", `${MLFLOW}/artifacts/list`, { run_id: runId }, who);
      assert.equal(await listing(w.a.runId, w.eve), 200);
      for (const who of [w.eve, w.mo, w.svc]) assert.equal(await listing(w.b.runId, who), 403);
      const bulk = (runIds: string[]) =>
        status(
          "GET",
          `${MLFLOW}/metrics/get-history-bulk-interval`,
          { run_ids: runIds, metric_key: "loss" },
          w.eve,
        );
      assert.equal(await bulk([w.a.runId]), 200);
      assert.equal(await bulk([w.a.runId, w.b.runId]), 403);
    });

    it("transition requests are listed and read only for models the caller may read", async () => {
      const names = async (who: Headers) => {
        const res = await ok(w.server, "GET", `${NATIVE}/transition-requests`, { status: "all" }, who);
        return namesOf(res.requests).sort();
      };
      assert.deepEqual(await names(adminHeaders), [w.a.model, w.b.model]);
      assert.deepEqual(await names(w.mo), [w.a.model]);
      assert.deepEqual(await names(w.eve), []);
      // A service account reads requests of released versions only: model-a's is for version 2 (champion).
      assert.deepEqual(await names(w.svc), [w.a.model]);
      const filtered = await ok(
        w.server,
        "GET",
        `${NATIVE}/transition-requests`,
        { status: "all", name: w.b.model },
        w.mo,
      );
      assert.deepEqual(filtered.requests, []);
      const all = await ok(w.server, "GET", `${NATIVE}/transition-requests`, { status: "all" }, adminHeaders);
      const ofB = (all.requests as Array<{ id: number; name: string }>).find((r) => r.name === w.b.model);
      assert.ok(ofB !== undefined);
      assert.equal(await status("GET", `${NATIVE}/transition-requests/${ofB.id}`, {}, w.mo), 403);
      assert.equal(await status("GET", `${NATIVE}/transition-requests/${ofB.id}`, {}, w.svc), 403);
      assert.equal(await status("GET", `${NATIVE}/transition-requests/${ofB.id}`, {}, adminHeaders), 200);
    });

    it("the artifact proxy and the UI's file routes serve a caller only files it may read", async () => {
      const file = (path: string, who: Headers) => fileStatus(`${ARTIFACTS}/${path}`, {}, who);
      const notesA = `${w.a.experimentId}/${w.a.runId}/artifacts/notes.txt`;
      const notesB = `${w.b.experimentId}/${w.b.runId}/artifacts/notes.txt`;
      assert.equal(await file(notesA, w.eve), 200);
      assert.equal(await file(notesB, w.eve), 403);
      for (const who of [w.mo, w.rita, w.svc, w.svca]) assert.equal(await file(notesA, who), 403);
      for (const who of [w.mo, w.rita, w.svca, w.svc])
        assert.equal(await file(`${w.a.modelPath}/MLmodel`, who), 200);
      assert.equal(await file(`${w.b.modelPath}/MLmodel`, w.svc), 200, "model-b v1 is in Production");
      for (const who of [w.mo, w.svca, w.eve]) assert.equal(await file(`${w.b.modelPath}/MLmodel`, who), 403);
      // Listings of an experiment's folder and of the store root.
      const list = (path: string, who: Headers) => status("GET", ARTIFACTS, { path }, who);
      assert.equal(await list(w.a.experimentId, w.eve), 200);
      assert.equal(await list(w.b.experimentId, w.eve), 403);
      assert.equal(await list("", w.eve), 403);
      assert.equal(await list(w.a.experimentId, w.svc), 403);
      assert.equal(await list(w.a.modelPath, w.svca), 200);
      // The UI's routes: a run's file, a version's file.
      const runFile = (runId: string, who: Headers) =>
        fileStatus("/get-artifact", { run_uuid: runId, path: "notes.txt" }, who);
      assert.equal(await runFile(w.a.runId, w.eve), 200);
      assert.equal(await runFile(w.b.runId, w.eve), 403);
      assert.equal(await runFile(w.b.runId, w.svc), 403);
      const versionFile = (version: string, who: Headers) =>
        fileStatus("/model-versions/get-artifact", { name: w.a.model, version, path: "MLmodel" }, who);
      assert.equal(await versionFile("1", w.svca), 200);
      assert.equal(await versionFile("3", w.svca), 403);
      assert.equal(await versionFile("3", w.rita), 200);
    });

    it("no list route, however called, names anything of the B side to a caller scoped to A", async () => {
      const secrets = [w.b.model, w.b.runId, w.b.experimentName, `secret of b`];
      const seen = new Set<string>();
      let answered = 0;
      for (const route of w.server.app.routePermissions()) {
        const rule = route.rule;
        if (rule === undefined || rule.scope !== "any" || !rule.permission.endsWith(".read")) continue;
        if (route.url.includes(":") || route.method === "HEAD" || seen.has(`${route.method} ${route.url}`))
          continue;
        seen.add(`${route.method} ${route.url}`);
        for (const who of [w.eve, w.mo, w.rita, w.svca]) {
          for (const args of [
            {},
            { status: "all", param: "seed=7", max_results: 1000, uri: `models:/${w.b.model}/1` },
          ]) {
            const res = await call(w.server, route.method as "GET" | "POST", route.url, args, who);
            assert.ok(res.status < 500, `${route.method} ${route.url}: ${res.status}`);
            // A refusal may quote what the caller sent; only answers are searched.
            if (res.status !== 200) continue;
            answered++;
            const text = JSON.stringify(res.body);
            for (const secret of secrets) {
              assert.ok(
                !text.includes(secret),
                `${route.method} ${route.url} showed '${secret}': ${text.slice(0, 300)}`,
              );
            }
          }
        }
      }
      assert.ok(seen.size >= 8, `only ${seen.size} list routes`);
      assert.ok(answered >= 40, `only ${answered} answers searched`);
    });

    it("sending a list parameter twice is a 400 on lists too, never a wider list", async () => {
      const twice = async (
        method: "GET" | "POST",
        route: string,
        args: Record<string, unknown>,
        who: Headers,
      ) => {
        const res = await call(w.server, method, route, args, who);
        assert.equal(res.status, 400, `${route} ${JSON.stringify(args)}: ${JSON.stringify(res.body)}`);
      };
      await twice(
        "GET",
        `${MLFLOW}/experiments/get-by-name`,
        { experiment_name: [w.a.experimentName, w.b.experimentName] },
        w.eve,
      );
      await twice("GET", `${MLFLOW}/experiments/search`, { max_results: [1, 1000] }, w.eve);
      await twice(
        "GET",
        `${MLFLOW}/registered-models/search`,
        { filter: [`name = '${w.a.model}'`, "name LIKE '%'"] },
        w.mo,
      );
      await twice("GET", `${MLFLOW}/model-versions/search`, { page_token: ["a", "b"] }, w.mo);
      await twice(
        "POST",
        `${MLFLOW}/registered-models/get-latest-versions`,
        { name: [w.a.model, w.b.model] },
        w.mo,
      );
      await twice("GET", `${NATIVE}/transition-requests`, { name: [w.a.model, w.b.model] }, w.mo);
      await twice(
        "GET",
        `${NATIVE}/model-uris/resolve`,
        { uri: [`models:/${w.a.model}/1`, `models:/${w.b.model}/2`] },
        w.svca,
      );
      await twice("GET", "/get-artifact", { run_uuid: [w.a.runId, w.b.runId], path: "notes.txt" }, w.eve);
      await twice(
        "GET",
        "/model-versions/get-artifact",
        { name: [w.a.model, w.b.model], version: "1", path: "MLmodel" },
        w.svca,
      );
    });

    it("refused writes by scoped callers leave the store as it was", async () => {
      const refused = async (
        method: "POST" | "PATCH" | "DELETE",
        route: string,
        args: Record<string, unknown>,
        who: Headers,
      ) => {
        const before = await storeSnapshot(w.server);
        const res = await call(w.server, method, route, args, who);
        assert.equal(res.status, 403, `${route}: ${JSON.stringify(res.body)}`);
        assert.equal(await storeSnapshot(w.server), before, `${route} wrote to the store`);
      };
      await refused("DELETE", `${MLFLOW}/model-versions/delete`, { name: w.b.model, version: "2" }, w.mo);
      await refused(
        "POST",
        `${MLFLOW}/registered-models/rename`,
        { name: w.b.model, new_name: "mine" },
        w.mo,
      );
      await refused("POST", `${MLFLOW}/runs/delete`, { run_id: w.b.runId }, w.eve);
      await refused(
        "POST",
        `${MLFLOW}/runs/log-metric`,
        { run_id: w.b.runId, key: "x", value: 1, timestamp: 1 },
        w.eve,
      );
      await refused(
        "POST",
        `${MLFLOW}/model-versions/set-tag`,
        { name: w.a.model, version: "1", key: "k", value: "v" },
        w.svc,
      );
      await refused(
        "POST",
        `${NATIVE}/transition-requests`,
        { name: w.b.model, version: 2, stage: "Production", reason: "r" },
        w.mo,
      );
    });
  });
}
