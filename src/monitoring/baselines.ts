// Baselines: one reference profile per model version, set from a profile a client built (CLI --data), or
// built here from what the version already carries: its input example, or the training dataset its run
// logged with mlflow.log_input (when that source is a file the server can read: an artifact of this store,
// or a local .csv/.parquet path). Setting one writes the audit record in the same transaction.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import type { Clock } from "../core/clock.js";
import { FlowgateError, invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import { readModelInfo } from "../models/model-info.js";
import type { RegistryDeps } from "../registry/registry-deps.js";
import type { ModelVersion } from "../registry/entities.js";
import { versionFilesUri } from "../registry/version-files.js";
import { getModelVersion } from "../registry/versions.js";
import type { DatasetStore, RunDataset } from "../tracking/sql-dataset-store.js";
import type { Baseline, DatasetProfile, ProfileSource } from "./monitoring.js";
import type { MonitoringStore } from "./monitoring-store.js";
import { profileFromFile, profileFromRows, validateProfile } from "./profile/profile-files.js";

export type BuildFrom = "input_example" | "dataset";
export const BUILD_FROM: readonly BuildFrom[] = ["input_example", "dataset"];

/** An input example is a few rows; a file this large is not one. */
const MAX_INPUT_EXAMPLE_BYTES = 16 * 1024 * 1024;
const CONTEXT_TAG = "mlflow.data.context";

export interface BaselineService {
  /** Stores `profile` (validated) as the version's baseline, replacing any; audited. */
  set(ctx: RequestContext, model: string, version: string, profile: unknown): Promise<Baseline>;
  /** The version's baseline; RESOURCE_DOES_NOT_EXIST when the version or its baseline is missing. */
  get(model: string, version: string): Promise<Baseline>;
  /** The version's baseline, or undefined (no baseline, no such version): what the monitor asks. */
  find(model: string, version: string): Promise<Baseline | undefined>;
  /** Builds the baseline on the server from the version's input example or its run's training dataset. */
  build(ctx: RequestContext, model: string, version: string, from: unknown): Promise<Baseline>;
}

export interface BaselineServiceDeps {
  registry: RegistryDeps;
  store: MonitoringStore;
  datasets: Pick<DatasetStore, "runDatasets">;
  artifacts: ArtifactRepository;
  /** A run's artifact root URI (to read `runs:/<id>/<path>` dataset sources). */
  runArtifactUri(runId: string): Promise<string | undefined>;
  /**
   * Whether a dataset source may be a path on the server's host. Off when auth is on: any user who may log a
   * run could otherwise name any file the server can read and see its contents summarized in a profile.
   */
  readLocalFiles: boolean;
  audit: AuditLog;
  clock: Clock;
}

export function versionNumber(raw: string): number {
  if (!/^[1-9]\d{0,8}$/.test(raw)) {
    throw invalidParameter(`Invalid version '${raw.slice(0, 40)}': a model version is a positive integer.`);
  }
  return Number(raw);
}

function isMissing(err: unknown): boolean {
  return err instanceof FlowgateError && err.code === "RESOURCE_DOES_NOT_EXIST";
}

/** The training dataset among a run's inputs: the one logged with context "training", else the only one. */
function trainingDataset(runId: string, inputs: RunDataset[]): RunDataset {
  const context = (d: RunDataset) => d.tags.find((t) => t.key === CONTEXT_TAG)?.value;
  const training = inputs.filter((d) => context(d) === "training");
  const chosen = training.length >= 1 ? training : inputs;
  if (chosen.length === 1) return chosen[0] as RunDataset;
  if (chosen.length === 0) {
    throw invalidParameter(
      `Run ${runId} logged no dataset (mlflow.log_input): log the training data with ` +
        `context="training", or set the baseline from a file (--data) or the input example.`,
    );
  }
  throw invalidParameter(
    `Run ${runId} logged ${chosen.length} datasets (${chosen.map((d) => d.name).join(", ")}) and none ` +
      `alone with context "training": log one with context="training", or set the baseline from a file (--data).`,
  );
}

/** The URI in a dataset source's JSON ({"uri": …} for files, {"url": …} for HTTP sources). */
function sourceUri(d: RunDataset): string | undefined {
  try {
    const parsed = JSON.parse(d.source) as Record<string, unknown>;
    const uri = parsed.uri ?? parsed.url ?? parsed.path;
    return typeof uri === "string" && uri !== "" ? uri : undefined;
  } catch {
    return undefined;
  }
}

export function createBaselineService(deps: BaselineServiceDeps): BaselineService {
  const { registry, store, artifacts, audit, clock } = deps;
  const db = () => registry.database.db;

  const modelVersion = (model: string, version: string) =>
    getModelVersion(registry, model, versionNumber(version));

  async function save(ctx: RequestContext, v: ModelVersion, profile: DatasetProfile): Promise<Baseline> {
    const stored = {
      modelId: v.registeredModelId,
      version: v.version,
      profile,
      createdAt: clock.now(),
      createdBy: ctx.actor,
    };
    await registry.database.transaction(async (trx) => {
      await store.putBaseline(trx, stored);
      await audit.record(trx, ctx, {
        action: "monitoring.baseline_set",
        targetType: "model_version",
        targetId: `${v.name}/${v.version}`,
        after: { rows: profile.rows, columns: Object.keys(profile.columns), source: profile.source },
      });
    });
    return {
      model: v.name,
      version: String(v.version),
      profile,
      createdAt: stored.createdAt,
      createdBy: stored.createdBy,
    };
  }

  async function find(model: string, version: string): Promise<Baseline | undefined> {
    if (!/^[1-9]\d{0,8}$/.test(version)) return undefined;
    const id = await registry.store.modelId(db(), model);
    const b = id === undefined ? undefined : await store.getBaseline(db(), id, Number(version));
    if (b === undefined) return undefined;
    return {
      model,
      version: String(b.version),
      profile: b.profile,
      createdAt: b.createdAt,
      createdBy: b.createdBy,
    };
  }

  /** Copies an artifact-store file to a temporary file (Parquet is read by random access) and profiles it. */
  async function profileOfArtifact(storePath: string, source: ProfileSource): Promise<DatasetProfile> {
    const dir = await mkdtemp(path.join(tmpdir(), "flowgate-baseline-"));
    try {
      const file = path.join(dir, path.basename(storePath));
      const opened = await artifacts.get(storePath);
      await pipeline(opened.stream, createWriteStream(file));
      return await profileFromFile(file, { source });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function fromInputExample(v: ModelVersion): Promise<DatasetProfile> {
    const uri = await versionFilesUri(registry, v.name, v.version);
    const info = await readModelInfo(artifacts, uri);
    const example = info.mlmodel.savedInputExampleInfo;
    const source: ProfileSource =
      v.runId === null ? { kind: "input_example" } : { kind: "input_example", runId: v.runId };
    if (example === null) {
      throw invalidParameter(
        `Model version '${v.name}' version ${v.version} has no input example (log the model with ` +
          "input_example=…, or set the baseline from a file with --data).",
      );
    }
    const file = `${artifactUriPath(uri, "storage location")}/${example.artifactPath}`;
    const opened = await artifacts.get(file).catch((err: unknown) => {
      if (isMissing(err))
        throw invalidParameter(`The input example ${example.artifactPath} was not uploaded with the model.`);
      throw err;
    });
    if (opened.size > MAX_INPUT_EXAMPLE_BYTES) {
      opened.stream.destroy();
      throw invalidParameter(
        `The input example is larger than 16 MB; set the baseline from a file with --data.`,
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of opened.stream) chunks.push(chunk as Buffer);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw invalidParameter(`The input example ${example.artifactPath} is not valid JSON.`);
    }
    return profileFromRows(parsed, source);
  }

  async function fromDataset(v: ModelVersion): Promise<DatasetProfile> {
    if (v.runId === null) {
      throw invalidParameter(
        `Model version '${v.name}' version ${v.version} has no run, so no logged dataset: set the baseline ` +
          "from a file (--data) or the input example.",
      );
    }
    const d = trainingDataset(v.runId, await deps.datasets.runDatasets(db(), v.runId));
    const source: ProfileSource = { kind: "dataset", name: d.name, digest: d.digest, runId: v.runId };
    const uri = sourceUri(d);
    const unreadable = (why: string) =>
      invalidParameter(
        `Run ${v.runId}'s training dataset '${d.name}' (source type ${d.sourceType}${uri === undefined ? "" : `, ${uri}`}) ` +
          `cannot be read by the server: ${why}. Set the baseline from a copy of the data with --data instead.`,
      );
    if (uri === undefined) throw unreadable("its source names no file");
    // Artifacts are read from the version's own run only: naming another run's files would read data the
    // caller may not be allowed to see.
    const runs = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
    if (runs !== null || /^mlflow-artifacts:/i.test(uri)) {
      const root = await deps.runArtifactUri(v.runId);
      const rootPath = root === undefined ? undefined : artifactUriPath(root, "run artifact root");
      const file =
        runs !== null
          ? runs[1] === v.runId && rootPath !== undefined
            ? `${rootPath}/${runs[2]}`
            : undefined
          : artifactUriPath(uri, "dataset source");
      if (file === undefined || rootPath === undefined || !file.startsWith(`${rootPath}/`)) {
        throw unreadable(`only artifacts of the version's own run ${v.runId} are read`);
      }
      return profileOfArtifact(file, source).catch(rethrow);
    }
    const local = uri.startsWith("file://") ? fileURLToPath(uri) : uri.startsWith("/") ? uri : undefined;
    if (local === undefined)
      throw unreadable("only local files and artifacts of this server's store are read");
    if (!deps.readLocalFiles) {
      throw unreadable(
        "with auth on, the server reads no local path a run names (only files in its artifact store)",
      );
    }
    if (!/\.(csv|parquet)$/i.test(local)) throw unreadable("only .csv and .parquet files are read");
    return profileFromFile(local, { source }).catch(rethrow);

    function rethrow(err: unknown): never {
      if (err instanceof FlowgateError && err.code !== "RESOURCE_DOES_NOT_EXIST") throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (isMissing(err) || code === "ENOENT") throw unreadable("the file does not exist");
      if (code === "EACCES" || code === "EISDIR") throw unreadable(`the file cannot be opened (${code})`);
      throw err;
    }
  }

  return {
    async set(ctx, model, version, profile) {
      const valid = validateProfile(profile);
      return save(ctx, await modelVersion(model, version), valid);
    },
    async get(model, version) {
      const v = await modelVersion(model, version);
      const found = await find(v.name, String(v.version));
      if (found === undefined) {
        throw notFound(
          `Model version '${v.name}' version ${v.version} has no baseline: set one with ` +
            "flowgate monitor baseline set (from a file, the input example or the run's dataset).",
        );
      }
      return found;
    },
    find,
    async build(ctx, model, version, from) {
      if (typeof from !== "string" || !(BUILD_FROM as readonly string[]).includes(from)) {
        throw invalidParameter(
          `Invalid from '${String(from).slice(0, 40)}': one of ${BUILD_FROM.join(", ")}.`,
        );
      }
      const v = await modelVersion(model, version);
      const profile = from === "input_example" ? await fromInputExample(v) : await fromDataset(v);
      return save(ctx, v, profile);
    },
  };
}
