// Which versions of a model its deployments serve now: every version the current revision names (primary,
// canary, A/B variants, blue/green preview, shadow) and the former primaries it keeps warm. Serving has to load
// each of them, so the `service` role may read them as it reads released versions (read-access.ts).
import type { DeploymentStore } from "../delivery/deployment-store.js";
import { versionFields } from "../delivery/deployment-spec.js";
import { formerPrimaries } from "../delivery/routing.js";
import type { Executor } from "../store/database.js";

/** Whether a deployment of model `name` serves `version` now. */
export type ServedVersions = (x: Executor, name: string, version: number) => Promise<boolean>;

const DEFAULT_WARM = 2;
const PAGE = 500;

export function servedVersionsOf(store: DeploymentStore): ServedVersions {
  return async (x, name, version) => {
    const wanted = String(version);
    for (let offset = 0; ; offset += PAGE) {
      const page = await store.list(x, { model: name, offset, limit: PAGE });
      for (const d of page) {
        const revisions = await store.revisions(x, d.name);
        const current = revisions.find((r) => r.revision === d.revision);
        if (current === undefined) continue;
        const named = versionFields(current.spec).map((f) => f.value);
        const warm = formerPrimaries(revisions, current.revision).slice(0, current.spec.warm ?? DEFAULT_WARM);
        if ([...named, ...warm].includes(wanted)) return true;
      }
      if (page.length < PAGE) return false;
    }
  };
}
