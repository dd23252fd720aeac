// The native registry API's JSON, as the SDK returns it (see api/flowgate/registry-json.ts).

export interface HouseFieldsJson {
  team: string | null;
  owner: string | null;
  risk: string | null;
  pii: boolean | null;
  sla: string | null;
  deprecated: boolean | null;
  sunset_on: string | null;
}

export interface ModelVersionJson {
  name: string;
  version: number;
  stage: "None" | "Staging" | "Production" | "Archived";
  aliases: string[];
  description: string | null;
  source: string;
  storage_uri: string;
  run_id: string | null;
  model_id: string | null;
  run_link: string | null;
  status: "READY";
  tags: Record<string, string>;
  house: HouseFieldsJson;
  created_by: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface RegisteredModelJson {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  aliases: Array<{ alias: string; version: number }>;
  house: HouseFieldsJson;
  latest_versions: ModelVersionJson[];
  created_by: string | null;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

export interface ResolvedModelUriJson {
  uri: string;
  storage_uri: string;
  name: string | null;
  version: string | null;
  stage: string | null;
  alias: string | null;
  run_id: string | null;
  model_id: string | null;
}

export interface ModelInfoJson {
  name: string;
  version: number;
  storage_uri: string;
  flavors: Record<string, Record<string, unknown>>;
  signature: { inputs: unknown[] | null; outputs: unknown[] | null; params: unknown[] | null } | null;
  saved_input_example_info: Record<string, unknown> | null;
  size_bytes: number;
  requirements: string[];
  mlflow_version: string | null;
  model_uuid: string | null;
}
