// Registry hygiene: the house's standard tag keys (team, owner, risk, pii, sla, deprecated, sunset_on)
// read as first-class fields — a version's own tag wins over its model's — and the report of versions
// whose sunset date has passed.
import { invalidParameter } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { ModelVersion } from "./entities.js";
import { checkChange, recordChange, type RegistryDeps } from "./registry-deps.js";
import { modelNotFound, versionNotFound } from "./registry-errors.js";
import { checkRegistryTag } from "./registry-tags.js";

export const HOUSE_TAG_KEYS = ["team", "owner", "risk", "pii", "sla", "deprecated", "sunset_on"] as const;

export interface HouseFields {
  team: string | null;
  owner: string | null;
  risk: string | null;
  pii: boolean | null;
  sla: string | null;
  deprecated: boolean | null;
  /** ISO date (YYYY-MM-DD) after which the version should no longer serve. */
  sunsetOn: string | null;
}

function flag(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  return /^(true|yes|1|y)$/i.test(value.trim());
}

/** The house fields of a model (pass its tags) or a version (pass the model's tags, then the version's). */
export function houseFields(...tagLayers: ReadonlyArray<Record<string, string>>): HouseFields {
  const tags: Record<string, string> = Object.assign({}, ...tagLayers) as Record<string, string>;
  return {
    team: tags.team ?? null,
    owner: tags.owner ?? null,
    risk: tags.risk ?? null,
    pii: flag(tags.pii),
    sla: tags.sla ?? null,
    deprecated: flag(tags.deprecated),
    sunsetOn: tags.sunset_on ?? null,
  };
}

export interface SunsetEntry {
  version: ModelVersion;
  sunsetOn: string;
  fields: HouseFields;
}

/** Live versions whose sunset_on (the version's tag, else its model's) is before `asOf` (YYYY-MM-DD). */
export async function versionsPastSunset(deps: RegistryDeps, asOf: string): Promise<SunsetEntry[]> {
  const rows = await deps.store.versionsWithTag(deps.database.db, "sunset_on");
  return rows.flatMap(({ version, modelTags }) => {
    const fields = houseFields(modelTags, version.tags);
    const sunsetOn = fields.sunsetOn;
    // ISO dates compare correctly as strings; a malformed date is reported rather than silently skipped.
    if (sunsetOn === null) return [];
    const valid = /^\d{4}-\d{2}-\d{2}$/.test(sunsetOn);
    return !valid || sunsetOn < asOf ? [{ version, sunsetOn, fields }] : [];
  });
}

/** A change to house fields: a value sets the tag, null removes it, an absent field is left alone. */
export type HouseFieldsPatch = { [K in keyof HouseFields]?: HouseFields[K] };

const TAG_OF: Record<keyof HouseFields, (typeof HOUSE_TAG_KEYS)[number]> = {
  team: "team",
  owner: "owner",
  risk: "risk",
  pii: "pii",
  sla: "sla",
  deprecated: "deprecated",
  sunsetOn: "sunset_on",
};

function tagValue(field: keyof HouseFields, value: unknown): string {
  if (field === "pii" || field === "deprecated") {
    if (typeof value !== "boolean")
      throw invalidParameter(`Invalid '${TAG_OF[field]}': it must be true or false.`);
    return String(value);
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw invalidParameter(`Invalid '${TAG_OF[field]}': it must be a non-empty string.`);
  }
  if (field === "sunsetOn" && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))) {
    throw invalidParameter(`Invalid 'sunset_on' '${value}': use a date as YYYY-MM-DD.`);
  }
  return value;
}

/** Sets or clears house fields of a model, or of one version when `version` is given, in one transaction. */
export async function setHouseFields(
  deps: RegistryDeps,
  ctx: RequestContext,
  req: { name: string; version?: number | undefined; fields: HouseFieldsPatch },
): Promise<void> {
  const entries = Object.entries(req.fields).filter(([, v]) => v !== undefined) as Array<
    [keyof HouseFields, HouseFields[keyof HouseFields]]
  >;
  const writes = entries.map(([field, value]) => ({
    key: TAG_OF[field],
    value: value === null ? null : tagValue(field, value),
  }));
  for (const w of writes) if (w.value !== null) checkRegistryTag(w.key, w.value);
  await deps.database.transaction(async (trx) => {
    const id = await deps.store.lockModel(trx, req.name);
    if (id === undefined) throw modelNotFound(req.name);
    const version = req.version;
    const target = version === undefined ? undefined : await deps.store.findVersion(trx, id, version);
    if (version !== undefined && target === undefined) throw versionNotFound(req.name, version);
    const after = Object.fromEntries(writes.map((w) => [w.key, w.value]));
    const change = {
      action:
        version === undefined
          ? ("registered_model.set_house_fields" as const)
          : ("model_version.set_house_fields" as const),
      name: req.name,
      version,
      after,
    };
    await checkChange(deps, trx, ctx, change);
    for (const w of writes) {
      if (version === undefined) {
        if (w.value === null) await deps.store.deleteModelTag(trx, id, w.key);
        else await deps.store.setModelTag(trx, id, w.key, w.value);
      } else if (w.value === null) await deps.store.deleteVersionTag(trx, id, version, w.key);
      else await deps.store.setVersionTag(trx, id, version, w.key, w.value);
    }
    await recordChange(deps, trx, ctx, change);
  });
}
