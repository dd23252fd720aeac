// A real server (createApp on a given database, never listening) with a fake clock, its deployments service,
// and a rollout controller built as the server builds its own, driven tick by tick. Only the metrics are scripted: `script` answers
// each measurement the controller takes.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp, type App } from "../../../src/app.js";
import { loadServerConfig } from "../../../src/core/config.js";
import { createLogger } from "../../../src/core/logger.js";
import { createAuditLog } from "../../../src/governance/audit.js";
import { createSqlLoggedModelStore } from "../../../src/tracking/sql-logged-model-store.js";
import { createSqlRegistryStore } from "../../../src/registry/sql-registry-store.js";
import type { RegistryDeps } from "../../../src/registry/registry-deps.js";
import { createSqlDeploymentStore } from "../../../src/delivery/sql-deployment-store.js";
import type { DeploymentService } from "../../../src/delivery/deployments.js";
import type { DeploymentStore } from "../../../src/delivery/deployment-store.js";
import type { MetricProvider } from "../../../src/delivery/deployment.js";
import type { MetricContext, MetricReading } from "../../../src/delivery/controller/metric-source.js";
import {
  createRolloutController,
  type RolloutController,
} from "../../../src/delivery/controller/rollout-controller.js";
import type { TestServer } from "../../support/test-server.js";
import { systemContext } from "../../../src/core/request-context.js";
import { registerVersion } from "../../governance/registry-fixture.js";

export const T0 = 1_800_000_000_000;

export class FakeClock {
  constructor(public t = T0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export type Script = (provider: MetricProvider, ctx: MetricContext) => MetricReading;

export interface ControllerWorld {
  app: App;
  store: DeploymentStore;
  deployments: DeploymentService;
  controller: RolloutController;
  registry: RegistryDeps;
  /** Every measurement the controller asked for, in order. */
  asked: { holder: string; deployment: string; at: number }[];
  close(): Promise<void>;
}

export async function startControllerWorld(
  uri: string,
  clock: FakeClock,
  script: { current: Script },
  opts: { holder?: string; asked?: ControllerWorld["asked"] } = {},
): Promise<ControllerWorld> {
  const scratch = mkdtempSync(path.join(tmpdir(), "flowgate-ctl-"));
  // Webhooks may target this machine over plain http (the tests subscribe a local URL to see the events).
  const env = {
    FLOWGATE_CONTROLLER: "off",
    FLOWGATE_WEBHOOK_ALLOW_HTTP: "true",
    FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true",
  };
  const config = loadServerConfig(
    {
      backendStoreUri: uri,
      artifactsDestination: path.join(scratch, "artifacts"),
      port: 0,
      cacheDir: scratch,
    },
    env,
  );
  const logger = createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" });
  const app = await createApp(config, logger, clock, env);
  const audit = createAuditLog(clock);
  const registryStore = createSqlRegistryStore(createSqlLoggedModelStore());
  const store = createSqlDeploymentStore();
  // The server's own loop is off (FLOWGATE_CONTROLLER=off); this one is driven by the test.
  const deployments = app.deployments;
  const registry: RegistryDeps = {
    database: app.database,
    store: registryStore,
    audit,
    clock,
    logger,
    hooks: app.governance.promotions,
  };
  const holder = opts.holder ?? "server-a";
  const asked = opts.asked ?? [];
  const controller = createRolloutController({
    database: app.database,
    store,
    deployments,
    registry,
    audit,
    outbox: app.webhooks.outbox,
    clock,
    logger,
    holder,
    metrics: {
      async measure(provider, ctx) {
        asked.push({ holder, deployment: ctx.deployment, at: clock.now() });
        return script.current(provider, ctx);
      },
    },
  });
  return { app, store, deployments, controller, registry, asked, close: () => app.close() };
}

/**
 * One serving replica's report for the second just ended: every deployment with a rollout to run takes one request
 * per percent of weight on each of its routes, as routed by its current snapshot (the canary once it has weight).
 */
export async function serveOneSecond(world: ControllerWorld, clock: FakeClock): Promise<void> {
  const db = world.app.database.db;
  for (const { deployment } of await world.store.listActive(db)) {
    const { routing } = await world.deployments.get(systemContext("test"), deployment.name);
    const versions = routing.routes
      .filter((r) => r.weight > 0)
      .map((r) => ({
        version: r.version,
        role: r.role,
        requests: r.weight,
        errors: 0,
        latencyMs: { p50: 1, p99: 2, max: 2 },
        predictions: { labels: {}, numericCount: 0, numericSum: 0 },
      }));
    const window = {
      deployment: deployment.name,
      replica: "replica-1",
      revision: routing.revision,
      startedAt: clock.now() - 1000,
      endedAt: clock.now(),
      versions,
    };
    await world.store.insertObservation(db, window, clock.now() - 3_600_000);
  }
}

/** Registers versions 1..n of `model` (rows written as the registry would). */
export async function registerVersions(world: ControllerWorld, model: string, n: number): Promise<void> {
  for (let v = 1; v <= n; v++) await registerVersion({ app: world.app } as TestServer, model, v);
}
