// Registry entities in MLflow's wire shape (protobuf-JSON): `version` as a string, unset fields and empty
// lists left out, a version's `description`, `run_link` and `run_id` always present (MLflow sets them, "" when empty;
// the 3.x client reads a missing one as None), `status` always READY (the client polls for up to 300 s on
// anything else), aliases as MLflow lists them. MLflow's server never fills `user_id` for registry
// entities; Flowgate sends the signed-in user who made the entity, and nothing for an anonymous caller.
import type { ModelVersion, RegisteredModel } from "../../registry/entities.js";
import { invalidParameter } from "../../core/errors.js";
import { optionalString, type WireArgs } from "./wire-input.js";
import { protoMessage, wireTags } from "./wire-output.js";

const ANONYMOUS = "anonymous";

function wireUser(userId: string | null): string | undefined {
  return userId === null || userId === ANONYMOUS ? undefined : userId;
}

export function wireModelVersion(v: ModelVersion): object {
  return protoMessage({
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    user_id: wireUser(v.userId),
    current_stage: v.currentStage,
    description: v.description ?? "",
    source: v.source,
    run_id: v.runId ?? "",
    status: v.status,
    status_message: v.statusMessage,
    tags: wireTags(v.tags),
    run_link: v.runLink ?? "",
    aliases: v.aliases,
    model_id: v.modelId,
  });
}

/** A version in search results: MLflow's search leaves its aliases out (get and get-latest-versions list them). */
export function wireSearchedVersion(v: ModelVersion): object {
  return wireModelVersion({ ...v, aliases: [] });
}

export function wireRegisteredModel(m: RegisteredModel): object {
  return protoMessage({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    user_id: wireUser(m.userId),
    description: m.description,
    // MLflow lists a model's latest versions without their aliases (the model carries them).
    latest_versions: m.latestVersions.map((v) => wireModelVersion({ ...v, aliases: [] })),
    tags: wireTags(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  });
}

/** The `version` field: a string on the wire ("3"), a positive integer in the domain (MLflow's words). */
export function versionArg(args: WireArgs, field = "version"): number {
  const raw = args[field];
  if (raw === undefined || raw === null || raw === "") {
    throw invalidParameter(
      `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`,
    );
  }
  const text = typeof raw === "number" ? String(raw) : optionalString(args, field);
  if (text === undefined || !/^\d+$/.test(text.trim())) {
    throw invalidParameter(`Parameter '${field}' must be an integer, got '${text ?? JSON.stringify(raw)}'.`);
  }
  const version = Number(text);
  if (version < 1) {
    throw invalidParameter(`Parameter '${field}' must be an integer, got '${text}'. Versions start at 1.`);
  }
  return version;
}
