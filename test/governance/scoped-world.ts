// A server with auth on and two of everything, for the permission tests: experiments A and B with one run
// each (a model file uploaded under each run), registered models model-a (v1 Production, v2 behind the
// protected alias champion, v3 unreleased) and model-b (v1 Production, v2 unreleased), a pending transition
// request on each model, and callers scoped to the A side: an experiment-scoped data scientist (eve), a
// model-scoped ML engineer (mo), a model-scoped reader (rita), a global service account (svc) and a service
// account on model-a only (svca).
import assert from "node:assert/strict";
import type { TestBackend } from "../support/backends.js";
import { call, type TestServer } from "../support/test-server.js";
import { adminHeaders, basic, bearer, STRONG_PASSWORD, startAuthServer } from "./auth-support.js";

export const MLFLOW = "/api/2.0/mlflow";
export const NATIVE = "/api/flowgate/v1";
export const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

export interface Side {
  experimentId: string;
  experimentName: string;
  runId: string;
  model: string;
  /** The store path of the run's model folder (`<exp>/<run>/artifacts/model`). */
  modelPath: string;
}

export interface ScopedWorld {
  server: TestServer;
  a: Side;
  b: Side;
  eve: Record<string, string>;
  mo: Record<string, string>;
  rita: Record<string, string>;
  svc: Record<string, string>;
  svca: Record<string, string>;
}

export async function ok(
  server: TestServer,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  route: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = adminHeaders,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
): Promise<any> {
  const res = await call(server, method, route, args, headers);
  assert.equal(res.status, 200, `${method} ${route}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function grant(
  server: TestServer,
  username: string,
  role: string,
  scopeType: string,
  scopeId: string,
): Promise<void> {
  await ok(server, "POST", `${NATIVE}/users/${username}/grants`, {
    role,
    scope_type: scopeType,
    scope_id: scopeId,
  });
}

async function upload(server: TestServer, storePath: string, content: string): Promise<void> {
  const res = await fetch(`${server.url}${ARTIFACTS}/${storePath}`, {
    method: "PUT",
    headers: { ...adminHeaders, "content-type": "application/octet-stream" },
    body: content,
  });
  assert.equal(res.status, 200, await res.text());
}

async function side(server: TestServer, key: "a" | "b"): Promise<Side> {
  const experimentName = `exp-${key}`;
  const exp = await ok(server, "POST", `${MLFLOW}/experiments/create`, { name: experimentName });
  const experimentId = exp.experiment_id as string;
  const run = await ok(server, "POST", `${MLFLOW}/runs/create`, { experiment_id: experimentId });
  const runId = run.run.info.run_id as string;
  const modelPath = `${experimentId}/${runId}/artifacts/model`;
  await upload(server, `${modelPath}/MLmodel`, `flavors: {}\nrun_id: ${runId}\n`);
  await upload(server, `${experimentId}/${runId}/artifacts/notes.txt`, `secret of ${key}`);
  const model = `model-${key}`;
  await ok(server, "POST", `${MLFLOW}/registered-models/create`, { name: model });
  return { experimentId, experimentName, runId, model, modelPath };
}

async function version(server: TestServer, s: Side): Promise<void> {
  await ok(server, "POST", `${MLFLOW}/model-versions/create`, {
    name: s.model,
    source: `mlflow-artifacts:/${s.modelPath}`,
    run_id: s.runId,
  });
}

async function person(server: TestServer, username: string): Promise<Record<string, string>> {
  await ok(server, "POST", `${NATIVE}/users`, { username, password: STRONG_PASSWORD });
  return basic(username, STRONG_PASSWORD);
}

async function serviceAccount(
  server: TestServer,
  username: string,
  role?: string,
): Promise<Record<string, string>> {
  await ok(server, "POST", `${NATIVE}/users`, { username, kind: "service", ...(role ? { role } : {}) });
  const token = await ok(server, "POST", `${NATIVE}/tokens`, { name: "scorer", username });
  return bearer(token.token as string);
}

export async function scopedWorld(backend: TestBackend): Promise<ScopedWorld> {
  const server = await startAuthServer(backend);
  const a = await side(server, "a");
  const b = await side(server, "b");
  for (let i = 0; i < 3; i++) await version(server, a);
  for (let i = 0; i < 2; i++) await version(server, b);
  const reason = { ...adminHeaders, "x-flowgate-reason": "release" };
  for (const s of [a, b]) {
    await ok(
      server,
      "POST",
      `${MLFLOW}/model-versions/transition-stage`,
      { name: s.model, version: "1", stage: "Production", archive_existing_versions: false },
      reason,
    );
    await ok(server, "POST", `${NATIVE}/transition-requests`, {
      name: s.model,
      version: 2,
      stage: "Production",
      reason: "try it",
    });
  }
  await ok(
    server,
    "POST",
    `${MLFLOW}/registered-models/alias`,
    { name: a.model, alias: "champion", version: "2" },
    reason,
  );

  const eve = await person(server, "eve");
  await grant(server, "eve", "data-scientist", "experiment", a.experimentId);
  const mo = await person(server, "mo");
  await grant(server, "mo", "ml-engineer", "registered_model", a.model);
  const rita = await person(server, "rita");
  await grant(server, "rita", "reader", "registered_model", a.model);
  const svc = await serviceAccount(server, "svc", "service");
  const svca = await serviceAccount(server, "svca");
  await grant(server, "svca", "service", "registered_model", a.model);
  return { server, a, b, eve, mo, rita, svc, svca };
}

/**
 * Every row of every table, for "nothing was written" checks around refused requests. Token use times and
 * the migration bookkeeping change on reads and are left out.
 */
export async function storeSnapshot(server: TestServer): Promise<string> {
  const db = server.app.database.db;
  const tables = (await db.introspection.getTables())
    .map((t) => t.name)
    .filter((n) => !/^(kysely_|flowgate_migrations|schema_migrations)/.test(n) && n !== "api_tokens")
    .sort();
  const dump: Record<string, unknown[]> = {};
  for (const name of tables) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every table, untyped
    const rows = await (db as any).selectFrom(name).selectAll().execute();
    dump[name] = rows.map((r: unknown) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(dump);
}
