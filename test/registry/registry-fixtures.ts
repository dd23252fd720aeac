// Test data the registry needs from other domains (an experiment with runs, a 3.x logged model), written
// straight into the real database of a test server. Registry tests only need these rows to exist.
import { randomBytes } from "node:crypto";
import { call, type TestServer } from "../support/test-server.js";

export async function seedRun(
  server: TestServer,
  opts: { tags?: Record<string, string>; params?: Record<string, string> } = {},
): Promise<{ runId: string; experimentId: number; artifactUri: string }> {
  const db = server.app.database.db;
  const exp = await db
    .insertInto("experiments")
    .values({
      name: `exp-${randomBytes(4).toString("hex")}`,
      artifact_location: "mlflow-artifacts:/pending",
      lifecycle_stage: "active",
      creation_time: Date.now(),
      last_update_time: Date.now(),
    })
    .returning("experiment_id")
    .executeTakeFirstOrThrow();
  const experimentId = Number(exp.experiment_id);
  const runId = randomBytes(16).toString("hex");
  const artifactUri = `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
  await db
    .insertInto("runs")
    .values({
      run_id: runId,
      experiment_id: experimentId,
      name: "run",
      user_id: "tester",
      status: "FINISHED",
      start_time: Date.now(),
      end_time: null,
      lifecycle_stage: "active",
      artifact_uri: artifactUri,
      deleted_time: null,
    })
    .execute();
  for (const [key, value] of Object.entries(opts.tags ?? {})) {
    await db.insertInto("run_tags").values({ run_id: runId, key, value }).execute();
  }
  for (const [key, value] of Object.entries(opts.params ?? {})) {
    await db.insertInto("params").values({ run_id: runId, key, value }).execute();
  }
  return { runId, experimentId, artifactUri };
}

export async function seedLoggedModel(
  server: TestServer,
  run: { runId: string; experimentId: number },
): Promise<{ modelId: string; artifactUri: string }> {
  const modelId = `m-${randomBytes(16).toString("hex")}`;
  const artifactUri = `mlflow-artifacts:/${run.experimentId}/models/${modelId}/artifacts`;
  await server.app.database.db
    .insertInto("logged_models")
    .values({
      model_id: modelId,
      experiment_id: run.experimentId,
      name: "model",
      artifact_location: artifactUri,
      creation_timestamp_ms: Date.now(),
      last_updated_timestamp_ms: Date.now(),
      status: 2,
      lifecycle_stage: "active",
      model_type: null,
      source_run_id: run.runId,
      status_message: null,
      creator_id: null,
    })
    .execute();
  return { modelId, artifactUri };
}

export const API = "/api/2.0/mlflow";

/** Creates a registered model and `count` versions from one run's `model` directory. */
export async function modelWithVersions(
  server: TestServer,
  name: string,
  count: number,
): Promise<{ runId: string; source: string }> {
  const run = await seedRun(server);
  const source = `${run.artifactUri}/model`;
  const created = await call(server, "POST", `${API}/registered-models/create`, { name });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  for (let i = 0; i < count; i++) {
    const res = await call(server, "POST", `${API}/model-versions/create`, {
      name,
      source,
      run_id: run.runId,
    });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  }
  return { runId: run.runId, source };
}
