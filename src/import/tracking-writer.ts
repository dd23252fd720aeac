// Writes MLflow's experiments, runs (with everything logged to them) and logged models into Flowgate's
// store, keeping MLflow's ids. Identity keys: experiment id (the name must match, else it is a collision),
// run id, logged model id, and within a run the param / tag key and the metric point (key, step, timestamp,
// value); whatever already has its identity in Flowgate is left alone, so a second import writes only what
// is new. One transaction per experiment header and per batch of runs.
import { sql } from "kysely";
import { nameKey } from "../core/name-rules.js";
import type { Database, Executor } from "../store/database.js";
import type { Metric, Tag } from "../tracking/entities.js";
import { createSqlMetricStore } from "../tracking/sql-metric-store.js";
import { chunks, createSqlRunStore } from "../tracking/sql-run-store.js";
import type { ImportReport } from "./import-report.js";
import type { SourceExperiment, SourceLoggedModel, SourceRun } from "./mlflow-source.js";

/** Maps an MLflow artifact URI to the one Flowgate stores (the same one when artifacts are referenced). */
export type UriMapper = (uri: string) => string;

const runStore = createSqlRunStore();
const metricStore = createSqlMetricStore();

function present(report: ImportReport, kind: string, n = 1): void {
  report.alreadyPresent[kind] = (report.alreadyPresent[kind] ?? 0) + n;
}

async function insertMissingTags(
  ex: Executor,
  table: "experiment_tags",
  experimentId: number,
  tags: readonly Tag[],
): Promise<number> {
  if (tags.length === 0) return 0;
  const have = new Set(
    (await ex.selectFrom(table).select("key").where("experiment_id", "=", experimentId).execute()).map(
      (r) => r.key,
    ),
  );
  const missing = tags.filter((t) => !have.has(t.key));
  if (missing.length > 0) {
    await ex
      .insertInto(table)
      .values(missing.map((t) => ({ experiment_id: experimentId, key: t.key, value: t.value })))
      .execute();
  }
  return missing.length;
}

/** True when the experiment is in Flowgate (new or from before) and its runs may be imported. */
export async function writeExperiment(
  database: Database,
  e: SourceExperiment,
  mapUri: UriMapper,
  report: ImportReport,
): Promise<boolean> {
  const id = Number(e.experimentId);
  return database.transaction(async (trx) => {
    const byId = await trx
      .selectFrom("experiments")
      .select(["name"])
      .where("experiment_id", "=", id)
      .executeTakeFirst();
    if (byId !== undefined) {
      if (byId.name !== e.name) {
        report.skipped.push({
          kind: "experiment",
          id: e.experimentId,
          reason: `id collision: Flowgate's experiment ${id} is '${byId.name}', MLflow's is '${e.name}' (its runs are skipped too)`,
        });
        return false;
      }
      present(report, "experiments");
      report.imported.experiment_tags += await insertMissingTags(trx, "experiment_tags", id, e.tags);
      return true;
    }
    const clash = await trx
      .selectFrom("experiments")
      .select(["name", "experiment_id"])
      .where("name_key", "=", nameKey(e.name))
      .executeTakeFirst();
    if (clash !== undefined) {
      report.skipped.push({
        kind: "experiment",
        id: e.experimentId,
        reason:
          `name '${e.name}' is the same name as Flowgate's experiment ${String(clash.experiment_id)} '${clash.name}' ` +
          "(names are compared with case and accents folded; its runs are skipped too)",
      });
      return false;
    }
    await trx
      .insertInto("experiments")
      .values({
        experiment_id: id,
        name: e.name,
        name_key: nameKey(e.name),
        artifact_location: mapUri(e.artifactLocation),
        lifecycle_stage: e.lifecycleStage,
        creation_time: e.creationTime,
        last_update_time: e.lastUpdateTime,
      })
      .execute();
    if (database.dialect.engine === "postgresql") {
      // Explicit ids do not move PostgreSQL's identity sequence: move it past them, or the next experiment
      // created through the API would take an imported id.
      await sql`select setval(pg_get_serial_sequence('experiments', 'experiment_id'),
        greatest((select max(experiment_id) from experiments), 1))`.execute(trx);
    }
    report.imported.experiments += 1;
    report.imported.experiment_tags += await insertMissingTags(trx, "experiment_tags", id, e.tags);
    return true;
  });
}

const pointKey = (key: string, m: { step: number; timestamp: number; value: number; isNan: boolean }) =>
  `${key}\u0000${m.step}\u0000${m.timestamp}\u0000${m.isNan ? "nan" : String(m.value)}`;

