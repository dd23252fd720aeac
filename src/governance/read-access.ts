// What one caller may read: which experiments, which registered models, which versions of them and which
// artifact files. The guard asks it for single objects and every list/search route filters its results with
// it, so a grant means the same thing on every path. The `service` role is the one narrowing: it reads only
// released versions (stage Production, behind a protected alias, or served by a deployment) and only their
// files.
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import type { Executor } from "../store/database.js";
import { ROLE_PERMISSIONS, type Grant, type Permission } from "./rbac.js";

/** A version as far as its visibility goes. */
export interface VersionRef {
  registeredModelId: number;
  name: string;
  currentStage: string;
  aliases: readonly string[];
  /** The version number; without it, a deployment's serving the version is not looked at. */
  version?: number;
}

/** A version with where its files are, for artifact reads. */
export interface StoredVersionRef extends VersionRef {
  storageLocation: string;
}

export interface ReadAccess {
  /** True when nothing is hidden from this caller (auth off, or a global non-service read role). */
  readonly unrestricted: boolean;
  experiment(experimentId: string | number): boolean;
  model(registeredModelId: number): boolean;
  /** A version known by name and number (a transition request's); one that is not there counts as unreleased. */
  versionNamed(name: string, version: number): Promise<boolean>;
  /** THE rule for versions: readable model, and released when only the service role grants the read. */
  version(version: VersionRef): Promise<boolean>;
  /** A file or folder of the artifact store, by its store path (`<experiment>/<run>/artifacts/…`). */
  artifact(x: Executor, storePath: string): Promise<boolean>;
}

export interface ReadAccessDeps {
  /** Whether `alias` is a protected alias of model `name` (its promotion policy says so). */
  isProtectedAlias(name: string, alias: string): Promise<boolean>;
  /** Whether a deployment of model `name` serves `version` now (serving must load it). */
  isServed(name: string, version: number): Promise<boolean>;
  modelIdOf(name: string): Promise<number | undefined>;
  findVersion(name: string, version: number): Promise<VersionRef | undefined>;
  /** Live versions whose files lie in experiment `experimentId`'s area of the artifact store. */
  versionsStoredIn(x: Executor, experimentId: string): Promise<StoredVersionRef[]>;
}

function grantsPermission(g: Grant, permission: Permission): boolean {
  return ROLE_PERMISSIONS[g.role].has(permission);
}

function covers(g: Grant, scopeType: "experiment" | "registered_model", id: string): boolean {
  return g.scopeType === "global" || (g.scopeType === scopeType && g.scopeId === id);
}

export function readAccessOf(grants: readonly Grant[], deps: ReadAccessDeps): ReadAccess {
  const full = grants.filter((g) => g.role !== "service");
  const service = grants.filter((g) => g.role === "service");
  const fullModelRead = (id: number): boolean =>
    full.some((g) => grantsPermission(g, "model.read") && covers(g, "registered_model", String(id)));
  const serviceModelRead = (id: number): boolean =>
    service.some((g) => covers(g, "registered_model", String(id)));
  const experiment = (id: string | number): boolean =>
    full.some((g) => grantsPermission(g, "experiment.read") && covers(g, "experiment", String(id)));

  async function released(v: VersionRef): Promise<boolean> {
    if (v.currentStage === "Production") return true;
    for (const alias of v.aliases) if (await deps.isProtectedAlias(v.name, alias)) return true;
    return v.version !== undefined && (await deps.isServed(v.name, v.version));
  }

  async function version(v: VersionRef): Promise<boolean> {
    if (fullModelRead(v.registeredModelId)) return true;
    return serviceModelRead(v.registeredModelId) && (await released(v));
  }

  const unrestricted = full.some(
    (g) =>
      g.scopeType === "global" && grantsPermission(g, "model.read") && grantsPermission(g, "experiment.read"),
  );
  const model = (id: number): boolean => fullModelRead(id) || serviceModelRead(id);
  return {
    unrestricted,
    experiment,
    model,
    async versionNamed(name, number) {
      if (unrestricted) return true;
      const found = await deps.findVersion(name, number);
      if (found !== undefined) return version(found);
      const id = await deps.modelIdOf(name);
      return id !== undefined && version({ registeredModelId: id, name, currentStage: "None", aliases: [] });
    },
    version,
    async artifact(x, storePath) {
      const experimentId = storePath.split("/")[0] ?? "";
      // The store root and anything outside an experiment's area: global (non-service) file readers only.
      if (!/^\d+$/.test(experimentId)) {
        return full.some((g) => g.scopeType === "global" && grantsPermission(g, "artifact.read"));
      }
      if (full.some((g) => grantsPermission(g, "artifact.read") && covers(g, "experiment", experimentId))) {
        return true;
      }
      // Otherwise only the files of a version the caller may read: a model-scoped reader or a service
      // account downloads its model's files, and nothing else of the experiment they sit in.
      const canReadFiles = grants.some((g) => grantsPermission(g, "artifact.read"));
      if (!canReadFiles) return false;
      for (const v of await deps.versionsStoredIn(x, experimentId)) {
        if (!within(storePath, v.storageLocation)) continue;
        if (
          !grants.some(
            (g) =>
              grantsPermission(g, "artifact.read") &&
              covers(g, "registered_model", String(v.registeredModelId)),
          )
        )
          continue;
        if (await version(v)) return true;
      }
      return false;
    },
  };
}

/** Whether `storePath` is the version's storage location or inside it. */
function within(storePath: string, storageLocation: string): boolean {
  let root: string;
  try {
    root = artifactUriPath(storageLocation, "storage_location");
  } catch {
    return false;
  }
  return root !== "" && (storePath === root || storePath.startsWith(`${root}/`));
}
