// Registered models: the product-named containers of versions. Create (with the name lint), read,
// rename (versions follow: they hang off the model's id), describe, tag, delete, search, and the latest
// version per stage. Each change is one transaction with its audit record.
import { alreadyExists } from "../core/errors.js";
import type { Page } from "../core/paging.js";
import { searchPage, type SearchRequest } from "./search/search-page.js";
import type { RequestContext } from "../core/request-context.js";
import { isUniqueViolation } from "../store/db-errors.js";
import { STAGES, type ModelVersion, type RegisteredModel } from "./entities.js";
import { checkDescription } from "./descriptions.js";
import { checkModelName, lintModelName, type NameLint } from "./naming.js";
import { checkChange, recordChange, type RegistryDeps } from "./registry-deps.js";
import { modelNotFound } from "./registry-errors.js";
import { checkRegistryTag, checkRegistryTags } from "./registry-tags.js";
import { parseRegisteredModelFilter, parseRegisteredModelOrderBy } from "./search/registered-model-filter.js";
import { canonicalStage } from "./stages.js";

export const SEARCH_MODELS_DEFAULT = 100;
export const SEARCH_MODELS_LIMIT = 1000;

/** MLflow's words for a taken name; a look-alike (core/name-rules.ts) also names the model it collides with. */
function duplicate(name: string, existing: string | undefined = name): Error {
  if (existing === undefined || existing === name)
    return alreadyExists(`Registered Model (name=${name}) already exists.`);
  return alreadyExists(
    `Registered Model (name=${existing}) already exists, and '${name}' counts as the same name: names that ` +
      "differ only in case, accents, character width or '+' for a space are one name.",
  );
}

async function mustGet(deps: RegistryDeps, name: string): Promise<RegisteredModel> {
  const model = await deps.store.findModel(deps.database.db, name);
  if (model === undefined) throw modelNotFound(name);
  return model;
}

export async function createRegisteredModel(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; description?: string | undefined; tags?: Array<{ key: string; value: string }> },
): Promise<{ model: RegisteredModel; lint: NameLint }> {
  const name = checkModelName(req.name);
  checkDescription(req.description);
  const tags = checkRegistryTags(req.tags ?? []);
  const lint = lintModelName(name);
  try {
    await deps.database.transaction(async (trx) => {
      const taken = await deps.store.modelNameLike(trx, name);
      if (taken !== undefined) throw duplicate(name, taken);
      const change = { action: "registered_model.create" as const, name, after: { name, tags } };
      await checkChange(deps, trx, ctx, change);
      await deps.store.insertModel(trx, {
        name,
        description: req.description ?? null,
        userId: ctx.actor,
        tags,
        now: deps.clock.now(),
      });
      await recordChange(deps, trx, ctx, change);
    });
  } catch (err) {
    // Two creates of one name (or look-alikes) at once: the unique index on name_key lets one win.
    if (isUniqueViolation(err)) throw duplicate(name, await deps.store.modelNameLike(deps.database.db, name));
    throw err;
  }
  if (lint.warnings.length > 0) {
    deps.logger.warn(
      { model: name, warnings: lint.warnings, suggestedName: lint.suggestedName },
      "model name lint",
    );
  }
  return { model: await mustGet(deps, name), lint };
}

export async function getRegisteredModel(deps: RegistryDeps, name: string): Promise<RegisteredModel> {
  return mustGet(deps, name);
}