/** Writes a batch of runs of one experiment; returns the runs now in Flowgate (new or from before). */
export async function writeRuns(
  database: Database,
  runs: readonly SourceRun[],
  mapUri: UriMapper,
  report: ImportReport,
): Promise<SourceRun[]> {
  return database.transaction(async (trx) => {
    const ids = runs.map((r) => r.runId);
    const existing = new Map<string, number>();
    for (const part of chunks(ids)) {
      for (const r of await trx
        .selectFrom("runs")
        .select(["run_id", "experiment_id"])
        .where("run_id", "in", part)
        .execute()) {
        existing.set(r.run_id, Number(r.experiment_id));
      }
    }
    const kept: SourceRun[] = [];
    const fresh: SourceRun[] = [];
    for (const run of runs) {
      const at = existing.get(run.runId);
      if (at === undefined) fresh.push(run);
      else if (String(at) !== run.experimentId) {
        report.skipped.push({
          kind: "run",
          id: run.runId,
          reason: `id collision: Flowgate already has run ${run.runId} in experiment ${at}, MLflow has it in ${run.experimentId}`,
        });
        continue;
      } else present(report, "runs");
      kept.push(run);
    }
    for (const part of chunks(fresh, 100)) {
      await trx
        .insertInto("runs")
        .values(
          part.map((r) => ({
            run_id: r.runId,
            experiment_id: Number(r.experimentId),
            name: r.runName,
            user_id: r.userId,
            status: r.status,
            start_time: r.startTime,
            end_time: r.endTime,
            lifecycle_stage: r.lifecycleStage,
            artifact_uri: mapUri(r.artifactUri),
            deleted_time: r.deletedTime,
          })),
        )
        .execute();
    }
    report.imported.runs += fresh.length;
    await writeNewRunsData(trx, fresh, report);
    const isNew = new Set(fresh.map((r) => r.runId));
    const known = await knownRunData(
      trx,
      kept.filter((r) => !isNew.has(r.runId)).map((r) => r.runId),
    );
    for (const run of kept) {
      if (!isNew.has(run.runId)) await writeRunData(trx, run, known, report);
      await writeRunLinks(trx, run, isNew.has(run.runId), report);
    }
    return kept;
  });
}

// SQLite cannot store NaN: it is stored as 0 with is_nan = 1 on both engines, as MLflow and the metric store do.
const stored = (value: number): number => (Number.isNaN(value) ? 0 : value);

/** MLflow's order for the latest point of a key: by step, then timestamp, then value. */
function isLater(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return stored(a.value) > stored(b.value);
}

/**
 * Params, tags and metric histories of runs new to Flowgate, in multi-row inserts across the whole batch (a
 * run of a few hundred points would otherwise cost as many statements as points per chunk); their
 * latest_metrics rows are computed here, since a new run has none yet.
 */
