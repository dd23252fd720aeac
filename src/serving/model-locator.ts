// Finds a model version's artifact location through the tracking server's MLflow REST API, with the calls the
// real client makes: model-versions/get-download-uri, registered-models/alias, get-latest-versions, runs/get.
// An unreachable server is TEMPORARILY_UNAVAILABLE, so the cache can fall back to its last copy.
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { ModelCacheOptions } from "./model-cache.js";
import type { ModelUri } from "./model-uri.js";

/** Registered name, version and artifact URI of the model a URI designates. */
export interface ModelLocation {
  name: string;
  version: string;
  artifactUri: string;
  /**
   * What makes this copy the one the server means, beyond name and version (which another server, or a deleted
   * and re-registered model, reuses): the version's source, run and creation time, or the run's id and start.
   */
  origin: Record<string, unknown>;
}

interface VersionFields {
  version?: unknown;
  source?: unknown;
  run_id?: unknown;
  creation_timestamp?: unknown;
}

function versionOrigin(v: VersionFields | undefined): Record<string, unknown> {
  return {
    source: v?.source ?? null,
    run_id: v?.run_id ?? null,
    creation_timestamp: v?.creation_timestamp ?? null,
  };
}

export async function locateModel(uri: ModelUri, options: ModelCacheOptions): Promise<ModelLocation> {
  const api = async (
    method: "GET" | "POST",
    route: string,
    args: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => callTracking(options, method, `/api/2.0/mlflow/${route}`, args);
  switch (uri.kind) {
    case "version": {
      const v = await api("GET", "model-versions/get", { name: uri.name, version: uri.version });
      const r = await api("GET", "model-versions/get-download-uri", { name: uri.name, version: uri.version });
      return {
        name: uri.name,
        version: uri.version,
        artifactUri: String(r.artifact_uri),
        origin: versionOrigin(v.model_version as VersionFields | undefined),
      };
    }
    case "alias": {
      const r = await api("GET", "registered-models/alias", { name: uri.name, alias: uri.alias });
      const found = r.model_version as VersionFields;
      const version = String(found.version);
      const d = await api("GET", "model-versions/get-download-uri", { name: uri.name, version });
      return { name: uri.name, version, artifactUri: String(d.artifact_uri), origin: versionOrigin(found) };
    }
    case "stage": {
      const stages = uri.stage.toLowerCase() === "latest" ? [] : [uri.stage];
      const r = await api("POST", "registered-models/get-latest-versions", { name: uri.name, stages });
      const versions = (r.model_versions ?? []) as VersionFields[];
      const latest = versions.map((v) => Number(v.version)).sort((a, b) => b - a)[0];
      if (latest === undefined)
        throw new FlowgateError(
          "RESOURCE_DOES_NOT_EXIST",
          `No versions of model '${uri.name}' in stage '${uri.stage}'.`,
        );
      const d = await api("GET", "model-versions/get-download-uri", {
        name: uri.name,
        version: String(latest),
      });
      return {
        name: uri.name,
        version: String(latest),
        artifactUri: String(d.artifact_uri),
        origin: versionOrigin(versions.find((v) => Number(v.version) === latest)),
      };
    }
    case "run": {
      const r = await api("GET", "runs/get", { run_id: uri.runId });
      const info = (
        r.run as { info: { artifact_uri: string; start_time?: unknown; experiment_id?: unknown } }
      ).info;
      const base = String(info.artifact_uri);
      return {
        name: `run-${uri.runId}`,
        version: uri.path.replace(/\//g, "_"),
        artifactUri: `${base.replace(/\/$/, "")}/${uri.path}`,
        origin: {
          run_id: uri.runId,
          experiment_id: info.experiment_id ?? null,
          start_time: info.start_time ?? null,
        },
      };
    }
    case "local":
      throw new Error("unreachable");
  }
}

export async function callTracking(
  options: ModelCacheOptions,
  method: "GET" | "POST",
  route: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const tracking = options.trackingUri;
  if (tracking === undefined || !/^https?:\/\//.test(tracking)) {
    throw invalidParameter(
      "Resolving models:/ and runs:/ URIs needs --tracking-uri or MLFLOW_TRACKING_URI set to an http(s) server.",
    );
  }
  let url = `${tracking.replace(/\/$/, "")}${route}`;
  const init: RequestInit = {
    method,
    headers: options.authorization ? { authorization: options.authorization } : {},
  };
  if (method === "GET") url += `?${new URLSearchParams(args as Record<string, string>).toString()}`;
  else {
    init.body = JSON.stringify(args);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Tracking server ${tracking} is unreachable: ${(err as Error).message}`,
    );
  }
  if (response.status >= 500)
    throw new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Tracking server answered ${response.status} for ${route}.`,
    );
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new FlowgateError(
      response.status === 404 ? "RESOURCE_DOES_NOT_EXIST" : "INVALID_PARAMETER_VALUE",
      `Tracking server refused ${route}: ${typeof body.message === "string" ? body.message : `HTTP ${response.status}`}`,
    );
  }
  return body;
}
