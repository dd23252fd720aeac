// The run side of models: `runs/outputs` (3.x `log_model` with an active run records the models the run
// produced; `runs/get` reads them back) and `runs/log-model` (2.x appends the MLmodel to the run tag
// `mlflow.log-model.history`). Also answers a run's artifact root for the run artifact listing.
import { invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database, Executor } from "../store/database.js";
import type { RunInfo } from "./entities.js";
import type { LoggedModelStore } from "./logged-model-store.js";
import type { RunStore } from "./tracking-store.js";

export const LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";
// MLflow's `_log_model` handler refuses a model_json without these.
const MODEL_JSON_REQUIRED = ["artifact_path", "flavors", "utc_time_created", "run_id"] as const;

export interface RunModelService {
  logRunOutputs(
    ctx: RequestContext,
    runId: string,
    models: Array<{ modelId: string; step: number }>,
  ): Promise<void>;
  logRunModel(ctx: RequestContext, runId: string, modelJson: string): Promise<void>;
  /** The run's artifact_uri, or undefined when there is no such run. */
  findRunArtifactUri(runId: string): Promise<string | undefined>;
}

export interface RunModelServiceDeps {
  database: Database;
  store: LoggedModelStore;
  tracking: Pick<RunStore, "getRunInfo" | "getRuns" | "setTags">;
  audit: AuditLog;
}

function parseModelJson(modelJson: string): Record<string, unknown> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    model = undefined;
  }
  if (typeof model !== "object" || model === null || Array.isArray(model)) {
    throw invalidParameter("Invalid model_json: it must be the MLmodel as a JSON object string.");
  }
  const missing = MODEL_JSON_REQUIRED.filter((k) => !(k in model));
  if (missing.length > 0) {
    throw invalidParameter(`Model json is missing mandatory fields: ${missing.join(", ")}.`);
  }
  const flavors = (model as Record<string, unknown>).flavors;
  if (typeof flavors !== "object" || flavors === null || Array.isArray(flavors)) {
    throw invalidParameter("Invalid model_json: 'flavors' must be an object.");
  }
  return model as Record<string, unknown>;
}

export function createRunModelService(deps: RunModelServiceDeps): RunModelService {
  const { database, store, tracking, audit } = deps;

  async function activeRun(ex: Executor, runId: string): Promise<RunInfo> {
    const run = await tracking.getRunInfo(ex, runId);
    if (run === undefined) throw notFound(`Run with id=${runId} not found.`);
    if (run.lifecycleStage !== "active") {
      throw invalidParameter(
        `The run ${runId} must be in the 'active' state. Current state is ${run.lifecycleStage}.`,
      );
    }
    return run;
  }

  return {
    async logRunOutputs(ctx, runId, models) {
      await database.transaction(async (trx) => {
        await activeRun(trx, runId);
        for (const m of models) {
          const model = await store.get(trx, m.modelId);
          if (model === undefined || model.lifecycleStage === "deleted") {
            throw notFound(`Logged model with ID '${m.modelId}' not found.`);
          }
        }
        await store.addRunOutputs(trx, runId, models);
        await audit.record(trx, ctx, {
          action: "run.log_outputs",
          targetType: "run",
          targetId: runId,
          after: models,
        });
      });
    },

    async logRunModel(ctx, runId, modelJson) {
      const model = parseModelJson(modelJson);
      await database.transaction(async (trx) => {
        await activeRun(trx, runId);
        const [run] = await tracking.getRuns(trx, [runId]);
        const previous = run?.tags.find((t) => t.key === LOG_MODEL_HISTORY_TAG)?.value;
        let history: unknown[] = [];
        if (previous !== undefined) {
          try {
            const parsed: unknown = JSON.parse(previous);
            history = Array.isArray(parsed) ? parsed : [parsed];
          } catch {
            history = [];
          }
        }
        history.push(model);
        await tracking.setTags(trx, runId, [{ key: LOG_MODEL_HISTORY_TAG, value: JSON.stringify(history) }]);
        await audit.record(trx, ctx, {
          action: "run.log_model",
          targetType: "run",
          targetId: runId,
          after: { artifactPath: model.artifact_path },
        });
      });
    },

    async findRunArtifactUri(runId) {
      return (await tracking.getRunInfo(database.db, runId))?.artifactUri;
    },
  };
}
