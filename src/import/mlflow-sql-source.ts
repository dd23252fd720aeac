// Reads an MLflow tracking + registry database directly with SQL (better-sqlite3 or pg), the schema of
// MLflow 2.x and 3.x (mlflow/store/tracking/dbmodels/models.py, model_registry/dbmodels/models.py): the
// tables and columns both have, plus 3.x's logged_models, logged_model_* and inputs.step when present.
// Read only: the source database is never written to.
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { invalidParameter } from "../core/errors.js";
import type { LifecycleStage, Metric, RunStatus, Tag } from "../tracking/entities.js";
import type {
  MlflowSource,
  SourceArtifacts,
  SourceExperiment,
  SourceLoggedModel,
  SourceRegisteredModel,
  SourceRun,
} from "./mlflow-source.js";

// Driver values: strings, numbers, bigints, booleans or null, never objects.
type Scalar = string | number | bigint | boolean;
type Row = Record<string, Scalar | null>;

/** One SQL call with `?` placeholders, on whichever engine holds the MLflow database. */
interface SqlReader {
  all(query: string, params?: readonly unknown[]): Promise<Row[]>;
  tables(): Promise<Set<string>>;
  columns(table: string): Promise<Set<string>>;
  close(): Promise<void>;
}

const RUN_BATCH = 200;

