// What an import reads from an MLflow server, whatever it reads it through (its database, or its REST API):
// MLflow's entities in Flowgate's vocabulary, so the writer has one input shape. Ids are MLflow's own.
import type { Readable } from "node:stream";
import type { DatasetInput, LifecycleStage, Metric, RunStatus, Tag } from "../tracking/entities.js";

export interface SourceExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface SourceRun {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  deletedTime: number | null;
  artifactUri: string;
  params: Tag[];
  tags: Tag[];
  /** The full history of every key; a point also logged to a logged model carries its modelId. */
  metrics: Metric[];
  datasetInputs: DatasetInput[];
  modelInputs: string[];
  modelOutputs: Array<{ modelId: string; step: number }>;
}

export interface SourceLoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  /** MLflow's LoggedModelStatus number (1 pending, 2 ready, 3 failed). */
  status: number;
  lifecycleStage: LifecycleStage;
  modelType: string | null;
  sourceRunId: string | null;
  statusMessage: string | null;
  tags: Tag[];
  params: Tag[];
}

export interface SourceModelVersion {
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  userId: string | null;
  currentStage: string;
  source: string;
  /** Where the files are; MLflow 2.x leaves it empty (then it is the source). */
  storageLocation: string | null;
  runId: string | null;
  runLink: string | null;
  status: string;
  statusMessage: string | null;
  tags: Tag[];
}

export interface SourceRegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  tags: Tag[];
  aliases: Array<{ alias: string; version: number }>;
  versions: SourceModelVersion[];
}

/** One entry of an artifact listing, with its path relative to the listed artifact URI. */
export interface SourceArtifactFile {
  path: string;
  size: number;
}

/** Reads the files under an MLflow artifact URI; `undefined` when this source cannot reach that URI. */
export interface SourceArtifacts {
  /** Every file under `uri`, recursively; undefined when the URI is not readable here (with the reason). */
  listFiles(uri: string): Promise<SourceArtifactFile[] | { unreadable: string }>;
  open(uri: string, relativePath: string): Promise<Readable>;
}

export interface MlflowSource {
  /** For the report: where the data comes from (no password). */
  readonly description: string;
  experiments(): Promise<SourceExperiment[]>;
  /** The runs of an experiment, in batches, oldest first. */
  runs(experimentId: string): AsyncIterable<SourceRun[]>;
  /** How many runs an experiment has (for the progress bar). */
  countRuns(experimentId: string): Promise<number>;
  /** MLflow 3 logged models of an experiment (none on 2.x). */
  loggedModels(experimentId: string): Promise<SourceLoggedModel[]>;
  registeredModels(): Promise<SourceRegisteredModel[]>;
  readonly artifacts: SourceArtifacts;
  close(): Promise<void>;
}

/** `models:/m-<id>` (MLflow 3 sources name the logged model) → the model id. */
export function loggedModelIdOfSource(source: string): string | null {
  const match = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source);
  return match?.[1] ?? null;
}
