// Import benchmark: rows/s of `flowgate import mlflow` from an MLflow database into Flowgate on SQLite and on
// PostgreSQL. The MLflow database is the one the import tests build with the real mlflow 3.x server and client
// (the seeds' workflows), grown with BENCH_RUNS more runs written in MLflow's own schema (10 params, 10 tags,
// 5 metrics × 100 steps each), so the import reads what MLflow writes. Artifacts are referenced (the files are
// the tests' business; this measures the metadata path). A second import of the same database is timed too:
// it must write nothing, and shows what the identity checks cost.
// Writes bench/results/import.json. Run: npm run bench:import   (BENCH_RUNS=2000; PostgreSQL: FLOWGATE_TEST_PG_URL
// or /work/PG_URL-style FLOWGATE_BENCH_PG_URL, a server URL without a database name)
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { rootSourceArtifacts } from "../src/import/artifact-copy.js";
import { silentProgress, totalRows, type ImportReport } from "../src/import/import-report.js";
import { importMlflow } from "../src/import/mlflow-import.js";
import { openMlflowSqlSource } from "../src/import/mlflow-sql-source.js";
import { openDatabase } from "../src/store/database.js";
import { startMlflowFixture } from "../test/import/mlflow-fixture.js";

const RUNS = Number(process.env.BENCH_RUNS ?? "2000");
const PG_SERVER = process.env.FLOWGATE_BENCH_PG_URL ?? process.env.FLOWGATE_TEST_PG_URL;

function grow(dbFile: string): number {
  const db = new SqliteDatabase(dbFile);
  const start = Date.now();
  const run = db.prepare(
    "insert into runs (run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id)" +
      " values (?, ?, 'bench', 'FINISHED', ?, ?, 'active', ?, 1)",
  );
  const param = db.prepare("insert into params (key, value, run_uuid) values (?, ?, ?)");
  const tag = db.prepare("insert into tags (key, value, run_uuid) values (?, ?, ?)");
  const metric = db.prepare(
    "insert into metrics (key, value, timestamp, run_uuid, step, is_nan) values (?, ?, ?, ?, ?, 0)",
  );
  const latest = db.prepare(
    "insert into latest_metrics (key, value, timestamp, step, is_nan, run_uuid) values (?, ?, ?, ?, 0, ?)",
  );
  let rows = 0;
  db.transaction(() => {
    for (let r = 0; r < RUNS; r++) {
      const id = randomBytes(16).toString("hex");
      run.run(id, `bench-${r}`, start + r, start + r + 1000, `mlflow-artifacts:/1/${id}/artifacts`);
      rows += 1;
      for (let k = 0; k < 10; k++) {
        param.run(`p${k}`, String(r * k), id);
        tag.run(`t${k}`, `v${r % 7}`, id);
        rows += 2;
      }
      for (let k = 0; k < 5; k++) {
        for (let step = 0; step < 100; step++) metric.run(`m${k}`, step / (r + 1), start + step, id, step);
        latest.run(`m${k}`, 99 / (r + 1), start + 99, 99, id);
        rows += 100;
      }
    }
  })();
  db.close();
  return rows;
}

async function freshPostgres(server: string): Promise<string> {
  const name = `bench_import_${randomBytes(5).toString("hex")}`;
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return `${server}/${name}`;
}

async function importOnce(sourceUri: string, artifactRoot: string, targetUri: string): Promise<ImportReport> {
  const source = await openMlflowSqlSource(sourceUri, rootSourceArtifacts(artifactRoot));
  const target = await openDatabase(targetUri);
  try {
    return await importMlflow({
      source,
      target,
      targetDescription: targetUri,
      artifacts: { mode: "reference" },
      progress: silentProgress,
    });
  } finally {
    await target.close();
    await source.close();
  }
}

const fixture = await startMlflowFixture(3);
fixture.stop();
const dir = mkdtempSync(path.join(tmpdir(), "flowgate-bench-import-"));
const dbFile = path.join(dir, "mlflow.db");
copyFileSync(fixture.backendStoreUri.slice("sqlite:///".length), dbFile);
const added = grow(dbFile);
const sourceUri = `sqlite:///${dbFile}`;

const targets: Array<{ engine: string; uri: string }> = [
  { engine: "sqlite", uri: `sqlite:///${path.join(dir, "flowgate.db")}` },
];
if (PG_SERVER !== undefined) targets.push({ engine: "postgresql", uri: await freshPostgres(PG_SERVER) });

const results = [];
for (const t of targets) {
  const first = await importOnce(sourceUri, fixture.artifactRoot, t.uri);
  const second = await importOnce(sourceUri, fixture.artifactRoot, t.uri);
  if (totalRows(second) !== 0)
    throw new Error(`second import into ${t.engine} wrote ${totalRows(second)} rows`);
  const result = {
    target: t.engine,
    rows: totalRows(first),
    runs: first.imported.runs,
    metricPoints: first.imported.metrics,
    seconds: Number(first.seconds.toFixed(2)),
    rowsPerSecond: Math.round(first.rowsPerSecond),
    secondImportSeconds: Number(second.seconds.toFixed(2)),
    secondImportRows: totalRows(second),
    skipped: first.skipped.length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  results.push(result);
}

const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))) },
  source: { mlflow: "3.x (real server + client, seeds' workflows)", runsAdded: RUNS, rowsAdded: added },
  results,
};
writeFileSync(path.join(import.meta.dirname, "results", "import.json"), `${JSON.stringify(out, null, 2)}\n`);
