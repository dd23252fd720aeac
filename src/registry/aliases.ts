// Aliases: named pointers (champion, challenger, shadow) to one version of a model. Names follow MLflow's
// rules; setting an existing alias moves it in one upsert, so a reader never sees it missing or doubled.
import { invalidParameter } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { ModelVersion } from "./entities.js";
import { checkChange, prepareChange, recordChange, type RegistryDeps } from "./registry-deps.js";
import { aliasNotFound, modelNotFound, versionNotFound } from "./registry-errors.js";

const MAX_ALIAS_LENGTH = 255;

/** MLflow's alias rules: `^[\w\-]*$`, at most 255 characters, not empty, `latest` and `v<digits>` reserved. */
export function checkAliasName(alias: string): string {
  if (alias === "") throw invalidParameter("Invalid alias: a registered model alias name cannot be empty.");
  if (alias.length > MAX_ALIAS_LENGTH) {
    throw invalidParameter(
      `Invalid alias '${alias.slice(0, 40)}…': it may have at most ${MAX_ALIAS_LENGTH} characters.`,
    );
  }
  if (!/^[\w-]*$/.test(alias)) {
    throw invalidParameter(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.toLowerCase() === "latest") {
    throw invalidParameter(
      "'latest' alias name (case insensitive) is reserved. models:/<name>/latest names the newest version.",
    );
  }
  if (/^v\d+$/i.test(alias)) {
    throw invalidParameter(`Version alias name '${alias}' is reserved. It reads as a version reference.`);
  }
  return alias;
}

export async function setAlias(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; alias: string; version: number },
): Promise<void> {
  const alias = checkAliasName(req.alias);
  const prepared = await prepareChange(deps, ctx, {
    action: "registered_model_alias.set",
    name: req.name,
    alias,
    version: req.version,
  });
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    // MLflow names the version, not the model, when either is missing.
    if (id === undefined || (await deps.store.findVersion(trx, id, req.version)) === undefined) {
      throw versionNotFound(req.name, req.version);
    }
    const before = await deps.store.findAlias(trx, id, alias);
    const change = {
      action: "registered_model_alias.set" as const,
      name: req.name,
      alias,
      version: req.version,
      before: before === undefined ? undefined : { version: before.version },
      after: { version: req.version },
    };
    await checkChange(deps, trx, ctx, change, prepared);
    await deps.store.setAlias(trx, id, alias, req.version);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function deleteAlias(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; alias: string },
): Promise<void> {
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    if (id === undefined) throw modelNotFound(req.name);
    const before = await deps.store.findAlias(trx, id, req.alias);
    // Deleting an alias that is not there is a no-op, as in MLflow (the client may retry a delete).
    if (before === undefined) return;
    const change = {
      action: "registered_model_alias.delete" as const,
      name: req.name,
      alias: req.alias,
      version: before.version,
      before: { version: before.version },
    };
    await checkChange(deps, trx, ctx, change);
    await deps.store.deleteAlias(trx, id, req.alias);
    await recordChange(deps, trx, ctx, change);
  });
}

export async function getVersionByAlias(
  deps: RegistryDeps,
  req: { name: string; alias: string },
): Promise<ModelVersion> {
  const ex = deps.database.db;
  const version = await deps.store.findVersionByAlias(ex, req.name, req.alias);
  if (version !== undefined) return version;
  if ((await deps.store.modelId(ex, req.name)) === undefined) throw modelNotFound(req.name);
  throw aliasNotFound(req.name, req.alias);
}
