// Reads a running MLflow server over its REST API (when its database is out of reach): experiments and
// runs by search with paging, each metric's full history by get-history, logged models (3.x), registered
// models and versions, and artifacts through the server's mlflow-artifacts proxy. What the API does not
// say (a run's deleted_time, a 2.x version's storage location) is filled with what MLflow itself uses.
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { LifecycleStage, Metric, RunStatus, Tag } from "../tracking/entities.js";
import { LOGGED_MODEL_STATUSES } from "../tracking/logged-model-store.js";
import { artifactRootPath } from "./artifact-copy.js";
import type {
  MlflowSource,
  SourceArtifactFile,
  SourceArtifacts,
  SourceExperiment,
  SourceLoggedModel,
  SourceModelVersion,
  SourceRegisteredModel,
  SourceRun,
} from "./mlflow-source.js";

/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-argument -- MLflow's JSON answers are read field by field, each converted explicitly */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type Json = any;

const PAGE = 1000;

const tags = (list: Json): Tag[] =>
  ((list ?? []) as Json[]).map((t) => ({ key: String(t.key), value: String(t.value ?? "") }));
const num = (v: unknown): number => (v === undefined || v === null ? 0 : Number(v));

export async function openMlflowRestSource(baseUri: string): Promise<MlflowSource> {
  if (!/^https?:\/\//.test(baseUri)) {
    throw invalidParameter(`Invalid --from-uri '${baseUri}': use the MLflow server's http(s)://host:port.`);
  }
  const base = baseUri.replace(/\/+$/, "");

  async function request(method: "GET" | "POST", route: string, body?: Json): Promise<Json> {
    const init: RequestInit =
      method === "GET"
        ? { method }
        : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    const res = await fetch(`${base}${route}`, init);
    if (res.status === 404) return undefined;
    const text = await res.text();
    if (!res.ok) {
      throw new FlowgateError(
        "INVALID_STATE",
        `MLflow at ${base} answered ${res.status} to ${route}: ${text.slice(0, 300)}`,
      );
    }
    return text === "" ? {} : JSON.parse(text);
  }
  const query = (args: Record<string, string | number | undefined>): string =>
    new URLSearchParams(
      Object.entries(args).flatMap(([k, v]): Array<[string, string]> =>
        v === undefined ? [] : [[k, String(v)]],
      ),
    ).toString();

  /** Every page of a search, joined. */
  async function paged(
    fetchPage: (token: string | undefined) => Promise<Json>,
    field: string,
  ): Promise<Json[]> {
    const out: Json[] = [];
    let token: string | undefined;
    do {
      const page = await fetchPage(token);
      if (page === undefined) return out;
      out.push(...((page[field] ?? []) as Json[]));
      token = page.next_page_token || undefined;
    } while (token !== undefined);
    return out;
  }

  const health = await fetch(`${base}/health`).catch((err: unknown) => {
    throw invalidParameter(`Cannot reach the MLflow server at ${base}: ${String(err)}.`);
  });
  if (!health.ok)
    throw invalidParameter(`The MLflow server at ${base} answered ${health.status} to /health.`);

  const loggedModelCache = new Map<string, Promise<Json[]>>();
  const loggedModelsJson = (experimentId: string): Promise<Json[]> => {
    let cached = loggedModelCache.get(experimentId);
    if (cached === undefined) {
      cached = paged(
        (page_token) =>
          request("POST", "/api/2.0/mlflow/logged-models/search", {
            experiment_ids: [experimentId],
            max_results: 100,
            ...(page_token === undefined ? {} : { page_token }),
          }),
        "models",
      );
      loggedModelCache.set(experimentId, cached);
    }
    return cached;
  };

  async function metricHistory(runId: string, key: string): Promise<Json[]> {
    return paged(
      (page_token) =>
        request(
          "GET",
          `/api/2.0/mlflow/metrics/get-history?${query({ run_id: runId, metric_key: key, max_results: 25000, page_token })}`,
        ),
      "metrics",
    );
  }

  async function toRun(r: Json, modelPoints: Map<string, Json>): Promise<SourceRun> {
    const info = r.info;
    const runId = String(info.run_id);
    const keys = ((r.data?.metrics ?? []) as Json[]).map((m) => String(m.key));
    const metrics: Metric[] = [];
    for (const key of keys) {
      for (const m of await metricHistory(runId, key)) {
        const model = modelPoints.get(`${runId}\u0000${key}\u0000${num(m.step)}\u0000${num(m.timestamp)}`);
        metrics.push({
          key,
          value: m.value === "NaN" ? NaN : Number(m.value),
          timestamp: num(m.timestamp),
          step: num(m.step),
          modelId: model === undefined ? null : String(model.model_id),
          datasetName: model?.dataset_name ?? null,
          datasetDigest: model?.dataset_digest ?? null,
        });
      }
    }
    return {
      runId,
      experimentId: String(info.experiment_id),
      runName: String(info.run_name ?? ""),
      userId: String(info.user_id ?? ""),
      status: String(info.status ?? "FINISHED") as RunStatus,
      startTime: num(info.start_time),
      endTime: info.end_time === undefined ? null : num(info.end_time),
      lifecycleStage: String(info.lifecycle_stage ?? "active") as LifecycleStage,
      // The API does not expose it; a deleted run counts from its end (as near as MLflow lets us see).
      deletedTime: info.lifecycle_stage === "deleted" ? num(info.end_time ?? info.start_time) : null,
      artifactUri: String(info.artifact_uri ?? ""),
      params: tags(r.data?.params),
      tags: tags(r.data?.tags),
      metrics,
      datasetInputs: ((r.inputs?.dataset_inputs ?? []) as Json[]).map((i) => ({
        tags: tags(i.tags),
        dataset: {
          name: String(i.dataset.name),
          digest: String(i.dataset.digest),
          sourceType: String(i.dataset.source_type),
          source: String(i.dataset.source),
          schema: i.dataset.schema ?? null,
          profile: i.dataset.profile ?? null,
        },
      })),
      modelInputs: ((r.inputs?.model_inputs ?? []) as Json[]).map((m) => String(m.model_id)),
      modelOutputs: ((r.outputs?.model_outputs ?? []) as Json[]).map((m) => ({
        modelId: String(m.model_id),
        step: num(m.step),
      })),
    };
  }

  const artifacts: SourceArtifacts = {
    async listFiles(uri) {
      const root = artifactRootPath(uri, undefined);
      if (root === undefined) {
        return {
          unreadable: `${uri} is not served by the MLflow server's artifact proxy (mlflow-artifacts:/)`,
        };
      }
      const out: SourceArtifactFile[] = [];
      const walk = async (rel: string): Promise<void> => {
        const at = [root, rel].filter((p) => p !== "").join("/");
        const page = await request("GET", `/api/2.0/mlflow-artifacts/artifacts?${query({ path: at })}`);
        for (const f of (page?.files ?? []) as Json[]) {
          const name = String(f.path).split("/").pop() ?? String(f.path);
          const child = rel === "" ? name : `${rel}/${name}`;
          if (f.is_dir === true) await walk(child);
          else out.push({ path: child, size: num(f.file_size) });
        }
      };
      await walk("");
      return out;
    },
    async open(uri, relativePath) {
      const root = artifactRootPath(uri, undefined) ?? "";
      const at = [root, relativePath].filter((p) => p !== "").join("/");
      const encoded = at.split("/").map(encodeURIComponent).join("/");
      const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${encoded}`);
      if (!res.ok || res.body === null) {
        throw new FlowgateError(
          "INVALID_STATE",
          `MLflow at ${base} answered ${res.status} to the download of ${at}.`,
        );
      }
      return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    },
  };

  return {
    description: base,
    artifacts,

    async experiments(): Promise<SourceExperiment[]> {
      const rows = await paged(
        (page_token) =>
          request("POST", "/api/2.0/mlflow/experiments/search", {
            max_results: PAGE,
            view_type: "ALL",
            ...(page_token === undefined ? {} : { page_token }),
          }),
        "experiments",
      );
      return rows
        .map((e) => ({
          experimentId: String(e.experiment_id),
          name: String(e.name),
          artifactLocation: String(e.artifact_location ?? ""),
          lifecycleStage: String(e.lifecycle_stage ?? "active") as LifecycleStage,
          creationTime: num(e.creation_time),
          lastUpdateTime: num(e.last_update_time ?? e.creation_time),
          tags: tags(e.tags),
        }))
        .sort((a, b) => Number(a.experimentId) - Number(b.experimentId));
    },

    async countRuns(experimentId) {
      // The API has no count: the progress total is learnt page by page (see runs()).
      void experimentId;
      return 0;
    },

    async *runs(experimentId) {
      const modelPoints = new Map<string, Json>();
      for (const m of await loggedModelsJson(experimentId)) {
        for (const p of (m.data?.metrics ?? []) as Json[]) {
          modelPoints.set(
            `${String(p.run_id)}\u0000${String(p.key)}\u0000${num(p.step)}\u0000${num(p.timestamp)}`,
            {
              ...p,
              model_id: m.info.model_id,
            },
          );
        }
      }
      let token: string | undefined;
      do {
        const page = await request("POST", "/api/2.0/mlflow/runs/search", {
          experiment_ids: [experimentId],
          run_view_type: "ALL",
          max_results: PAGE,
          order_by: ["attributes.start_time ASC"],
          ...(token === undefined ? {} : { page_token: token }),
        });
        const runs = (page?.runs ?? []) as Json[];
        if (runs.length > 0) {
          const batch: SourceRun[] = [];
          for (const r of runs) batch.push(await toRun(r, modelPoints));
          yield batch;
        }
        token = page?.next_page_token || undefined;
      } while (token !== undefined);
    },

    async loggedModels(experimentId): Promise<SourceLoggedModel[]> {
      return (await loggedModelsJson(experimentId)).map((m) => {
        const info = m.info;
        const status = LOGGED_MODEL_STATUSES.indexOf(info.status);
        return {
          modelId: String(info.model_id),
          experimentId: String(info.experiment_id),
          name: String(info.name),
          artifactLocation: String(info.artifact_uri),
          creationTimestampMs: num(info.creation_timestamp_ms),
          lastUpdatedTimestampMs: num(info.last_updated_timestamp_ms ?? info.creation_timestamp_ms),
          status: status < 0 ? 0 : status,
          lifecycleStage: "active",
          modelType: info.model_type ?? null,
          sourceRunId: info.source_run_id ?? null,
          statusMessage: info.status_message ?? null,
          tags: tags(info.tags),
          params: tags(m.data?.params),
        };
      });
    },

    async registeredModels(): Promise<SourceRegisteredModel[]> {
      const models = await paged(
        (page_token) =>
          request(
            "GET",
            `/api/2.0/mlflow/registered-models/search?${query({ max_results: PAGE, page_token })}`,
          ),
        "registered_models",
      );
      const out: SourceRegisteredModel[] = [];
      for (const m of models) {
        const name = String(m.name);
        const quoted = name.includes("'") ? `"${name}"` : `'${name}'`;
        const versions = await paged(
          (page_token) =>
            request(
              "GET",
              `/api/2.0/mlflow/model-versions/search?${query({ filter: `name=${quoted}`, max_results: PAGE, page_token })}`,
            ),
          "model_versions",
        );
        const sourceVersions: SourceModelVersion[] = [];
        for (const v of versions) sourceVersions.push(await toVersion(v));
        out.push({
          name,
          creationTimestamp: num(m.creation_timestamp),
          lastUpdatedTimestamp: num(m.last_updated_timestamp ?? m.creation_timestamp),
          description: m.description ?? null,
          tags: tags(m.tags),
          aliases: ((m.aliases ?? []) as Json[]).map((a) => ({
            alias: String(a.alias),
            version: num(a.version),
          })),
          versions: sourceVersions.sort((a, b) => a.version - b.version),
        });
      }
      return out.sort((a, b) => a.creationTimestamp - b.creationTimestamp || a.name.localeCompare(b.name));
    },

    close: () => Promise.resolve(),
  };

  async function toVersion(v: Json): Promise<SourceModelVersion> {
    const source = String(v.source ?? "");
    let storageLocation: string | null = null;
    const modelId = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source)?.[1];
    if (modelId !== undefined) {
      // A 3.x source names the logged model: its files are where the logged model keeps them.
      const lm = await request("GET", `/api/2.0/mlflow/logged-models/${modelId}`);
      storageLocation = lm?.model?.info?.artifact_uri ?? null;
    }
    return {
      version: num(v.version),
      creationTimestamp: num(v.creation_timestamp),
      lastUpdatedTimestamp: num(v.last_updated_timestamp ?? v.creation_timestamp),
      description: v.description ?? null,
      userId: v.user_id ?? null,
      currentStage: String(v.current_stage ?? "None"),
      source,
      storageLocation,
      runId: v.run_id || null,
      runLink: v.run_link || null,
      status: String(v.status ?? "READY"),
      statusMessage: v.status_message ?? null,
      tags: tags(v.tags),
    };
  }
}
