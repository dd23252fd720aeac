// Registry read latency under load: p50/p99 of get-model-version-by-alias and of resolving
// models:/<name>/Production — by Flowgate's one-call resolve endpoint and by the two calls the mlflow
// client makes (POST get-latest-versions, then get-download-uri) — with 32 concurrent clients, on SQLite
// and (when FLOWGATE_TEST_PG_URL is set) PostgreSQL. Writes bench/results/registry.json.
// Run: node --import tsx bench/registry.ts
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createApp } from "../src/app.js";
import { loadServerConfig } from "../src/core/config.js";
import { createLogger } from "../src/core/logger.js";

const CLIENTS = 32;
const REQUESTS_PER_CLIENT = Number(process.env.BENCH_REQUESTS ?? 100);
const MODEL = "fraud-detector";

async function freshPostgres(base: string): Promise<string> {
  const name = `bench_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return `${base}/${name}`;
}

async function json(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(url, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

function post(url: string, body: object): Promise<Record<string, unknown>> {
  return json(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 1000) / 1000;
}

async function measure(
  op: () => Promise<unknown>,
): Promise<{ p50_ms: number; p99_ms: number; requests: number; rps: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = 0; i < REQUESTS_PER_CLIENT; i++) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
  };
}

async function benchBackend(backendStoreUri: string): Promise<Record<string, unknown>> {
  const artifactRoot = mkdtempSync(path.join(tmpdir(), "flowgate-bench-art-"));
  const config = loadServerConfig({ backendStoreUri, artifactsDestination: artifactRoot, port: 0 }, {});
  const app = await createApp(config, createLogger({ level: "silent" }));
  const url = await app.server.listen({ host: "127.0.0.1", port: 0 });
  try {
    const db = app.database.db;
    const exp = await db
      .insertInto("experiments")
      .values({
        name: "bench",
        artifact_location: "mlflow-artifacts:/1",
        lifecycle_stage: "active",
        creation_time: 0,
        last_update_time: 0,
      })
      .returning("experiment_id")
      .executeTakeFirstOrThrow();
    const runId = randomBytes(16).toString("hex");
    const artifactUri = `mlflow-artifacts:/${Number(exp.experiment_id)}/${runId}/artifacts`;
    await db
      .insertInto("runs")
      .values({
        run_id: runId,
        experiment_id: Number(exp.experiment_id),
        name: "r",
        user_id: "u",
        status: "FINISHED",
        start_time: 0,
        end_time: null,
        lifecycle_stage: "active",
        artifact_uri: artifactUri,
        deleted_time: null,
      })
      .execute();
    const api = `${url}/api/2.0/mlflow`;
    await post(`${api}/registered-models/create`, { name: MODEL });
    for (let i = 0; i < 10; i++) {
      await post(`${api}/model-versions/create`, {
        name: MODEL,
        source: `${artifactUri}/model`,
        run_id: runId,
      });
    }
    await post(`${api}/model-versions/transition-stage`, { name: MODEL, version: "7", stage: "Production" });
    await post(`${api}/registered-models/alias`, { name: MODEL, alias: "champion", version: "7" });

    const byAlias = () => json(`${api}/registered-models/alias?name=${MODEL}&alias=champion`);
    const resolveNative = () =>
      json(
        `${url}/api/flowgate/v1/model-uris/resolve?uri=${encodeURIComponent(`models:/${MODEL}/Production`)}`,
      );
    const resolveAsClient = async () => {
      const latest = await post(`${api}/registered-models/get-latest-versions`, {
        name: MODEL,
        stages: ["Production"],
      });
      const version = (latest.model_versions as Array<{ version: string }>)[0]?.version ?? "";
      return json(`${api}/model-versions/get-download-uri?name=${MODEL}&version=${version}`);
    };
    await byAlias(); // warm-up
    return {
      get_model_version_by_alias: await measure(byAlias),
      resolve_models_uri_production_native: await measure(resolveNative),
      resolve_models_uri_production_mlflow_client_calls: await measure(resolveAsClient),
    };
  } finally {
    await app.close();
  }
}

const results: Record<string, unknown> = {
  clients: CLIENTS,
  requests_per_client: REQUESTS_PER_CLIENT,
  node: process.version,
  cpus: cpus().length,
  // The machine is shared: a high load average before the run means the numbers are contention-bound.
  load_average_at_start: loadavg().map((l) => Math.round(l * 100) / 100),
  date: new Date().toISOString(),
  sqlite: await benchBackend(
    `sqlite:///${path.join(mkdtempSync(path.join(tmpdir(), "flowgate-bench-db-")), "f.db")}`,
  ),
};
if (process.env.FLOWGATE_TEST_PG_URL !== undefined) {
  results.postgresql = await benchBackend(await freshPostgres(process.env.FLOWGATE_TEST_PG_URL));
}
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/registry.json", `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
