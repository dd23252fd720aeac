// Builds the rollout controller from the server's services: the loop (lease, metric providers, records) and
// the user actions. Aliases are read from the registry store and moved through the registry's own setAlias, so
// a promoteAlias meets the same governance as a person moving it.
import { randomUUID } from "node:crypto";
import os from "node:os";
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { AuditLog } from "../../governance/audit.js";
import { setAlias } from "../../registry/aliases.js";
import type { RegistryDeps } from "../../registry/registry-deps.js";
import type { Database } from "../../store/database.js";
import type { Outbox } from "../../webhooks/outbox.js";
import type { DeploymentStore } from "../deployment-store.js";
import type { DeploymentService } from "../deployments.js";
import { ControllerLoop } from "./controller-loop.js";
import { createControllerLease } from "./controller-lease.js";
import { createDeploymentActions, type DeploymentActions } from "./deployment-actions.js";
import { createDeploymentNotices } from "./deployment-notices.js";
import type { MetricSource } from "./metric-source.js";
import { createProviderMetricSource } from "./provider-metric-source.js";

export interface RolloutController {
  loop: ControllerLoop;
  actions: DeploymentActions;
}

export function createRolloutController(deps: {
  database: Database;
  store: DeploymentStore;
  deployments: DeploymentService;
  registry: RegistryDeps;
  audit: AuditLog;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  /** Default: the serving, Prometheus and web providers. */
  metrics?: MetricSource;
  /** This server in the leases it holds (default host:pid:random, unique per process). */
  holder?: string;
  tickMs?: number;
}): RolloutController {
  const { database, store, deployments, registry, clock } = deps;
  const notices = createDeploymentNotices({ audit: deps.audit, outbox: deps.outbox });
  const loop = new ControllerLoop({
    database,
    store,
    lease: createControllerLease(),
    metrics: deps.metrics ?? createProviderMetricSource({ database, store }),
    notices,
    deployments,
    aliases: {
      async version(model, alias) {
        const v = await registry.store.findVersionByAlias(database.db, model, alias);
        return v === undefined ? undefined : String(v.version);
      },
      move: (ctx, model, alias, version) =>
        setAlias(registry, ctx, { name: model, alias, version: Number(version) }),
    },
    clock,
    logger: deps.logger,
    holder: deps.holder ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
  });
  return { loop, actions: createDeploymentActions({ database, store, notices, deployments, clock }) };
}
