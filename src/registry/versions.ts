// Model versions: create (numbered max(all, deleted included)+1 under the model's row lock, retried on a
// lost race), read, describe, tag, soft-delete (dropping its aliases), search and the download location.
// Stage moves live in stages.ts and aliases in aliases.ts.
import { setTimeout as sleep } from "node:timers/promises";
import type { Page } from "../core/paging.js";
import { searchPage, type SearchRequest } from "./search/search-page.js";
import type { RequestContext } from "../core/request-context.js";
import type { Executor } from "../store/database.js";
import { isRetryableConflict, isUniqueViolation } from "../store/db-errors.js";
import { checkDescription } from "./descriptions.js";
import type { ModelVersion } from "./entities.js";
import { checkChange, recordChange, type RegistryDeps } from "./registry-deps.js";
import { modelNotFound, versionNotFound } from "./registry-errors.js";
import { checkRegistryTag, checkRegistryTags } from "./registry-tags.js";
import { parseModelVersionFilter, parseModelVersionOrderBy } from "./search/model-version-filter.js";
import { resolveVersionSource } from "./sources.js";
import { pythonJsonDumps } from "../core/python-json.js";

export const SEARCH_VERSIONS_DEFAULT = 10_000;
// MLflow allows 200,000; the client pages 10,000 at a time, so far less is enough (hostile-inputs F.36).
export const SEARCH_VERSIONS_LIMIT = 50_000;
const CREATE_ATTEMPTS = 10;
/** Copies of copies are followed this far back for the download URI (each copy names an older version). */
const MAX_COPY_HOPS = 100;
/** The logged-model tag that lists the versions registered from it (set by the server, as MLflow's). */
const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

export interface NewVersionRequest {
  name: string;
  source: string;
  runId?: string | undefined;
  runLink?: string | undefined;
  description?: string | undefined;
  modelId?: string | undefined;
  tags?: Array<{ key: string; value: string }>;
}

async function linkLoggedModel(
  deps: RegistryDeps,
  trx: Executor,
  modelId: string,
  name: string,
  version: number,
) {
  const logged = await deps.store.findLoggedModel(trx, modelId);
  if (logged === undefined) return;
  let list: unknown;
  try {
    list = JSON.parse(logged.tags[MODEL_VERSIONS_TAG] ?? "[]");
  } catch {
    list = [];
  }
  const entries: unknown[] = Array.isArray(list) ? list : [];
  const entry = { name, version };
  // As MLflow's set_model_versions_tags, text and all (json.dumps, integer version): the version is added
  // once, and when it is already listed the tag is written as that one entry.
  const listed = entries.some((e) => JSON.stringify(e) === JSON.stringify(entry));
  const tag = pythonJsonDumps(listed ? [entry] : [...entries, entry]);
  await deps.store.setLoggedModelTag(trx, modelId, MODEL_VERSIONS_TAG, tag);
}

