// An experiment and a run written straight into a test server's store, for suites (artifacts, logged
// models) that need them but are not about them. Rows as the tracking service writes them.
import { randomBytes } from "node:crypto";
import type { TestServer } from "./test-server.js";

export interface SeededRun {
  experimentId: string;
  runId: string;
  artifactUri: string;
}

export async function seedRun(server: TestServer): Promise<SeededRun> {
  const { db } = server.app.database;
  const now = Date.now();
  const inserted = await db
    .insertInto("experiments")
    .values({
      name: `seed-${randomBytes(6).toString("hex")}`,
      artifact_location: "pending",
      lifecycle_stage: "active",
      creation_time: now,
      last_update_time: now,
    })
    .returning("experiment_id")
    .executeTakeFirstOrThrow();
  const experimentId = String(inserted.experiment_id);
  await db
    .updateTable("experiments")
    .set({ artifact_location: `mlflow-artifacts:/${experimentId}` })
    .where("experiment_id", "=", inserted.experiment_id)
    .execute();
  const runId = randomBytes(16).toString("hex");
  const artifactUri = `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
  await db
    .insertInto("runs")
    .values({
      run_id: runId,
      experiment_id: inserted.experiment_id,
      name: "seeded",
      user_id: "test",
      status: "RUNNING",
      start_time: now,
      end_time: null,
      lifecycle_stage: "active",
      artifact_uri: artifactUri,
      deleted_time: null,
    })
    .execute();
  return { experimentId, runId, artifactUri };
}
