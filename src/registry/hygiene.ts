// Registry hygiene: the house's standard tag keys (team, owner, risk, pii, sla, deprecated, sunset_on)
// read as first-class fields — a version's own tag wins over its model's — and the report of versions
// whose sunset date has passed.
import type { ModelVersion } from "./entities.js";
import type { RegistryDeps } from "./registry-deps.js";

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
