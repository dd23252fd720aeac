// `flowgate import mlflow` against databases written by the real `mlflow server` 2.x and 3.x (the seeds'
// workflows, run by the real client), into Flowgate on SQLite and PostgreSQL, from MLflow's database and over
// its REST API. The proof is the seeds' questions: asked of MLflow and of a Flowgate server over each imported
// store by the real client (registry_queries.py), they get the same answers, models:/…@champion included.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import SqliteDatabase from "better-sqlite3";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { nameKey } from "../../src/core/name-rules.js";
import { artifactRepositoryAt, rootSourceArtifacts } from "../../src/import/artifact-copy.js";
import { silentProgress, totalRows, type ImportReport } from "../../src/import/import-report.js";
import { importMlflow } from "../../src/import/mlflow-import.js";
import { openMlflowRestSource } from "../../src/import/mlflow-rest-source.js";
import { openMlflowSqlSource } from "../../src/import/mlflow-sql-source.js";
import type { MlflowSource } from "../../src/import/mlflow-source.js";
import { openDatabase } from "../../src/store/database.js";
import { BACKENDS } from "../support/backends.js";
import { startMoto } from "../support/moto.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { askServers, startMlflowFixture, type MlflowFixture, type MlflowMajor } from "./mlflow-fixture.js";

const CLI_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../src/cli/main.ts");

/** Answers Flowgate gives differently from MLflow, on purpose. None so far: any difference fails the test. */
const KNOWN_DIFFERENCES: readonly string[] = [];

function withoutKnownDifferences(answers: unknown): Record<string, unknown> {
  const copy = { ...(answers as Record<string, unknown>) };
  for (const key of KNOWN_DIFFERENCES) delete copy[key];
  return copy;
}

