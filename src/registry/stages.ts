// Stages: MLflow's None/Staging/Production/Archived, input case-insensitive and stored canonical, and the
// stage transition with MLflow's archive_existing_versions semantics (only Staging/Production may archive,
// and only the versions currently in the target stage are archived).
import { invalidParameter } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import { STAGES, type ModelVersion, type Stage } from "./entities.js";
import { checkChange, prepareChange, recordChange, type RegistryDeps } from "./registry-deps.js";
import { versionNotFound } from "./registry-errors.js";

/** The stages `archive_existing_versions` may be used with (MLflow's "active" stages). */
const ARCHIVING_STAGES: readonly Stage[] = ["Staging", "Production"];

export function canonicalStage(input: string): Stage {
  const hit = STAGES.find((s) => s.toLowerCase() === input.trim().toLowerCase());
  if (hit === undefined) {
    throw invalidParameter(
      `Invalid Model Version stage: ${input}. Value must be one of ${STAGES.join(", ")}.`,
    );
  }
  return hit;
}

export interface TransitionRequest {
  name: string;
  version: number;
  stage: string;
  archiveExistingVersions: boolean;
}

/** Moves a version to a stage; with archiveExistingVersions, the others in that stage go to Archived. */
export async function transitionStage(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: TransitionRequest,
): Promise<ModelVersion> {
  const stage = canonicalStage(req.stage);
  if (req.archiveExistingVersions && !ARCHIVING_STAGES.includes(stage)) {
    // MLflow answers this misuse with a 500; it is the caller's mistake, so 400.
    throw invalidParameter(
      `Model version transition cannot archive existing model versions because '${stage}' is not an active stage: ` +
        `archive_existing_versions is allowed only with ${ARCHIVING_STAGES.join(" or ")}.`,
    );
  }
  const prepared = await prepareChange(deps, ctx, {
    action: "model_version.transition_stage",
    name: req.name,
    version: req.version,
    toStage: stage,
  });
  return deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    const before = id === undefined ? undefined : await deps.store.findVersion(trx, id, req.version);
    if (id === undefined || before === undefined) throw versionNotFound(req.name, req.version);
    const change = {
      action: "model_version.transition_stage" as const,
      name: req.name,
      version: req.version,
      fromStage: before.currentStage,
      toStage: stage,
    };
    await checkChange(deps, trx, ctx, change, prepared);
    const now = deps.clock.now();
    if (req.archiveExistingVersions) {
      for (const other of await deps.store.versionsInStage(trx, id, stage)) {
        if (other === req.version) continue;
        await deps.store.updateVersion(trx, id, other, { currentStage: "Archived" }, now);
        await recordChange(deps, trx, ctx, {
          action: "model_version.transition_stage",
          name: req.name,
          version: other,
          fromStage: stage,
          toStage: "Archived",
          before: { current_stage: stage },
          after: { current_stage: "Archived" },
        });
      }
    }
    await deps.store.updateVersion(trx, id, req.version, { currentStage: stage }, now);
    await deps.store.touchModel(trx, id, now);
    await recordChange(deps, trx, ctx, {
      ...change,
      before: { current_stage: before.currentStage },
      after: { current_stage: stage },
    });
    const after = await deps.store.findVersion(trx, id, req.version);
    if (after === undefined) throw versionNotFound(req.name, req.version);
    return after;
  });
}
