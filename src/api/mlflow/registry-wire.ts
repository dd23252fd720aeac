// Registry entities in MLflow's wire shape (protobuf-JSON): `version` as a string, unset fields left out,
// `status` always READY (the client polls for up to 300 s on anything else), aliases as MLflow lists them.
import type { ModelVersion, RegisteredModel } from "../../registry/entities.js";
import { invalidParameter } from "../../core/errors.js";
import { optionalInt, optionalString, type WireArgs } from "./wire-input.js";
import { compact, wireTags } from "./wire-output.js";

export function wireModelVersion(v: ModelVersion): object {
  return compact({
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId,
    status: v.status,
    status_message: v.statusMessage,
    tags: wireTags(v.tags),
    run_link: v.runLink,
    aliases: v.aliases,
    model_id: v.modelId,
  });
}

export function wireRegisteredModel(m: RegisteredModel): object {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    user_id: m.userId,
    description: m.description,
    latest_versions: m.latestVersions.map(wireModelVersion),
    tags: wireTags(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  });
}

/** The `version` field: a string on the wire ("3"), a positive integer in the domain. */
export function versionArg(args: WireArgs, field = "version"): number {
  let raw: unknown;
  try {
    raw = optionalInt(args, field);
  } catch {
    raw = optionalString(args, field);
  }
  if (raw === undefined) throw invalidParameter(`Missing value for required parameter '${field}'.`);
  if (typeof raw !== "number" || raw < 1) {
    throw invalidParameter(
      `Invalid value ${JSON.stringify(raw)} for parameter '${field}': a model version is a positive integer.`,
    );
  }
  return raw;
}