export async function createModelVersion(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: NewVersionRequest,
): Promise<ModelVersion> {
  checkDescription(req.description);
  const tags = checkRegistryTags(req.tags ?? []);
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.database.transaction(async (trx) => {
        // The row lock serialises version creation per model; max(all versions)+1 is then safe, and the
        // primary key (model, version) is the backstop if anything else ever races.
        const id = await deps.store.lockModel(trx, req.name);
        if (id === undefined) throw modelNotFound(req.name);
        const source = await resolveVersionSource(deps.store, trx, req);
        const version = (await deps.store.maxVersion(trx, id)) + 1;
        const change = {
          action: "model_version.create" as const,
          name: req.name,
          version,
          after: { source: source.source, run_id: source.runId, model_id: source.modelId, tags },
        };
        await checkChange(deps, trx, ctx, change);
        const now = deps.clock.now();
        await deps.store.insertVersion(trx, {
          registeredModelId: id,
          version,
          source: source.source,
          storageLocation: source.storageLocation,
          runId: source.runId,
          runLink: req.runLink ?? null,
          description: req.description ?? null,
          userId: ctx.actor,
          modelId: source.modelId,
          tags,
          now,
        });
        await deps.store.touchModel(trx, id, now);
        if (source.modelId !== null) await linkLoggedModel(deps, trx, source.modelId, req.name, version);
        await recordChange(deps, trx, ctx, change);
        const created = await deps.store.findVersion(trx, id, version);
        if (created === undefined) throw versionNotFound(req.name, version);
        return created;
      });
    } catch (err) {
      if (attempt >= CREATE_ATTEMPTS || !(isUniqueViolation(err) || isRetryableConflict(err))) throw err;
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

export async function getModelVersion(
  deps: RegistryDeps,
  name: string,
  version: number,
): Promise<ModelVersion> {
  const ex = deps.database.db;
  const id = await deps.store.modelId(ex, name);
  const found = id === undefined ? undefined : await deps.store.findVersion(ex, id, version);
  if (found === undefined) throw versionNotFound(name, version);
  return found;
}

/** Opens a change on one live version: lock the model, load the version, or 404. */
async function lockedVersion(deps: RegistryDeps, trx: Executor, name: string, version: number) {
  const id = await deps.store.lockModel(trx, name);
  const before = id === undefined ? undefined : await deps.store.findVersion(trx, id, version);
  if (id === undefined || before === undefined) throw versionNotFound(name, version);
  return { id, before };
}

export async function updateModelVersion(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; version: number; description: string | null },
): Promise<ModelVersion> {
  checkDescription(req.description);
  await deps.database.transaction(async (trx) => {
    const { id, before } = await lockedVersion(deps, trx, req.name, req.version);
    const change = {
      action: "model_version.update" as const,
      name: req.name,
      version: req.version,
      before: { description: before.description },
      after: { description: req.description },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.updateVersion(trx, id, req.version, { description: req.description }, deps.clock.now());
    await recordChange(deps, trx, ctx, change);
  });
  return getModelVersion(deps, req.name, req.version);
}

export async function deleteModelVersion(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; version: number },
): Promise<void> {
  await deps.database.transaction(async (trx) => {
    const { id, before } = await lockedVersion(deps, trx, req.name, req.version);
    const change = {
      action: "model_version.delete" as const,
      name: req.name,
      version: req.version,
      before: { current_stage: before.currentStage, source: before.source, aliases: before.aliases },
    };
    await checkChange(deps, trx, ctx, change);
    const now = deps.clock.now();
    await deps.store.deleteVersion(trx, id, req.version, now);
    await deps.store.touchModel(trx, id, now);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function setModelVersionTag(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; version: number; key: string; value: string },
): Promise<void> {
  checkRegistryTag(req.key, req.value);
  await deps.database.transaction(async (trx) => {
    const { id, before } = await lockedVersion(deps, trx, req.name, req.version);
    const old = before.tags[req.key];
    const change = {
      action: "model_version.set_tag" as const,
      name: req.name,
      version: req.version,
      key: req.key,
      before: old === undefined ? undefined : { [req.key]: old },
      after: { [req.key]: req.value },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.setVersionTag(trx, id, req.version, req.key, req.value);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function deleteModelVersionTag(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; version: number; key: string },
): Promise<void> {
  await deps.database.transaction(async (trx) => {
    const { id, before } = await lockedVersion(deps, trx, req.name, req.version);
    const old = before.tags[req.key];
    if (old === undefined) return;
    const change = {
      action: "model_version.delete_tag" as const,
      name: req.name,
      version: req.version,
      key: req.key,
      before: { [req.key]: old },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.deleteVersionTag(trx, id, req.version, req.key);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function searchModelVersions(
  deps: RegistryDeps,
  req: SearchRequest,
): Promise<Page<ModelVersion>> {
  const grammar = {
    parseFilter: parseModelVersionFilter,
    parseOrderBy: parseModelVersionOrderBy,
    defaultMaxResults: SEARCH_VERSIONS_DEFAULT,
    maxResultsLimit: SEARCH_VERSIONS_LIMIT,
    zeroMaxResults: "refused" as const,
  };
  return searchPage(req, grammar, (conditions, orderBy, offset, limit) =>
    deps.store.searchVersions(deps.database.searchDb, conditions, orderBy, offset, limit),
  );
}

/**
 * The download URI as MLflow answers it: the source as stored (a `runs:/…` reference stays one; the client
 * resolves it), the logged model's artifact location for `models:/m-…`, and for a copy (`models:/<name>/<v>`)
 * the download URI of the version it copies.
 */
export async function getDownloadUri(deps: RegistryDeps, name: string, version: number): Promise<string> {
  let v = await getModelVersion(deps, name, version);
  for (let hops = 0; hops < MAX_COPY_HOPS; hops++) {
    const copied = /^models:\/([^/]+)\/(\d+)$/.exec(v.source);
    if (copied === null) break;
    const id = await deps.store.modelId(deps.database.db, copied[1] ?? "");
    const original =
      id === undefined ? undefined : await deps.store.findVersion(deps.database.db, id, Number(copied[2]));
    if (original === undefined) return v.storageLocation;
    v = original;
  }
  if (!v.source.startsWith("models:/")) return v.source;
  // A logged model's files: where the client wrote them (under a file:// or s3:// root, such a URI).
  const logged =
    v.modelId === null ? undefined : await deps.store.findLoggedModel(deps.database.db, v.modelId);
  return logged?.artifactLocation ?? v.storageLocation;
}
