// Composition root: opens the stores, builds the services and hands them to the HTTP layer.
// The only place that knows every piece; each piece gets exactly the dependencies it uses.
import type { FastifyInstance } from "fastify";
import { systemClock, type Clock } from "./core/clock.js";
import type { ServerConfig } from "./core/config.js";
import type { Logger } from "./core/logger.js";
import { MLFLOW_COMPAT_VERSION } from "./core/version.js";
import { openDatabase, type Database } from "./store/database.js";
import { buildServer, type RoutePlugin } from "./api/server.js";
import { createAuditLog } from "./governance/audit.js";
import { createSqlTrackingStore } from "./tracking/sql-tracking-store.js";
import { createExperimentService } from "./tracking/experiments.js";
import { createRunService } from "./tracking/runs.js";
import { experimentRoutes } from "./api/mlflow/experiments.routes.js";
import { runRoutes } from "./api/mlflow/runs.routes.js";
import { metricRoutes } from "./api/mlflow/metrics.routes.js";
import { createLocalArtifactRepository } from "./artifacts/local-artifact-repo.js";
import { createArtifactProxy } from "./artifacts/artifact-proxy.js";
import { artifactsRoutes } from "./api/mlflow/artifacts.routes.js";
import { createSqlLoggedModelStore } from "./tracking/sql-logged-model-store.js";
import { createLoggedModelService } from "./tracking/logged-models.js";
import { createRunModelService } from "./tracking/run-models.js";
import { loggedModelsRoutes } from "./api/mlflow/logged-models.routes.js";
import { createSqlRegistryStore } from "./registry/sql-registry-store.js";
import type { RegistryDeps } from "./registry/registry-deps.js";
import { registeredModelRoutes } from "./api/mlflow/registered-models.routes.js";
import { modelVersionRoutes } from "./api/mlflow/model-versions.routes.js";
import { flowgateRegistryRoutes } from "./api/flowgate/registry.routes.js";
import { defaultUiDir, uiRoutes } from "./api/ui.routes.js";

export interface App {
  server: FastifyInstance;
  database: Database;
  close(): Promise<void>;
}

export async function createApp(
  config: ServerConfig,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<App> {
  const database = await openDatabase(config.backendStoreUri);
  try {
    const audit = createAuditLog(clock);
    const trackingStore = createSqlTrackingStore(database.dialect);
    const experiments = createExperimentService({
      database,
      store: trackingStore,
      audit,
      clock,
      defaultArtifactRoot: config.defaultArtifactRoot,
    });
    await experiments.ensureDefaultExperiment();
    const runs = createRunService({ database, store: trackingStore, experiments, audit, clock });
    const loggedModelStore = createSqlLoggedModelStore();
    const loggedModels = createLoggedModelService({
      database,
      store: loggedModelStore,
      tracking: trackingStore,
      audit,
      clock,
    });
    const runModels = createRunModelService({
      database,
      store: loggedModelStore,
      tracking: trackingStore,
      audit,
    });
    const artifactRepo = createLocalArtifactRepository(config.artifactsDestination);
    const artifactProxy = createArtifactProxy({
      repo: artifactRepo,
      database,
      audit,
      maxUploadBytes: config.maxArtifactBytes,
      findRunArtifactUri: (runId) => runModels.findRunArtifactUri(runId),
    });
    const registry: RegistryDeps = {
      database,
      store: createSqlRegistryStore(loggedModelStore),
      audit,
      clock,
      logger,
    };
    const routes: RoutePlugin[] = [
      (app) => {
        app.get("/version", async (_req, reply) => reply.type("text/plain").send(MLFLOW_COMPAT_VERSION));
      },
      experimentRoutes(experiments),
      runRoutes(runs),
      metricRoutes(runs),
      artifactsRoutes(artifactProxy, config.serveArtifacts),
      loggedModelsRoutes(loggedModels, runModels, artifactProxy),
      registeredModelRoutes(registry),
      modelVersionRoutes(registry),
      flowgateRegistryRoutes(registry, artifactRepo),
      // Last: its SPA fallback answers only GETs no other route claimed.
      uiRoutes({ uiDir: defaultUiDir() }),
    ];
    const server = await buildServer({
      logger,
      maxJsonBodyBytes: config.maxJsonBodyBytes,
      allowedHosts: [config.host, ...config.allowedHosts],
      routes,
    });
    return {
      server,
      database,
      async close() {
        await server.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
