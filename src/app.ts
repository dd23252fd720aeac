// Composition root: opens the stores, builds the services and hands them to the HTTP layer.
// The only place that knows every piece; each piece gets exactly the dependencies it uses.
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { systemClock, type Clock } from "./core/clock.js";
import type { ServerConfig } from "./core/config.js";
import type { Logger } from "./core/logger.js";
import { MLFLOW_COMPAT_VERSION } from "./core/version.js";
import { openDatabase, type Database } from "./store/database.js";
import { buildServer, type RoutePlugin } from "./api/server.js";
import { textResponses } from "./api/openapi/wire-schema.js";
import { createAuditLog } from "./governance/audit.js";
import { createSqlTrackingStore } from "./tracking/sql-tracking-store.js";
import { createExperimentService } from "./tracking/experiments.js";
import { createRunService } from "./tracking/runs.js";
import { experimentRoutes } from "./api/mlflow/experiments.routes.js";
import { runRoutes } from "./api/mlflow/runs.routes.js";
import { metricRoutes } from "./api/mlflow/metrics.routes.js";
import { serverInfoRoutes } from "./api/mlflow/server-info.routes.js";
import { datasetRoutes } from "./api/mlflow/datasets.routes.js";
import { loggedModelFileRoutes } from "./api/mlflow/logged-model-files.routes.js";
import { graphqlRoutes } from "./api/graphql/graphql.routes.js";
import { queryLimitsFrom } from "./api/graphql/query-limits.js";
import { createDatasetService } from "./tracking/datasets.js";
import { createSqlDatasetStore } from "./tracking/sql-dataset-store.js";
import { createLocalArtifactRepository } from "./artifacts/local-artifact-repo.js";
import { openS3ArtifactRepository } from "./artifacts/s3-artifact-repo.js";
import { isS3Uri } from "./artifacts/s3-client.js";
import { useArtifactRoot } from "./artifacts/artifact-uri.js";
import { createArtifactProxy } from "./artifacts/artifact-proxy.js";
import { artifactsRoutes } from "./api/mlflow/artifacts.routes.js";
import { uiArtifactRoutes } from "./api/mlflow/ui-artifacts.routes.js";
import { versionFilesUri } from "./registry/version-files.js";
import { createSqlLoggedModelStore } from "./tracking/sql-logged-model-store.js";
import { createLoggedModelService } from "./tracking/logged-models.js";
import { createRunModelService } from "./tracking/run-models.js";
import { loggedModelsRoutes } from "./api/mlflow/logged-models.routes.js";
import { createSqlRegistryStore } from "./registry/sql-registry-store.js";
import type { RegistryDeps } from "./registry/registry-deps.js";
import { transitionStage } from "./registry/stages.js";
import { setAlias } from "./registry/aliases.js";
import { registeredModelRoutes } from "./api/mlflow/registered-models.routes.js";
import { modelVersionRoutes } from "./api/mlflow/model-versions.routes.js";
import { flowgateRegistryRoutes } from "./api/flowgate/registry.routes.js";
import { createGovernance, type Governance } from "./governance/governance.js";
import { createScopeStore } from "./governance/scope-store.js";
import type { RegisteredRoute } from "./api/auth-guard.js";
import { usersRoutes } from "./api/flowgate/users.routes.js";
import { auditRoutes } from "./api/flowgate/audit.routes.js";
import { createWebhookModule, type WebhookModule } from "./webhooks/webhook-module.js";
import { createSecretBox, loadSecretKey } from "./webhooks/secret-box.js";
import { webhooksRoutes } from "./api/mlflow/webhooks.routes.js";
import { webhookDeliveriesRoutes } from "./api/flowgate/webhook-deliveries.routes.js";
import { policiesRoutes } from "./api/flowgate/policies.routes.js";
import { transitionRequestsRoutes } from "./api/flowgate/transition-requests.routes.js";
import { defaultUiDir, uiRoutes } from "./api/ui.routes.js";
import { PYTHON_WORKER_PATH } from "./serving/python/worker-path.js";
import { createSqlDeploymentStore } from "./delivery/sql-deployment-store.js";
import { createDeploymentChanges } from "./delivery/deployment-changes.js";
import { createDeploymentService, type DeploymentService } from "./delivery/deployments.js";
import { deploymentsRoutes } from "./api/flowgate/deployments.routes.js";
import { createRolloutController, type RolloutController } from "./delivery/controller/rollout-controller.js";
import { deploymentActionsRoutes } from "./api/flowgate/deployment-actions.routes.js";
import { createSegmentService, type SegmentService } from "./monitoring/segments.js";
import { createSqlSegmentStore } from "./monitoring/sql-segment-store.js";
import { monitoringSegmentsRoutes } from "./api/flowgate/monitoring-segments.routes.js";
import { DEFAULT_RETENTION_DAYS } from "./delivery/monitoring-spec.js";
import { createSqlMonitoringStore } from "./monitoring/sql-monitoring-store.js";
import { createBaselineService } from "./monitoring/baselines.js";
import { createLabelService } from "./monitoring/labels.js";
import { createMonitor, type Monitor } from "./monitoring/monitor/monitor.js";
import { monitoringAlertsRoutes } from "./api/flowgate/monitoring-alerts.routes.js";
import { metricsRoutes } from "./api/metrics.routes.js";
import { monitoringRoutes } from "./api/flowgate/monitoring.routes.js";
import { monitoringReportRoutes } from "./api/flowgate/monitoring-report.routes.js";
import { segmentBytes } from "./monitoring/report/report-sources.js";

