// Registry entities in Flowgate's native JSON (snake_case, numbers as numbers, house tag fields
// first-class). The MLflow wire shape lives in api/mlflow/registry-wire.ts.
import type { ModelVersion, RegisteredModel } from "../../registry/entities.js";
import { houseFields, type HouseFields } from "../../registry/hygiene.js";

export function houseJson(f: HouseFields): object {
  return {
    team: f.team,
    owner: f.owner,
    risk: f.risk,
    pii: f.pii,
    sla: f.sla,
    deprecated: f.deprecated,
    sunset_on: f.sunsetOn,
  };
}

export function versionJson(v: ModelVersion, modelTags: Record<string, string> = {}): object {
  return {
    name: v.name,
    version: v.version,
    stage: v.currentStage,
    aliases: v.aliases,
    description: v.description,
    source: v.source,
    storage_uri: v.storageLocation,
    run_id: v.runId,
    model_id: v.modelId,
    run_link: v.runLink,
    status: v.status,
    tags: v.tags,
    house: houseJson(houseFields(modelTags, v.tags)),
    created_by: v.userId,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
  };
}

export function modelJson(m: RegisteredModel): object {
  return {
    name: m.name,
    description: m.description,
    tags: m.tags,
    aliases: m.aliases,
    house: houseJson(houseFields(m.tags)),
    latest_versions: m.latestVersions.map((v) => versionJson(v, m.tags)),
    created_by: m.userId,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
  };
}