function sqliteReader(uri: string): SqlReader {
  const rest = uri.slice("sqlite://".length);
  if (!rest.startsWith("/") || rest === "/") {
    throw invalidParameter(`Invalid MLflow SQLite URI '${uri}': use sqlite:///<path>.`);
  }
  const db = new SqliteDatabase(rest.slice(1), { readonly: true, fileMustExist: true });
  return {
    all: (query, params = []) => Promise.resolve(db.prepare(query).all(...params) as Row[]),
    tables: () =>
      Promise.resolve(
        new Set(
          (db.prepare("select name from sqlite_master where type = 'table'").all() as Row[]).map((r) =>
            String(r.name),
          ),
        ),
      ),
    columns: (table) =>
      Promise.resolve(
        new Set((db.prepare(`pragma table_info(${table})`).all() as Row[]).map((r) => String(r.name))),
      ),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

function postgresReader(uri: string): SqlReader {
  const pool = new pg.Pool({
    connectionString: uri.replace(/^postgres(ql)?(\+\w+)?:\/\//, "postgresql://"),
    max: 2,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary"): unknown =>
        oid === 20
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const all = async (query: string, params: readonly unknown[] = []): Promise<Row[]> => {
    let n = 0;
    const text = query.replace(/\?/g, () => `$${++n}`);
    return (await pool.query(text, params as unknown[])).rows as Row[];
  };
  return {
    all,
    tables: async () =>
      new Set(
        (
          await all("select table_name from information_schema.tables where table_schema = current_schema()")
        ).map((r) => String(r.table_name)),
      ),
    columns: async (table) =>
      new Set(
        (
          await all(
            "select column_name from information_schema.columns where table_schema = current_schema() and table_name = ?",
            [table],
          )
        ).map((r) => String(r.column_name)),
      ),
    close: () => pool.end(),
  };
}

const str = (v: Scalar | null | undefined): string => (v === null || v === undefined ? "" : String(v));
const num = (v: Scalar | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
const optNum = (v: Scalar | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);
const optStr = (v: Scalar | null | undefined): string | null =>
  v === null || v === undefined ? null : String(v);
const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

function groupBy<T>(rows: Row[], key: string, map: (r: Row) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = str(r[key]);
    const list = out.get(k) ?? [];
    list.push(map(r));
    out.set(k, list);
  }
  return out;
}

const tagOf = (r: Row): Tag => ({ key: str(r.key), value: str(r.value) });

export async function openMlflowSqlSource(
  backendStoreUri: string,
  artifacts: SourceArtifacts,
): Promise<MlflowSource> {
  let reader: SqlReader;
  if (backendStoreUri.startsWith("sqlite:")) reader = sqliteReader(backendStoreUri);
  else if (/^postgres(ql)?(\+\w+)?:\/\//.test(backendStoreUri)) reader = postgresReader(backendStoreUri);
  else {
    throw invalidParameter(
      `Unsupported MLflow backend store URI '${backendStoreUri}': use sqlite:///<path> or postgresql://…` +
        " (or --from-uri http://<mlflow server> to import over its REST API).",
    );
  }
  const tables = await reader.tables();
  for (const required of ["experiments", "runs", "metrics", "registered_models", "model_versions"]) {
    if (!tables.has(required)) {
      await reader.close();
      throw invalidParameter(
        `'${redact(backendStoreUri)}' is not an MLflow database: it has no '${required}' table.`,
      );
    }
  }
  const hasLoggedModels = tables.has("logged_models");
  const inputColumns = tables.has("inputs") ? await reader.columns("inputs") : new Set<string>();

  async function runsOf(rows: Row[]): Promise<SourceRun[]> {
    const ids = rows.map((r) => str(r.run_uuid));
    const inIds = marks(ids.length);
    const [params, tags, metrics, modelMetrics, inputs] = await Promise.all([
      reader.all(`select run_uuid, key, value from params where run_uuid in (${inIds}) order by key`, ids),
      reader.all(`select run_uuid, key, value from tags where run_uuid in (${inIds}) order by key`, ids),
      reader.all(
        `select run_uuid, key, value, timestamp, step, is_nan from metrics where run_uuid in (${inIds})` +
          " order by key, step, timestamp",
        ids,
      ),
      hasLoggedModels
        ? reader.all(
            "select run_id, model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, dataset_name," +
              ` dataset_digest from logged_model_metrics where run_id in (${inIds})`,
            ids,
          )
        : Promise.resolve([]),
      inputColumns.size === 0
        ? Promise.resolve([])
        : reader.all(
            `select input_uuid, source_type, source_id, destination_type, destination_id${
              inputColumns.has("step") ? ", step" : ", 0 as step"
            } from inputs where destination_id in (${inIds}) or source_id in (${inIds})`,
            [...ids, ...ids],
          ),
    ]);
    const datasetIds = [
      ...new Set(inputs.filter((i) => i.source_type === "DATASET").map((i) => str(i.source_id))),
    ];
    const inputIds = inputs.filter((i) => i.source_type === "DATASET").map((i) => str(i.input_uuid));
    const [datasets, inputTags] = await Promise.all([
      datasetIds.length === 0
        ? Promise.resolve([])
        : reader.all(
            "select dataset_uuid, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile" +
              ` from datasets where dataset_uuid in (${marks(datasetIds.length)})`,
            datasetIds,
          ),
      inputIds.length === 0
        ? Promise.resolve([])
        : reader.all(
            `select input_uuid, name, value from input_tags where input_uuid in (${marks(inputIds.length)}) order by name`,
            inputIds,
          ),
    ]);
    const datasetById = new Map(datasets.map((d) => [str(d.dataset_uuid), d]));
    const tagsByInput = groupBy(inputTags, "input_uuid", (t) => ({ key: str(t.name), value: str(t.value) }));
    // A point logged with model_id is in both tables in MLflow 3; Flowgate keeps it once, with its model id.
    const modelOf = new Map<string, Row>();
    for (const m of modelMetrics) {
      modelOf.set(
        `${str(m.run_id)}\u0000${str(m.metric_name)}\u0000${num(m.metric_step)}\u0000${num(m.metric_timestamp_ms)}`,
        m,
      );
    }
    const paramsBy = groupBy(params, "run_uuid", tagOf);
    const tagsBy = groupBy(tags, "run_uuid", tagOf);
    const metricsBy = groupBy(metrics, "run_uuid", (m): Metric => {
      const model = modelOf.get(
        `${str(m.run_uuid)}\u0000${str(m.key)}\u0000${num(m.step)}\u0000${num(m.timestamp)}`,
      );
      return {
        key: str(m.key),
        value: num(m.is_nan) === 1 || m.is_nan === true ? NaN : num(m.value),
        timestamp: num(m.timestamp),
        step: num(m.step),
        modelId: model === undefined ? null : str(model.model_id),
        datasetName: model === undefined ? null : optStr(model.dataset_name),
        datasetDigest: model === undefined ? null : optStr(model.dataset_digest),
      };
    });
    return rows.map((r) => {
      const id = str(r.run_uuid);
      const mine = inputs.filter((i) => str(i.destination_id) === id || str(i.source_id) === id);
      return {
        runId: id,
        experimentId: str(r.experiment_id),
        runName: str(r.name),
        userId: str(r.user_id),
        status: (str(r.status) || "FINISHED") as RunStatus,
        startTime: num(r.start_time),
        endTime: optNum(r.end_time),
        lifecycleStage: (str(r.lifecycle_stage) || "active") as LifecycleStage,
        deletedTime: optNum(r.deleted_time),
        artifactUri: str(r.artifact_uri),
        params: paramsBy.get(id) ?? [],
        tags: tagsBy.get(id) ?? [],
        metrics: metricsBy.get(id) ?? [],
        datasetInputs: mine.flatMap((i) => {
          const d = i.source_type === "DATASET" ? datasetById.get(str(i.source_id)) : undefined;
          if (d === undefined || str(i.destination_id) !== id) return [];
          return [
            {
              tags: tagsByInput.get(str(i.input_uuid)) ?? [],
              dataset: {
                name: str(d.name),
                digest: str(d.digest),
                sourceType: str(d.dataset_source_type),
                source: str(d.dataset_source),
                schema: optStr(d.dataset_schema),
                profile: optStr(d.dataset_profile),
              },
            },
          ];
        }),
        modelInputs: mine
          .filter((i) => i.source_type === "MODEL_INPUT" && str(i.destination_id) === id)
          .map((i) => str(i.source_id)),
        modelOutputs: mine
          .filter((i) => i.source_type === "RUN_OUTPUT" && str(i.source_id) === id)
          .map((i) => ({ modelId: str(i.destination_id), step: num(i.step) })),
      };
    });
  }

  return {
    description: redact(backendStoreUri),
    artifacts,

    async experiments(): Promise<SourceExperiment[]> {
      const [rows, tags] = await Promise.all([
        reader.all(
          "select experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time" +
            " from experiments order by experiment_id",
        ),
        reader.all("select experiment_id, key, value from experiment_tags order by key"),
      ]);
      const tagsBy = groupBy(tags, "experiment_id", tagOf);
      return rows.map((r) => ({
        experimentId: str(r.experiment_id),
        name: str(r.name),
        artifactLocation: str(r.artifact_location),
        lifecycleStage: (str(r.lifecycle_stage) || "active") as LifecycleStage,
        creationTime: num(r.creation_time),
        lastUpdateTime: num(r.last_update_time ?? r.creation_time),
        tags: tagsBy.get(str(r.experiment_id)) ?? [],
      }));
    },

    async countRuns(experimentId) {
      const [row] = await reader.all("select count(*) as n from runs where experiment_id = ?", [
        Number(experimentId),
      ]);
      return num(row?.n);
    },

    async *runs(experimentId) {
      // Keyset paging on (start_time, run_uuid): memory stays bounded however many runs an experiment has.
      let after: [number, string] = [-1, ""];
      for (;;) {
        const rows = await reader.all(
          "select run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri," +
            " experiment_id, deleted_time from runs where experiment_id = ?" +
            " and (coalesce(start_time, 0), run_uuid) > (?, ?)" +
            ` order by coalesce(start_time, 0), run_uuid limit ${RUN_BATCH}`,
          [Number(experimentId), after[0], after[1]],
        );
        if (rows.length === 0) return;
        yield await runsOf(rows);
        const last = rows[rows.length - 1] as Row;
        after = [num(last.start_time), str(last.run_uuid)];
        if (rows.length < RUN_BATCH) return;
      }
    },

    async loggedModels(experimentId): Promise<SourceLoggedModel[]> {
      if (!hasLoggedModels) return [];
      const id = Number(experimentId);
      const [rows, tags, params] = await Promise.all([
        reader.all(
          "select model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms," +
            " status, lifecycle_stage, model_type, source_run_id, status_message from logged_models" +
            " where experiment_id = ? order by creation_timestamp_ms, model_id",
          [id],
        ),
        reader.all(
          "select model_id, tag_key as key, tag_value as value from logged_model_tags where experiment_id = ? order by tag_key",
          [id],
        ),
        reader.all(
          "select model_id, param_key as key, param_value as value from logged_model_params where experiment_id = ?" +
            " order by param_key",
          [id],
        ),
      ]);
      const tagsBy = groupBy(tags, "model_id", tagOf);
      const paramsBy = groupBy(params, "model_id", tagOf);
      return rows.map((r) => ({
        modelId: str(r.model_id),
        experimentId: str(r.experiment_id),
        name: str(r.name),
        artifactLocation: str(r.artifact_location),
        creationTimestampMs: num(r.creation_timestamp_ms),
        lastUpdatedTimestampMs: num(r.last_updated_timestamp_ms),
        status: num(r.status),
        lifecycleStage: (str(r.lifecycle_stage) || "active") as LifecycleStage,
        modelType: optStr(r.model_type),
        sourceRunId: optStr(r.source_run_id),
        statusMessage: optStr(r.status_message),
        tags: tagsBy.get(str(r.model_id)) ?? [],
        params: paramsBy.get(str(r.model_id)) ?? [],
      }));
    },

    async registeredModels(): Promise<SourceRegisteredModel[]> {
      const [models, tags, aliases, versions, versionTags] = await Promise.all([
        reader.all(
          "select name, creation_time, last_updated_time, description from registered_models order by creation_time, name",
        ),
        reader.all("select name, key, value from registered_model_tags order by key"),
        tables.has("registered_model_aliases")
          ? reader.all("select name, alias, version from registered_model_aliases order by alias")
          : Promise.resolve([]),
        reader.all(
          "select name, version, creation_time, last_updated_time, description, user_id, current_stage, source," +
            " storage_location, run_id, run_link, status, status_message from model_versions order by name, version",
        ),
        reader.all("select name, version, key, value from model_version_tags order by key"),
      ]);
      const tagsBy = groupBy(tags, "name", tagOf);
      const aliasesBy = groupBy(aliases, "name", (a) => ({ alias: str(a.alias), version: num(a.version) }));
      const versionTagsBy = groupBy(
        versionTags.map((t) => ({ ...t, nv: `${str(t.name)}\u0000${num(t.version)}` })),
        "nv",
        tagOf,
      );
      const versionsBy = groupBy(versions, "name", (v) => ({
        version: num(v.version),
        creationTimestamp: num(v.creation_time),
        lastUpdatedTimestamp: num(v.last_updated_time ?? v.creation_time),
        description: optStr(v.description),
        userId: optStr(v.user_id),
        currentStage: str(v.current_stage) || "None",
        source: str(v.source),
        storageLocation: optStr(v.storage_location),
        runId: optStr(v.run_id) || null,
        runLink: optStr(v.run_link) || null,
        status: str(v.status) || "READY",
        statusMessage: optStr(v.status_message),
        tags: versionTagsBy.get(`${str(v.name)}\u0000${num(v.version)}`) ?? [],
      }));
      return models.map((m) => ({
        name: str(m.name),
        creationTimestamp: num(m.creation_time),
        lastUpdatedTimestamp: num(m.last_updated_time ?? m.creation_time),
        description: optStr(m.description),
        tags: tagsBy.get(str(m.name)) ?? [],
        aliases: aliasesBy.get(str(m.name)) ?? [],
        versions: versionsBy.get(str(m.name)) ?? [],
      }));
    },

    close: () => reader.close(),
  };
}

/** Never print a database password. */
export function redact(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
