// A small typed client for the registry: the native API (`/api/flowgate/v1`) for reads the MLflow API
// cannot express, and MLflow's own routes for stage moves and aliases — so a change through the SDK passes
// exactly the checks a change from the mlflow client does.
import { createHttpClient, type HttpClientOptions } from "./http-client.js";
import type {
  HouseFieldsJson,
  ModelInfoJson,
  ModelVersionJson,
  RegisteredModelJson,
  ResolvedModelUriJson,
} from "./registry-types.js";

const V1 = "/api/flowgate/v1";
const MLFLOW = "/api/2.0/mlflow";

export interface LineageQuery {
  param?: string | undefined;
  tag?: string | undefined;
}

export interface RegistryClient {
  listModels(opts?: {
    filter?: string;
    maxResults?: number;
    pageToken?: string;
  }): Promise<{ registered_models: RegisteredModelJson[]; next_page_token: string | null }>;
  getModel(name: string): Promise<RegisteredModelJson>;
  createModel(
    name: string,
    opts?: { description?: string; tags?: Record<string, string> },
  ): Promise<{ registered_model: RegisteredModelJson; warnings: string[]; suggested_name: string | null }>;
  listVersions(name: string): Promise<ModelVersionJson[]>;
  getVersion(name: string, version: number): Promise<ModelVersionJson>;
  transitionStage(
    name: string,
    version: number,
    stage: string,
    archiveExistingVersions?: boolean,
  ): Promise<void>;
  setAlias(name: string, alias: string, version: number): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  /** Sets (value) or clears (null) house fields of a model, or of one version when given. */
  setHouseFields(name: string, fields: Partial<HouseFieldsJson>, version?: number): Promise<void>;
  resolveModelUri(uri: string): Promise<ResolvedModelUriJson>;
  modelInfo(name: string, version: number): Promise<ModelInfoJson>;
  lineage(query: LineageQuery): Promise<ModelVersionJson[]>;
  versionsPastSunset(asOf?: string): Promise<Array<ModelVersionJson & { sunset_on: string }>>;
}

const enc = encodeURIComponent;

export function createRegistryClient(options: HttpClientOptions): RegistryClient {
  const http = createHttpClient(options);
  return {
    listModels: (opts = {}) =>
      http.get(`${V1}/registered-models`, {
        filter: opts.filter,
        max_results: opts.maxResults,
        page_token: opts.pageToken,
      }),
    getModel: async (name) =>
      (await http.get<{ registered_model: RegisteredModelJson }>(`${V1}/registered-models/${enc(name)}`))
        .registered_model,
    createModel: (name, opts = {}) =>
      http.send("POST", `${V1}/registered-models`, { name, description: opts.description, tags: opts.tags }),
    listVersions: async (name) =>
      (
        await http.get<{ model_versions: ModelVersionJson[] }>(
          `${V1}/registered-models/${enc(name)}/versions`,
        )
      ).model_versions,
    getVersion: async (name, version) =>
      (
        await http.get<{ model_version: ModelVersionJson }>(
          `${V1}/registered-models/${enc(name)}/versions/${version}`,
        )
      ).model_version,
    transitionStage: async (name, version, stage, archiveExistingVersions = false) => {
      await http.send("POST", `${MLFLOW}/model-versions/transition-stage`, {
        name,
        version: String(version),
        stage,
        archive_existing_versions: archiveExistingVersions,
      });
    },
    setAlias: async (name, alias, version) => {
      await http.send("POST", `${MLFLOW}/registered-models/alias`, { name, alias, version: String(version) });
    },
    deleteAlias: async (name, alias) => {
      await http.send("DELETE", `${MLFLOW}/registered-models/alias`, { name, alias });
    },
    setHouseFields: async (name, fields, version) => {
      const path =
        version === undefined
          ? `${V1}/registered-models/${enc(name)}/house`
          : `${V1}/registered-models/${enc(name)}/versions/${version}/house`;
      await http.send("PATCH", path, fields);
    },
    resolveModelUri: (uri) => http.get(`${V1}/model-uris/resolve`, { uri }),
    modelInfo: (name, version) =>
      http.get(`${V1}/registered-models/${enc(name)}/versions/${version}/model-info`),
    lineage: async (query) =>
      (await http.get<{ model_versions: ModelVersionJson[] }>(`${V1}/lineage`, { ...query })).model_versions,
    versionsPastSunset: async (asOf) =>
      (
        await http.get<{ model_versions: Array<ModelVersionJson & { sunset_on: string }> }>(
          `${V1}/registry/sunset`,
          {
            as_of: asOf,
          },
        )
      ).model_versions,
  };
}
