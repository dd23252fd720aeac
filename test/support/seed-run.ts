// An experiment and a run created through the tracking API, for suites (artifacts, logged models) that need
// them but are not about them.
import { randomBytes } from "node:crypto";
import { call, type TestServer } from "./test-server.js";

export interface SeededRun {
  experimentId: string;
  runId: string;
  artifactUri: string;
}

export async function seedRun(server: TestServer): Promise<SeededRun> {
  const exp = await call(server, "POST", "/api/2.0/mlflow/experiments/create", {
    name: `seed-${randomBytes(6).toString("hex")}`,
  });
  if (exp.status !== 200) throw new Error(`experiments/create: ${JSON.stringify(exp.body)}`);
  const experimentId = String(exp.body.experiment_id);
  const run = await call(server, "POST", "/api/2.0/mlflow/runs/create", {
    experiment_id: experimentId,
    start_time: Date.now(),
  });
  if (run.status !== 200) throw new Error(`runs/create: ${JSON.stringify(run.body)}`);
  return {
    experimentId,
    runId: String(run.body.run.info.run_id),
    artifactUri: String(run.body.run.info.artifact_uri),
  };
}
