// Registry rows for governance tests, until the registry service is wired in: a run with metrics (through the
// tracking API) and a registered model version pointing at it (written in the registry tables).
import { call, type TestServer } from "../support/test-server.js";

export async function runWithMetrics(
  server: TestServer,
  metrics: Record<string, number>,
  headers: Record<string, string> = {},
): Promise<string> {
  const run = await call(server, "POST", "/api/2.0/mlflow/runs/create", { experiment_id: "0" }, headers);
  const runId: string = run.body.run.info.run_id;
  for (const [key, value] of Object.entries(metrics)) {
    await call(
      server,
      "POST",
      "/api/2.0/mlflow/runs/log-metric",
      { run_id: runId, key, value, timestamp: 1, step: 0 },
      headers,
    );
  }
  return runId;
}

export async function registerVersion(
  server: TestServer,
  name: string,
  version: number,
  opts: { runId?: string; stage?: string; creator?: string; tags?: Record<string, string> } = {},
): Promise<void> {
  const db = server.app.database.db;
  let model = await db
    .selectFrom("registered_models")
    .select("id")
    .where("name", "=", name)
    .executeTakeFirst();
  if (model === undefined) {
    model = await db
      .insertInto("registered_models")
      .values({
        name,
        creation_timestamp: 1,
        last_updated_timestamp: 1,
        description: null,
        user_id: opts.creator ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
  }
  await db
    .insertInto("model_versions")
    .values({
      registered_model_id: model.id,
      version,
      creation_timestamp: 1,
      last_updated_timestamp: 1,
      description: null,
      user_id: opts.creator ?? null,
      current_stage: opts.stage ?? "None",
      source: `mlflow-artifacts:/0/${opts.runId ?? "none"}/artifacts/model`,
      storage_location: `mlflow-artifacts:/0/${opts.runId ?? "none"}/artifacts/model`,
      run_id: opts.runId ?? null,
      run_link: null,
      status: "READY",
      status_message: null,
      model_id: null,
    })
    .execute();
  for (const [key, value] of Object.entries(opts.tags ?? {})) {
    await db
      .insertInto("model_version_tags")
      .values({ registered_model_id: model.id, version, key, value })
      .execute();
  }
}
