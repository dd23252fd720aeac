// Flowgate's native registry API (`/api/flowgate/v1/…`): what the MLflow API cannot say — model URI
// resolution for serving, a version's model info (flavors, signature, size, requirements) without a
// download, lineage in one call, the name lint at create, house tag fields and the sunset report.
import { readAccessOfRequest } from "../auth-guard.js";
import { keep, visibleModel, visibleModels, visibleVersions } from "../../governance/visible.js";
import type { FastifyRequest } from "fastify";
import { invalidParameter } from "../../core/errors.js";
import type { ArtifactRepository } from "../../artifacts/artifact-repo.js";
import { readModelInfo } from "../../models/model-info.js";
import { setHouseFields, versionsPastSunset, type HouseFieldsPatch } from "../../registry/hygiene.js";
import { findLineage, parseKeyValue } from "../../registry/lineage.js";
import { resolveModelUri } from "../../registry/model-uri.js";
import type { RegistryDeps } from "../../registry/registry-deps.js";
import {
  createRegisteredModel,
  getRegisteredModel,
  searchRegisteredModels,
} from "../../registry/registered-models.js";
import { getModelVersion, searchModelVersions } from "../../registry/versions.js";
import { contextOf } from "../mlflow/mlflow-router.js";
import {
  optionalInt,
  optionalString,
  requestArgs,
  requiredString,
  type WireArgs,
} from "../mlflow/wire-input.js";
import type { RoutePlugin } from "../server.js";
import { houseJson, modelJson, versionJson } from "./registry-json.js";
import * as N from "./schemas/native.js";
import { withSchema } from "../openapi/route-schema.js";

const V1 = "/api/flowgate/v1";

function argsOf(request: FastifyRequest): WireArgs {
  return requestArgs(request);
}

function versionParam(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw invalidParameter(`Invalid version '${raw}': a model version is a positive integer.`);
  }
  return Number(raw);
}

/** The house fields of a PATCH body (snake_case as in responses); unknown keys are refused. */
function housePatch(body: unknown): HouseFieldsPatch {
  const b = (body ?? {}) as Record<string, unknown>;
  const known = ["team", "owner", "risk", "pii", "sla", "deprecated", "sunset_on"];
  const unknown = Object.keys(b).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw invalidParameter(`Unknown house field(s) ${unknown.join(", ")}: use ${known.join(", ")}.`);
  }
  return {
    team: b.team as HouseFieldsPatch["team"],
    owner: b.owner as HouseFieldsPatch["owner"],
    risk: b.risk as HouseFieldsPatch["risk"],
    pii: b.pii as HouseFieldsPatch["pii"],
    sla: b.sla as HouseFieldsPatch["sla"],
    deprecated: b.deprecated as HouseFieldsPatch["deprecated"],
    sunsetOn: b.sunset_on as HouseFieldsPatch["sunsetOn"],
  };
}

function stringTags(value: unknown): Array<{ key: string; value: string }> {
  if (value === undefined || value === null) return [];
  if (typeof value !== "object" || Array.isArray(value)) {
    throw invalidParameter("Invalid 'tags': it must be an object of string values.");
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (typeof v !== "string") throw invalidParameter(`Invalid value for tag '${key}': it must be a string.`);
    return { key, value: v };
  });
}