async function writeNewRunsData(
  ex: Executor,
  runs: readonly SourceRun[],
  report: ImportReport,
): Promise<void> {
  const params = runs.flatMap((r) => r.params.map((p) => ({ run_id: r.runId, key: p.key, value: p.value })));
  const tags = runs.flatMap((r) => r.tags.map((t) => ({ run_id: r.runId, key: t.key, value: t.value })));
  const points = runs.flatMap((r) =>
    r.metrics.map((m) => ({
      run_id: r.runId,
      key: m.key,
      value: stored(m.value),
      timestamp: m.timestamp,
      step: m.step,
      is_nan: Number.isNaN(m.value) ? 1 : 0,
      model_id: m.modelId ?? null,
      dataset_name: m.datasetName ?? null,
      dataset_digest: m.datasetDigest ?? null,
    })),
  );
  const latest = new Map<string, { runId: string; metric: Metric }>();
  for (const r of runs) {
    for (const m of r.metrics) {
      const k = `${r.runId}\u0000${m.key}`;
      const seen = latest.get(k);
      if (seen === undefined || isLater(m, seen.metric)) latest.set(k, { runId: r.runId, metric: m });
    }
  }
  for (const part of chunks(params)) await ex.insertInto("params").values(part).execute();
  for (const part of chunks(tags)) await ex.insertInto("run_tags").values(part).execute();
  // MLflow's own primary key lets a point repeat only if it differs in is_nan; Flowgate's likewise.
  for (const part of chunks(points, 1000)) {
    await ex
      .insertInto("metrics")
      .values(part)
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
  for (const part of chunks([...latest.values()])) {
    await ex
      .insertInto("latest_metrics")
      .values(
        part.map(({ runId, metric: m }) => ({
          run_id: runId,
          key: m.key,
          value: stored(m.value),
          timestamp: m.timestamp,
          step: m.step,
          is_nan: Number.isNaN(m.value) ? 1 : 0,
        })),
      )
      .execute();
  }
  report.imported.params += params.length;
  report.imported.run_tags += tags.length;
  report.imported.metrics += points.length;
}

/** The param keys, tag keys and metric points Flowgate already has for runs of an earlier import, by run. */
interface KnownRunData {
  params: Set<string>;
  tags: Set<string>;
  points: Set<string>;
}

async function knownRunData(ex: Executor, runIds: readonly string[]): Promise<KnownRunData> {
  const known: KnownRunData = { params: new Set(), tags: new Set(), points: new Set() };
  // A few queries per batch, not per run: a re-import reads back what the first one wrote.
  for (const part of chunks(runIds)) {
    for (const r of await ex
      .selectFrom("params")
      .select(["run_id", "key"])
      .where("run_id", "in", part)
      .execute()) {
      known.params.add(`${r.run_id}\u0000${r.key}`);
    }
    for (const r of await ex
      .selectFrom("run_tags")
      .select(["run_id", "key"])
      .where("run_id", "in", part)
      .execute()) {
      known.tags.add(`${r.run_id}\u0000${r.key}`);
    }
    for (const m of await ex
      .selectFrom("metrics")
      .select(["run_id", "key", "step", "timestamp", "value", "is_nan"])
      .where("run_id", "in", part)
      .execute()) {
      known.points.add(
        `${m.run_id}\u0000${pointKey(m.key, {
          step: Number(m.step),
          timestamp: Number(m.timestamp),
          value: Number(m.value),
          isNan: m.is_nan === 1,
        })}`,
      );
    }
  }
  return known;
}

/** What MLflow logged to a run already in Flowgate since the earlier import: the params, tags and points it lacks. */
async function writeRunData(
  ex: Executor,
  run: SourceRun,
  known: KnownRunData,
  report: ImportReport,
): Promise<void> {
  const id = run.runId;
  const params = run.params.filter((p) => !known.params.has(`${id}\u0000${p.key}`));
  const tags = run.tags.filter((t) => !known.tags.has(`${id}\u0000${t.key}`));
  const metrics = run.metrics.filter(
    (m: Metric) =>
      !known.points.has(
        `${id}\u0000${pointKey(m.key, { step: m.step, timestamp: m.timestamp, value: m.value, isNan: Number.isNaN(m.value) })}`,
      ),
  );
  if (params.length > 0) await runStore.insertParams(ex, id, params);
  if (tags.length > 0) await runStore.setTags(ex, id, tags);
  if (metrics.length > 0) await metricStore.logMetrics(ex, id, metrics);
  report.imported.params += params.length;
  report.imported.run_tags += tags.length;
  report.imported.metrics += metrics.length;
}

/** Dataset and model inputs and model outputs: each link is its own identity, written once. */
async function writeRunLinks(
  ex: Executor,
  run: SourceRun,
  isNew: boolean,
  report: ImportReport,
): Promise<void> {
  const id = run.runId;
  if (run.datasetInputs.length > 0 || run.modelInputs.length > 0) {
    const before = isNew ? 0 : await countInputs(ex, id);
    await runStore.logInputs(ex, run.experimentId, id, run.datasetInputs, run.modelInputs);
    if (run.datasetInputs.length > 0) report.imported.dataset_inputs += (await countInputs(ex, id)) - before;
  }
  for (const o of run.modelOutputs) {
    await ex
      .insertInto("run_model_outputs")
      .values({ run_id: id, model_id: o.modelId, step: o.step })
      .onConflict((oc) => oc.columns(["run_id", "model_id"]).doNothing())
      .execute();
  }
}

async function countInputs(ex: Executor, runId: string): Promise<number> {
  const row = await ex
    .selectFrom("run_inputs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("run_id", "=", runId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Writes an experiment's logged models (MLflow 3); returns those now in Flowgate. */
export async function writeLoggedModels(
  database: Database,
  models: readonly SourceLoggedModel[],
  mapUri: UriMapper,
  report: ImportReport,
): Promise<SourceLoggedModel[]> {
  if (models.length === 0) return [];
  return database.transaction(async (trx) => {
    const kept: SourceLoggedModel[] = [];
    for (const m of models) {
      const row = await trx
        .selectFrom("logged_models")
        .select("experiment_id")
        .where("model_id", "=", m.modelId)
        .executeTakeFirst();
      if (row !== undefined && String(row.experiment_id) !== m.experimentId) {
        report.skipped.push({
          kind: "logged_model",
          id: m.modelId,
          reason: `id collision: Flowgate has logged model ${m.modelId} in experiment ${String(row.experiment_id)}`,
        });
        continue;
      }
      kept.push(m);
      if (row === undefined) {
        await trx
          .insertInto("logged_models")
          .values({
            model_id: m.modelId,
            experiment_id: Number(m.experimentId),
            name: m.name,
            artifact_location: mapUri(m.artifactLocation),
            creation_timestamp_ms: m.creationTimestampMs,
            last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
            status: m.status,
            lifecycle_stage: m.lifecycleStage,
            model_type: m.modelType,
            source_run_id: m.sourceRunId,
            status_message: m.statusMessage,
            creator_id: null,
          })
          .execute();
        report.imported.logged_models += 1;
      } else present(report, "logged_models");
      for (const table of ["logged_model_tags", "logged_model_params"] as const) {
        const items = table === "logged_model_tags" ? m.tags : m.params;
        if (items.length === 0) continue;
        await trx
          .insertInto(table)
          .values(items.map((t) => ({ model_id: m.modelId, key: t.key, value: t.value })))
          .onConflict((oc) => oc.columns(["model_id", "key"]).doNothing())
          .execute();
      }
    }
    return kept;
  });
}
