// The registry's domain types: registered models, their versions, stages and aliases. Rows become these
// only in sql-registry-store.ts; these become MLflow wire JSON only in api/**/*.routes.ts.

/** The four stages MLflow knows, in canonical case (the order get-latest-versions answers in). */
export const STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type Stage = (typeof STAGES)[number];

/** The stored stage of a soft-deleted version (as MLflow): hidden from every read. */
export const DELETED_STAGE = "Deleted_Internal";

export interface ModelAlias {
  alias: string;
  version: number;
}

export interface ModelVersion {
  registeredModelId: number;
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  userId: string | null;
  currentStage: Stage;
  /** The source exactly as the client sent it (e.g. `models:/m-…`). */
  source: string;
  /** Where the files are: an `mlflow-artifacts:/…` URI inside this server's store. */
  storageLocation: string;
  runId: string | null;
  runLink: string | null;
  /** Always READY: registration is synchronous (a missing status makes the client poll for 300 s). */
  status: "READY";
  statusMessage: string | null;
  modelId: string | null;
  tags: Record<string, string>;
  aliases: string[];
}

export interface RegisteredModel {
  id: number;
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  userId: string | null;
  tags: Record<string, string>;
  aliases: ModelAlias[];
  /** The highest non-deleted version in each stage that has one. */
  latestVersions: ModelVersion[];
}

/** A run, as far as the registry needs one (source checks and lineage). */
export interface RunRef {
  runId: string;
  experimentId: number;
  artifactUri: string;
  lifecycleStage: string;
}

/** A 3.x logged model, as far as the registry needs one (`models:/m-…` sources). */
export interface LoggedModelRef {
  modelId: string;
  artifactLocation: string;
  sourceRunId: string | null;
  tags: Record<string, string>;
}