export function flowgateRegistryRoutes(deps: RegistryDeps, artifacts: ArtifactRepository): RoutePlugin {
  return (app) => {
    app.post(
      `${V1}/registered-models`,
      withSchema("POST", `${V1}/registered-models`, N.createModel),
      async (request) => {
        const args = argsOf(request);
        const { model, lint } = await createRegisteredModel(deps, contextOf(request), {
          name: requiredString(args, "name"),
          description: optionalString(args, "description"),
          tags: stringTags(args.tags),
        });
        return {
          registered_model: modelJson(model),
          warnings: lint.warnings,
          suggested_name: lint.suggestedName ?? null,
        };
      },
    );

    app.get(
      `${V1}/registered-models`,
      withSchema("GET", `${V1}/registered-models`, N.listModels),
      async (request) => {
        const args = argsOf(request);
        const search = {
          filter: optionalString(args, "filter"),
          maxResults: optionalInt(args, "max_results"),
          pageToken: optionalString(args, "page_token"),
        };
        const page = await visibleModels(readAccessOfRequest(request), search, (p) =>
          searchRegisteredModels(deps, { ...search, ...p }),
        );
        return { registered_models: page.items.map(modelJson), next_page_token: page.nextPageToken ?? null };
      },
    );

    app.get<{ Params: { name: string } }>(
      `${V1}/registered-models/:name`,
      withSchema("GET", `${V1}/registered-models/:name`, N.getModel),
      async (request) => ({
        registered_model: modelJson(
          await visibleModel(
            readAccessOfRequest(request),
            await getRegisteredModel(deps, request.params.name),
          ),
        ),
      }),
    );

    app.patch<{ Params: { name: string } }>(
      `${V1}/registered-models/:name/house`,
      withSchema("PATCH", `${V1}/registered-models/:name/house`, N.setModelHouse),
      async (request) => {
        await setHouseFields(deps, contextOf(request), {
          name: request.params.name,
          fields: housePatch(request.body),
        });
        return { registered_model: modelJson(await getRegisteredModel(deps, request.params.name)) };
      },
    );

    app.patch<{ Params: { name: string; version: string } }>(
      `${V1}/registered-models/:name/versions/:version/house`,
      withSchema("PATCH", `${V1}/registered-models/:name/versions/:version/house`, N.setVersionHouse),
      async (request) => {
        const version = versionParam(request.params.version);
        await setHouseFields(deps, contextOf(request), {
          name: request.params.name,
          version,
          fields: housePatch(request.body),
        });
        const model = await getRegisteredModel(deps, request.params.name);
        return { model_version: versionJson(await getModelVersion(deps, model.name, version), model.tags) };
      },
    );

    app.get<{ Params: { name: string } }>(
      `${V1}/registered-models/:name/versions`,
      withSchema("GET", `${V1}/registered-models/:name/versions`, N.listVersions),
      async (request) => {
        const model = await getRegisteredModel(deps, request.params.name);
        const page = await searchModelVersions(deps, {
          filter: `name = '${model.name.replaceAll("'", "''")}'`,
          orderBy: ["version_number DESC"],
        });
        const visible = await visibleVersions(readAccessOfRequest(request), page.items);
        return { model_versions: visible.map((v) => versionJson(v, model.tags)) };
      },
    );

    app.get<{ Params: { name: string; version: string } }>(
      `${V1}/registered-models/:name/versions/:version`,
      withSchema("GET", `${V1}/registered-models/:name/versions/:version`, N.getVersion),
      async (request) => {
        const model = await getRegisteredModel(deps, request.params.name);
        const version = await getModelVersion(deps, model.name, versionParam(request.params.version));
        return { model_version: versionJson(version, model.tags) };
      },
    );

    app.get<{ Params: { name: string; version: string } }>(
      `${V1}/registered-models/:name/versions/:version/model-info`,
      withSchema("GET", `${V1}/registered-models/:name/versions/:version/model-info`, N.modelInfo),
      async (request) => {
        const version = await getModelVersion(
          deps,
          request.params.name,
          versionParam(request.params.version),
        );
        const info = await readModelInfo(artifacts, version.storageLocation);
        const m = info.mlmodel;
        return {
          name: version.name,
          version: version.version,
          storage_uri: version.storageLocation,
          flavors: m.flavors,
          signature: m.signature,
          saved_input_example_info: m.savedInputExampleInfo,
          size_bytes: info.sizeBytes,
          requirements: info.requirements,
          mlflow_version: m.mlflowVersion,
          model_uuid: m.modelUuid,
          model_id: m.modelId,
          run_id: m.runId,
          utc_time_created: m.utcTimeCreated,
          python_function: m.pyfunc,
        };
      },
    );

    app.get(
      `${V1}/model-uris/resolve`,
      withSchema("GET", `${V1}/model-uris/resolve`, N.resolveModelUri),
      async (request) => {
        const uri = requiredString(argsOf(request), "uri");
        const r = await resolveModelUri(deps.store, deps.database.db, uri);
        return {
          uri: r.uri,
          storage_uri: r.storageUri,
          name: r.name ?? null,
          version: r.version === undefined ? null : String(r.version),
          stage: r.stage ?? null,
          alias: r.alias ?? null,
          run_id: r.runId ?? null,
          model_id: r.modelId ?? null,
        };
      },
    );

    app.get(`${V1}/lineage`, withSchema("GET", `${V1}/lineage`, N.lineage), async (request) => {
      const args = argsOf(request);
      const tag = optionalString(args, "tag");
      const param = optionalString(args, "param");
      if ((tag === undefined) === (param === undefined)) {
        throw invalidParameter("Give exactly one of 'tag' or 'param', as <key>=<value>.");
      }
      const kind = tag !== undefined ? "tag" : "param";
      const { key, value } = parseKeyValue(tag ?? param ?? "", kind);
      const versions = await visibleVersions(
        readAccessOfRequest(request),
        await findLineage(deps, { kind, key, value }),
      );
      return { query: { kind, key, value }, model_versions: versions.map((v) => versionJson(v)) };
    });

    app.get(
      `${V1}/registry/sunset`,
      withSchema("GET", `${V1}/registry/sunset`, N.sunset),
      async (request) => {
        const asOf =
          optionalString(argsOf(request), "as_of") ?? new Date(deps.clock.now()).toISOString().slice(0, 10);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf))
          throw invalidParameter(`Invalid as_of '${asOf}': use YYYY-MM-DD.`);
        const access = readAccessOfRequest(request);
        const entries = await keep(await versionsPastSunset(deps, asOf), (e) => access.version(e.version));
        return {
          as_of: asOf,
          model_versions: entries.map((e) => ({
            ...versionJson(e.version),
            house: houseJson(e.fields),
            sunset_on: e.sunsetOn,
          })),
        };
      },
    );
  };
}