export async function renameRegisteredModel(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; newName: string },
): Promise<RegisteredModel> {
  const newName = checkModelName(req.newName, "new_name");
  try {
    await deps.database.transaction(async (trx) => {
      const id = await deps.store.lockModel(trx, req.name);
      if (id === undefined) throw modelNotFound(req.name);
      // Renaming to a look-alike of its own name ("fraud" → "Fraud") is not a collision.
      const taken = await deps.store.modelNameLike(trx, newName);
      if (taken !== undefined && taken !== req.name) throw duplicate(newName, taken);
      const change = {
        action: "registered_model.rename" as const,
        name: req.name,
        before: { name: req.name },
        after: { name: newName },
      };
      await checkChange(deps, trx, ctx, change);
      await deps.store.renameModel(trx, id, newName, deps.clock.now());
      await recordChange(deps, trx, ctx, change);
    });
  } catch (err) {
    if (isUniqueViolation(err))
      throw duplicate(newName, await deps.store.modelNameLike(deps.database.db, newName));
    throw err;
  }
  return mustGet(deps, newName);
}

export async function updateRegisteredModel(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; description: string | null },
): Promise<RegisteredModel> {
  checkDescription(req.description);
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    const before = id === undefined ? undefined : await deps.store.findModel(trx, req.name);
    if (id === undefined || before === undefined) throw modelNotFound(req.name);
    const change = {
      action: "registered_model.update" as const,
      name: req.name,
      before: { description: before.description },
      after: { description: req.description },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.updateModelDescription(trx, id, req.description, deps.clock.now());
    await recordChange(deps, trx, ctx, change);
  });
  return mustGet(deps, req.name);
}

export async function deleteRegisteredModel(
  deps: RegistryDeps,
  ctx: RequestContext,
  name: string,
): Promise<void> {
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, name);
    const before = id === undefined ? undefined : await deps.store.findModel(trx, name);
    if (id === undefined || before === undefined) throw modelNotFound(name);
    const change = {
      action: "registered_model.delete" as const,
      name,
      before: { name, tags: before.tags, aliases: before.aliases },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.deleteModel(trx, id);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function setRegisteredModelTag(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; key: string; value: string },
): Promise<void> {
  checkRegistryTag(req.key, req.value);
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    const before = id === undefined ? undefined : await deps.store.findModel(trx, req.name);
    if (id === undefined || before === undefined) throw modelNotFound(req.name);
    const change = {
      action: "registered_model.set_tag" as const,
      name: req.name,
      key: req.key,
      before: before.tags[req.key] === undefined ? undefined : { [req.key]: before.tags[req.key] },
      after: { [req.key]: req.value },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.setModelTag(trx, id, req.key, req.value);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function deleteRegisteredModelTag(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; key: string },
): Promise<void> {
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    const before = id === undefined ? undefined : await deps.store.findModel(trx, req.name);
    if (id === undefined || before === undefined) throw modelNotFound(req.name);
    const old = before.tags[req.key];
    // Deleting a tag that is not there is a no-op, as in MLflow.
    if (old === undefined) return;
    const change = {
      action: "registered_model.delete_tag" as const,
      name: req.name,
      key: req.key,
      before: { [req.key]: old },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.deleteModelTag(trx, id, req.key);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function searchRegisteredModels(
  deps: RegistryDeps,
  req: SearchRequest,
): Promise<Page<RegisteredModel>> {
  const grammar = {
    parseFilter: parseRegisteredModelFilter,
    parseOrderBy: parseRegisteredModelOrderBy,
    defaultMaxResults: SEARCH_MODELS_DEFAULT,
    maxResultsLimit: SEARCH_MODELS_LIMIT,
    zeroMaxResults: "empty-page" as const,
  };
  return searchPage(req, grammar, (conditions, orderBy, offset, limit) =>
    deps.store.searchModels(deps.database.searchDb, conditions, orderBy, offset, limit),
  );
}

/** For each requested stage (all four if none), the highest live version in it, in the order asked. */
export async function getLatestVersions(
  deps: RegistryDeps,
  req: { name: string; stages: string[] },
): Promise<ModelVersion[]> {
  const stages = req.stages.length === 0 ? [...STAGES] : [...new Set(req.stages.map(canonicalStage))];
  const id = await deps.store.modelId(deps.database.db, req.name);
  if (id === undefined) throw modelNotFound(req.name);
  return deps.store.latestVersions(deps.database.db, id, stages);
}