export interface App {
  server: FastifyInstance;
  database: Database;
  /** Every registered route with the permission rule that covers it (route-coverage test, startup check). */
  routePermissions(): RegisteredRoute[];
  /** Webhooks: domain services publish events through `webhooks.outbox` inside their transactions. */
  webhooks: WebhookModule;
  /** Governance services (promotion hooks for the registry, approvals, policies). */
  governance: Governance;
  /** Deployments: revisions, routing snapshots, observations. */
  deployments: DeploymentService;
  /** The rollout controller (its loop runs when config.controller is on) and the rollout actions. */
  controller: RolloutController;
  /** Monitoring's loop (it runs when config.monitor is on), alerting, alert rules and the /metrics gauges. */
  monitor: Monitor;
  /** The prediction log's segments: upload, list, openSegment (for the monitor), expire (retention). */
  segments: SegmentService;
  close(): Promise<void>;
}

export async function createApp(
  config: ServerConfig,
  logger: Logger,
  clock: Clock = systemClock,
  env: NodeJS.ProcessEnv = process.env,
): Promise<App> {
  const database = await openDatabase(config.backendStoreUri, {
    statementTimeoutMs: config.statementTimeoutSeconds * 1000,
    logger,
  });
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
    await database.exclusively(() => experiments.ensureDefaultExperiment());
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
    useArtifactRoot(config.defaultArtifactRoot);
    const artifactRepo = isS3Uri(config.artifactsDestination)
      ? openS3ArtifactRepository(config.artifactsDestination, env)
      : createLocalArtifactRepository(config.artifactsDestination);
    const artifactProxy = createArtifactProxy({
      repo: artifactRepo,
      database,
      audit,
      maxUploadBytes: config.maxArtifactBytes,
      findRunArtifactUri: (runId) => runModels.findRunArtifactUri(runId),
    });
    const box = createSecretBox(await loadSecretKey(env, config.secretKeyFile));
    if (
      database.dialect.engine === "postgresql" &&
      !env.FLOWGATE_SECRET_KEY &&
      !env.FLOWGATE_SECRET_KEY_FILE
    ) {
      // A key file made on this machine is this server's alone: replicas must share one key, or each one
      // fails to open the webhook secrets another sealed.
      logger.warn(
        { key_file: config.secretKeyFile },
        "the webhook secret key is this machine's own file; with several servers over this database, give " +
          "every one the same FLOWGATE_SECRET_KEY",
      );
    }
    const webhooks = createWebhookModule({ database, audit, clock, logger, config, env, box });
    const registryStore = createSqlRegistryStore(loggedModelStore);
    const governance = await createGovernance({
      database,
      scopes: createScopeStore({ loggedModels: loggedModelStore, registry: registryStore }),
      audit,
      clock,
      logger,
      authEnabled: config.auth,
      env,
      outbox: webhooks.outbox,
      artifacts: artifactRepo,
      externalRules: { allowHttp: config.webhookAllowHttp, allowPrivate: config.webhookAllowPrivate },
      benchmark: async (dir) => {
        // Loaded on use: the serving stack (onnxruntime-node) would slow every server start.
        const { runSmokeBenchmark } = await import("./serving/smoke-benchmark.js");
        return runSmokeBenchmark(dir, {
          choice: "auto",
          python: config.python,
          workerPath: PYTHON_WORKER_PATH,
          workers: 1,
          // As `models serve` does by default: the benchmark measures the version as it would be served.
          workerWaitSeconds: 30,
          onnxThreads: 1,
          cacheDir: config.cacheDir,
          logger,
          requests: 200,
          warmup: 20,
        });
      },
      workDir: path.join(config.cacheDir, "smoke"),
    });
    const registry: RegistryDeps = {
      database,
      store: registryStore,
      audit,
      clock,
      logger,
      hooks: governance.promotions,
    };
    // An approved transition request is applied through the registry's own transition, under its hooks.
    governance.setApplier({
      transitionStage: async (ctx, req) => {
        await transitionStage(registry, ctx, req);
      },
      setAlias: (ctx, req) => setAlias(registry, ctx, req),
    });
    const datasets = createDatasetService(database, createSqlDatasetStore());
    const deploymentStore = createSqlDeploymentStore();
    const deployments = createDeploymentService({
      database,
      store: deploymentStore,
      registry: registryStore,
      governance: governance.promotions,
      access: governance.access,
      audit,
      outbox: webhooks.outbox,
      clock,
      changes: createDeploymentChanges(database.bus),
    });
    const monitoringStore = createSqlMonitoringStore();
    const baselines = createBaselineService({
      registry,
      store: monitoringStore,
      datasets: createSqlDatasetStore(),
      artifacts: artifactRepo,
      runArtifactUri: (runId) => runModels.findRunArtifactUri(runId),
      readLocalFiles: !config.auth,
      audit,
      clock,
    });
    const labels = createLabelService({
      database,
      store: monitoringStore,
      deployments: deploymentStore,
      audit,
      clock,
    });
    const segments = createSegmentService({
      database,
      store: createSqlSegmentStore(),
      artifacts: artifactRepo,
      clock,
      logger,
      retentionDays: async (name) => {
        const d = await deploymentStore.get(database.db, name);
        if (d === undefined) return undefined;
        const spec = (await deploymentStore.revision(database.db, name, d.revision))?.spec;
        return spec?.monitoring?.retentionDays ?? DEFAULT_RETENTION_DAYS;
      },
    });
    const controller = createRolloutController({
      database,
      store: deploymentStore,
      deployments,
      registry,
      audit,
      outbox: webhooks.outbox,
      clock,
      logger,
    });
    const monitor = createMonitor({
      database,
      deployments: deploymentStore,
      registry: registryStore,
      tracking: trackingStore,
      segments,
      baselines,
      labels,
      actions: controller.actions,
      audit,
      outbox: webhooks.outbox,
      clock,
      logger,
      enabled: config.monitor,
      tickMs: config.monitorTickSeconds * 1000,
      graceMs: config.monitorGraceSeconds * 1000,
    });
    const routes: RoutePlugin[] = [
      (app) => {
        app.get(
          "/version",
          {
            schema: {
              tags: ["server"],
              summary: "The MLflow version served.",
              response: textResponses("A version"),
            },
          },
          async (_req, reply) => reply.type("text/plain").send(MLFLOW_COMPAT_VERSION),
        );
      },
      experimentRoutes(experiments),
      runRoutes(runs),
      metricRoutes(runs),
      serverInfoRoutes({ directTransfers: config.serveArtifacts && artifactRepo.direct !== undefined }),
      datasetRoutes(datasets),
      graphqlRoutes(
        { experiments, runs, artifacts: artifactProxy, registry, datasets },
        queryLimitsFrom(env),
      ),
      artifactsRoutes(artifactProxy, config.serveArtifacts),
      uiArtifactRoutes({
        proxy: artifactProxy,
        versionFilesUri: (name, version) => versionFilesUri(registry, name, version),
        serveArtifacts: config.serveArtifacts,
      }),
      loggedModelsRoutes(loggedModels, runModels, artifactProxy),
      loggedModelFileRoutes(loggedModels, artifactProxy),
      registeredModelRoutes(registry),
      modelVersionRoutes(registry),
      flowgateRegistryRoutes(registry, artifactRepo),
      usersRoutes({ users: governance.users, access: governance.access }),
      auditRoutes({ database, auditQuery: governance.auditQuery }),
      webhooksRoutes({ webhooks: webhooks.service }),
      webhookDeliveriesRoutes({ webhooks: webhooks.service }),
      policiesRoutes({
        database,
        policies: governance.policies,
        promotions: governance.promotions,
        evaluations: governance.evaluations,
      }),
      transitionRequestsRoutes({ approvals: governance.approvals }),
      deploymentsRoutes({ deployments }),
      deploymentActionsRoutes({ actions: controller.actions }),
      monitoringAlertsRoutes({
        database,
        rules: monitor.rules,
        alerts: monitor.alerts,
        windows: monitor.windows,
        deployments: deploymentStore,
        modelId: (name) => registryStore.modelId(database.db, name),
      }),
      metricsRoutes(monitor.metrics),
      monitoringSegmentsRoutes({ segments }),
      monitoringRoutes({ baselines, labels }),
      monitoringReportRoutes({
        database,
        windows: monitor.windows,
        alerts: monitor.alerts,
        baselines,
        deployment: async (ctx, name) => {
          const view = await deployments.get(ctx, name);
          return { model: view.model, drift: view.spec.monitoring?.drift };
        },
        segments: (name, from, to) => segmentBytes(segments, name, from, to),
        clock,
      }),
      // Last: its SPA fallback answers only GETs no other route claimed.
      uiRoutes({ uiDir: defaultUiDir() }),
    ];
    const server = await buildServer({
      logger,
      maxJsonBodyBytes: config.maxJsonBodyBytes,
      allowedHosts: [config.host, ...config.allowedHosts],
      routes,
      guard: (app) => governance.guard.install(app),
    });
    webhooks.dispatcher.start();
    if (config.controller) controller.loop.start();
    if (config.monitor) monitor.loop.start();
    return {
      server,
      database,
      routePermissions: () => governance.guard.routes(),
      webhooks,
      governance,
      deployments,
      controller,
      monitor,
      segments,
      async close() {
        await server.close();
        // Before the database closes: the tick in flight finishes and this server's leases are given up.
        await controller.loop.stop();
        await monitor.loop.stop();
        await webhooks.dispatcher.stop();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