async function importInto(
  storeUri: string,
  artifactsDir: string,
  openSource: () => Promise<MlflowSource>,
  sourceRoot?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImportReport> {
  const source = await openSource();
  const target = await openDatabase(storeUri);
  try {
    return await importMlflow({
      source,
      target,
      targetDescription: storeUri,
      artifacts: {
        mode: "copy",
        target: artifactRepositoryAt(artifactsDir, env),
        ...(sourceRoot === undefined ? {} : { sourceRoot }),
      },
      progress: silentProgress,
    });
  } finally {
    await target.close();
    await source.close();
  }
}

// The two MLflow versions are independent: their tests run side by side (most of the time is spent waiting on
// Python clients and servers).
describe(
  "flowgate import mlflow from real MLflow 2.x and 3.x servers",
  { timeout: 900_000, concurrency: 2 },
  () => {
    const fixtures = new Map<MlflowMajor, MlflowFixture>();
    const servers: TestServer[] = [];

    before(async () => {
      const started = await Promise.all([startMlflowFixture(2), startMlflowFixture(3)]);
      for (const f of started) fixtures.set(f.major, f);
    });
    after(async () => {
      for (const s of servers) await s.close();
      for (const f of fixtures.values()) f.stop();
    });

    const fixture = (major: MlflowMajor): MlflowFixture => {
      const f = fixtures.get(major);
      if (f === undefined) throw new Error(`no MLflow ${major} fixture`);
      return f;
    };
    const fromDatabase = (f: MlflowFixture) => () =>
      openMlflowSqlSource(f.backendStoreUri, rootSourceArtifacts(f.artifactRoot));

    for (const major of [2, 3] as const) {
      test(
        `MLflow ${major}.x imported into SQLite and PostgreSQL from its database, and over REST: Flowgate answers ` +
          "the seeds' registry queries as MLflow does, loads models:/fraud-detector@champion, and a second import adds nothing",
        async () => {
          const f = fixture(major);
          const urls: string[] = [];
          let fromDb: ImportReport | undefined;
          for (const backend of BACKENDS) {
            const storeUri = await backend.freshUri();
            const artifacts = mkdtempSync(path.join(tmpdir(), "flowgate-import-art-"));
            const report = await importInto(storeUri, artifacts, fromDatabase(f), f.artifactRoot);
            process.stdout.write(
              `# import mlflow ${major}.x → ${backend.name}: ${totalRows(report)} rows in ${report.seconds.toFixed(2)} s ` +
                `(${Math.round(report.rowsPerSecond)} rows/s), ${report.imported.artifact_files} files\n`,
            );
            assert.deepEqual(report.skipped, [], JSON.stringify(report.skipped));
            assert.equal(report.imported.experiments, 4); // Default, fraud-detection, churn, scratch (deleted)
            assert.equal(report.imported.runs, 6); // 4 trained, 1 failed, 1 deleted
            assert.equal(report.imported.params, 13);
            assert.equal(report.imported.metrics, 2 * 5 * 3 + 2 * 12); // loss and accuracy, full histories
            assert.equal(report.imported.dataset_inputs, 4);
            assert.equal(report.imported.logged_models, major === 3 ? 4 : 0);
            assert.equal(report.imported.registered_models, 3);
            assert.equal(report.imported.model_versions, 4);
            assert.equal(report.imported.model_version_tags, 2);
            assert.equal(report.imported.registered_model_tags, 3);
            assert.equal(report.imported.aliases, 3);
            assert.ok(report.imported.artifact_files > 0);
            fromDb ??= report;

            const again = await importInto(storeUri, artifacts, fromDatabase(f), f.artifactRoot);
            assert.equal(totalRows(again), 0, JSON.stringify(again.imported));
            assert.equal(again.imported.artifact_files, 0);
            assert.deepEqual(again.skipped, []);
            assert.equal(again.alreadyPresent.runs, 6);
            assert.equal(again.alreadyPresent.model_versions, 4);

            const server = await startTestServer(backend, {
              backendStoreUri: storeUri,
              artifactsDestination: artifacts,
            });
            servers.push(server);
            urls.push(server.url);
          }

          const restStore = await BACKENDS[0]!.freshUri();
          const restArtifacts = mkdtempSync(path.join(tmpdir(), "flowgate-import-rest-"));
          const overRest = await importInto(restStore, restArtifacts, () => openMlflowRestSource(f.url));
          assert.deepEqual(overRest.skipped, []);
          assert.deepEqual(overRest.imported, fromDb?.imported, "REST brings what the database brings");
          const restAgain = await importInto(restStore, restArtifacts, () => openMlflowRestSource(f.url));
          assert.equal(totalRows(restAgain) + restAgain.imported.artifact_files, 0);
          const restServer = await startTestServer(BACKENDS[0]!, {
            backendStoreUri: restStore,
            artifactsDestination: restArtifacts,
          });
          servers.push(restServer);
          urls.push(restServer.url);

          const [mlflow, ...flowgate] = await askServers(f, [f.url, ...urls]);
          const expected = withoutKnownDifferences(mlflow);
          assert.equal((expected.champion as { version: string }).version, "2");
          assert.equal(expected.champion_notes, "notes for tuned");
          for (const [i, answers] of flowgate.entries()) {
            const label = [
              "SQLite (database import)",
              "PostgreSQL (database import)",
              "SQLite (REST import)",
            ][i];
            assert.deepEqual(withoutKnownDifferences(answers), expected, `Flowgate on ${label}`);
          }
        },
      );
    }

    for (const backend of BACKENDS) {
      test(`on ${backend.name}: an experiment or model whose name or id Flowgate already uses is skipped with the reason, the rest comes over`, async () => {
        const f = fixture(3);
        const storeUri = await backend.freshUri();
        const db = await openDatabase(storeUri);
        try {
          const experiment = (id: number, name: string) => ({
            experiment_id: id,
            name,
            name_key: nameKey(name),
            artifact_location: `mlflow-artifacts:/${id}`,
            lifecycle_stage: "active",
            creation_time: 1,
            last_update_time: 1,
          });
          // Id 1 is MLflow's fraud-detection; "CHURN" at id 10 is MLflow's churn (id 2) under the folded-name rule.
          await db.db
            .insertInto("experiments")
            .values([experiment(1, "flowgate-own"), experiment(10, "CHURN")])
            .execute();
          await db.db
            .insertInto("registered_models")
            .values({
              name: "Fraud-Detector",
              name_key: nameKey("Fraud-Detector"),
              creation_timestamp: 1,
              last_updated_timestamp: 1,
              description: null,
              user_id: null,
            })
            .execute();
        } finally {
          await db.close();
        }
        const artifacts = mkdtempSync(path.join(tmpdir(), "flowgate-import-art-"));
        const report = await importInto(storeUri, artifacts, fromDatabase(f), f.artifactRoot);
        const reasons = new Map(report.skipped.map((s) => [`${s.kind} ${s.id}`, s.reason]));
        assert.match(
          reasons.get("experiment 1") ?? "",
          /id collision: Flowgate's experiment 1 is 'flowgate-own', MLflow's is 'fraud-detection'/,
        );
        assert.match(reasons.get("experiment 2") ?? "", /same name as Flowgate's experiment 10 'CHURN'/);
        assert.match(
          reasons.get("registered_model fraud-detector") ?? "",
          /same name as Flowgate's registered model 'Fraud-Detector'.*3 versions/,
        );
        assert.equal(report.skipped.length, 3, JSON.stringify(report.skipped));
        // Default and the deleted scratch experiment came over; churn-model and empty-model too, with churn's
        // version pointing at a run that was skipped with its experiment (a version keeps its run id as MLflow does).
        assert.equal(report.imported.experiments, 2);
        assert.equal(report.imported.registered_models, 2);
        assert.equal(report.imported.model_versions, 1);
        assert.equal(report.imported.runs, 0);
      });
    }

    for (const backend of BACKENDS) {
      test(`on ${backend.name}: a second import after more was logged to MLflow brings exactly what is new`, async () => {
        const f = fixture(3);
        const copy = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-import-copy-")), "mlflow.db");
        copyFileSync(f.backendStoreUri.slice("sqlite:///".length), copy);
        const source = () => openMlflowSqlSource(`sqlite:///${copy}`, rootSourceArtifacts(f.artifactRoot));
        const storeUri = await backend.freshUri();
        const artifacts = mkdtempSync(path.join(tmpdir(), "flowgate-import-art-"));
        await importInto(storeUri, artifacts, source, f.artifactRoot);

        // What MLflow writes when the client logs more: rows in its own tables.
        const mlflow = new SqliteDatabase(copy);
        const tuned = mlflow.prepare("select run_uuid from runs where name = 'tuned'").get() as {
          run_uuid: string;
        };
        const now = Date.now();
        mlflow
          .prepare(
            "insert into metrics (key, value, timestamp, run_uuid, step, is_nan) values ('loss', 0.01, ?, ?, 99, 0)",
          )
          .run(now, tuned.run_uuid);
        mlflow
          .prepare("insert into params (key, value, run_uuid) values ('late', 'yes', ?)")
          .run(tuned.run_uuid);
        mlflow
          .prepare("insert into tags (key, value, run_uuid) values ('reviewed', 'yes', ?)")
          .run(tuned.run_uuid);
        mlflow
          .prepare(
            "insert into runs (run_uuid, name, user_id, status, start_time, lifecycle_stage, artifact_uri, experiment_id)" +
              " values ('0123456789abcdef0123456789abcdef', 'late-run', 'ana', 'RUNNING', ?, 'active'," +
              " 'mlflow-artifacts:/2/0123456789abcdef0123456789abcdef/artifacts', 2)",
          )
          .run(now);
        mlflow
          .prepare(
            "insert into registered_model_aliases (alias, version, name) values ('shadow', 1, 'fraud-detector')",
          )
          .run();
        mlflow
          .prepare(
            "insert into registered_model_tags (key, value, name) values ('tier', 'gold', 'fraud-detector')",
          )
          .run();
        mlflow.close();

        const again = await importInto(storeUri, artifacts, source, f.artifactRoot);
        const news = Object.fromEntries(Object.entries(again.imported).filter(([, n]) => n > 0));
        assert.deepEqual(news, {
          runs: 1,
          params: 1,
          run_tags: 1,
          metrics: 1,
          registered_model_tags: 1,
          aliases: 1,
        });
        assert.deepEqual(again.skipped, []);
        const db = await openDatabase(storeUri);
        try {
          const latest = await db.db
            .selectFrom("latest_metrics")
            .select(["step", "value"])
            .where("run_id", "=", tuned.run_uuid)
            .where("key", "=", "loss")
            .executeTakeFirstOrThrow();
          assert.deepEqual({ step: Number(latest.step), value: latest.value }, { step: 99, value: 0.01 });
        } finally {
          await db.close();
        }
      });
    }

    test("the CLI prints progress as JSON lines when stderr is not a terminal, then the report; without a source it says what to name", async () => {
      const f = fixture(2);
      const dir = mkdtempSync(path.join(tmpdir(), "flowgate-import-cli-"));
      const script = `const { main } = await import(${JSON.stringify(CLI_MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
      const flowgate = (args: string[]) =>
        promisify(execFile)(process.execPath, [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          script,
          ...args,
        ]);
      const { stdout, stderr } = await flowgate([
        "import",
        "mlflow",
        "--backend-store-uri",
        f.backendStoreUri,
        "--artifacts",
        f.artifactRoot,
        "--flowgate-backend-store-uri",
        `sqlite:///${dir}/flowgate.db`,
        "--flowgate-artifacts-destination",
        path.join(dir, "artifacts"),
        "--json",
      ]);
      const progress = stderr
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { progress: string; done: number; total: number });
      assert.ok(progress.some((p) => p.progress === "registered models" && p.done === 3 && p.total === 3));
      assert.ok(progress.some((p) => p.progress === "artifacts" && p.done === p.total && p.total > 0));
      const report = JSON.parse(stdout) as ImportReport;
      assert.equal(report.imported.runs, 6);
      assert.equal(report.artifacts, "copy");
      assert.ok(report.rowsPerSecond > 0);

      await assert.rejects(flowgate(["import", "mlflow"]), (err: { stderr: string; code: number }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr, /--backend-store-uri <its database>.*or --from-uri http/);
        return true;
      });
    });

    test("artifacts on S3 both sides: MLflow's root in a bucket (uploaded with awscli) is copied into Flowgate's s3:// store, and Flowgate serves the files", async () => {
      const f = fixture(2);
      const moto = await startMoto();
      try {
        const env = { ...process.env, ...moto.env, MLFLOW_S3_ENDPOINT_URL: moto.endpoint };
        const aws = (...args: string[]) =>
          promisify(execFile)("/usr/bin/aws", ["--endpoint-url", moto.endpoint, ...args], { env });
        await aws("s3", "mb", "s3://mlflow-artifacts");
        await aws("s3", "mb", "s3://flowgate-artifacts");
        await aws("s3", "cp", "--recursive", "--quiet", f.artifactRoot, "s3://mlflow-artifacts/root");
        const storeUri = await BACKENDS[0]!.freshUri();
        const source = () =>
          openMlflowSqlSource(f.backendStoreUri, rootSourceArtifacts("s3://mlflow-artifacts/root", env));
        const report = await importInto(
          storeUri,
          "s3://flowgate-artifacts/fg",
          source,
          "s3://mlflow-artifacts/root",
          env,
        );
        assert.deepEqual(report.skipped, []);
        const listed = (await aws("s3", "ls", "--recursive", "s3://flowgate-artifacts/fg/")).stdout
          .trim()
          .split("\n");
        assert.equal(listed.length, report.imported.artifact_files);
        assert.ok(listed.some((line) => /fg\/1\/[0-9a-f]{32}\/artifacts\/model\/MLmodel$/.test(line)));

        const server = await startTestServer(BACKENDS[0]!, {
          backendStoreUri: storeUri,
          artifactsDestination: "s3://flowgate-artifacts/fg",
          env,
        });
        servers.push(server);
        const db = new SqliteDatabase(f.backendStoreUri.slice("sqlite:///".length), { readonly: true });
        const tuned = db.prepare("select run_uuid from runs where name = 'tuned'").get() as {
          run_uuid: string;
        };
        db.close();
        const res = await fetch(`${server.url}/get-artifact?run_id=${tuned.run_uuid}&path=notes/readme.txt`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), "notes for tuned");
      } finally {
        await moto.stop();
      }
    });
  },
);
