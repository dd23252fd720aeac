// Governance wiring for the composition root: identities, the access check, the audit query and the HTTP
// guard, built from the database and the server config. Also creates the first admin from
// FLOWGATE_ADMIN_USERNAME / FLOWGATE_ADMIN_PASSWORD when no user exists yet.
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/logger.js";
import { systemContext } from "../core/request-context.js";
import type { Database } from "../store/database.js";
import { createAuthGuard, type AuthGuard } from "../api/auth-guard.js";
import { createAccessControl, type AccessControl } from "./access-control.js";
import type { AuditLog } from "./audit.js";
import { createAuditQuery, type AuditQuery } from "./audit-query.js";
import { createAuthenticator } from "./auth/authenticator.js";
import { createLoginThrottle } from "./auth/login-throttle.js";
import { createSqlUserStore } from "./auth/sql-user-store.js";
import { createUserService, type UserService } from "./auth/users.js";
import { createModelNames, type ScopeStore } from "./scope-store.js";
import type { ArtifactRepository } from "../artifacts/artifact-repo.js";
import type { Outbox } from "../webhooks/outbox.js";
import { sendWebhook } from "../webhooks/http-sender.js";
import type { TargetRules } from "../webhooks/target-address.js";
import { BUILT_IN_POLICY, createPolicyService, type PolicyService } from "./policies.js";
import { createSqlGateEvaluationStore, type GateEvaluationStore } from "./gates/sql-gate-evaluation-store.js";
import { createVersionFactsReader } from "./gates/version-facts.js";
import { createLatencyProbe, type SmokeBenchmark } from "./gates/latency-measurements.js";
import { shadowRecordReader } from "./gates/shadow-record.js";
import { servedVersionsOf } from "./served-versions.js";
import { createSqlDeploymentStore } from "../delivery/sql-deployment-store.js";
import { createPromotionService, type PromotionService } from "./promotions.js";
import { createSqlTransitionRequestStore } from "./transition-request-store.js";
import { createApprovalService, type ApprovalService, type TransitionApplier } from "./approvals.js";

export interface Governance {
  users: UserService;
  access: AccessControl;
  auditQuery: AuditQuery;
  guard: AuthGuard;
  policies: PolicyService;
  evaluations: GateEvaluationStore;
  /** The registry's hooks: permission, policy and gate checks, and webhook events, inside its transactions. */
  promotions: PromotionService;
  approvals: ApprovalService;
  /** Called once the registry exists: approved requests are applied through it. */
  setApplier(applier: TransitionApplier): void;
}

export async function createGovernance(deps: {
  database: Database;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  authEnabled: boolean;
  outbox: Outbox;
  artifacts: ArtifactRepository;
  /** Where a request's run, logged model or version sits (experiment, release), for scoped grants. */
  scopes: ScopeStore;
  /** SSRF rules for external (http) gates: the same as for webhook targets. */
  externalRules: TargetRules;
  /** The serving smoke benchmark the max_latency gate relies on, and where it may copy model files. */
  benchmark: SmokeBenchmark;
  workDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<Governance> {
  const { database, audit, clock, logger } = deps;
  const store = createSqlUserStore();
  const users = createUserService({ database, store, audit, clock, models: createModelNames() });
  const env = deps.env ?? process.env;
  const adminName = env.FLOWGATE_ADMIN_USERNAME;
  const adminPassword = env.FLOWGATE_ADMIN_PASSWORD;
  if (adminName !== undefined && adminPassword !== undefined) {
    // Exclusively: servers starting together on an empty database must create the first admin once.
    await database.exclusively(async () => {
      if ((await store.countUsers(database.db)) > 0) return;
      await users.createAdmin(systemContext("bootstrap"), adminName, adminPassword);
      logger.info({ username: adminName }, "created the first admin from FLOWGATE_ADMIN_USERNAME");
    });
  }
  if (deps.authEnabled && (await store.countUsers(database.db)) === 0) {
    logger.warn(
      "auth is on but no user exists: create the first admin with `flowgate users create-admin` " +
        "or set FLOWGATE_ADMIN_USERNAME and FLOWGATE_ADMIN_PASSWORD",
    );
  }
  const access = createAccessControl({ enabled: deps.authEnabled, database, store, scopes: deps.scopes });
  const policies = createPolicyService({
    database,
    audit,
    clock,
    builtIn: { ...BUILT_IN_POLICY, requireReason: deps.authEnabled },
  });
  const evaluations = createSqlGateEvaluationStore();
  const facts = createVersionFactsReader({ artifacts: deps.artifacts });
  const requests = createSqlTransitionRequestStore();
  const deployments = createSqlDeploymentStore();
  const served = servedVersionsOf(deployments);
  const promotions = createPromotionService({
    database,
    policies,
    access,
    facts,
    evaluations,
    outbox: deps.outbox,
    requests,
    audit,
    external: (url, body, timeoutMs) =>
      sendWebhook(url, { "content-type": "application/json" }, body, deps.externalRules, timeoutMs),
    latency: createLatencyProbe({
      database,
      artifacts: deps.artifacts,
      benchmark: deps.benchmark,
      workDir: deps.workDir,
      clock,
      logger,
    }),
    shadow: shadowRecordReader(deployments),
    async deploymentPrimary(x, name) {
      const d = await deployments.get(x, name);
      const primary =
        d === undefined ? undefined : (await deployments.revision(x, name, d.revision))?.spec.primary;
      return primary === undefined || !/^\d+$/.test(primary) ? undefined : Number(primary);
    },
    async forgetModel(trx, name) {
      const id = await deps.scopes.modelIdOf(trx, name);
      if (id !== undefined) await store.deleteGrantsOn(trx, "registered_model", String(id));
    },
    clock,
    logger,
  });
  let applier: TransitionApplier | undefined;
  const approvals = createApprovalService({
    database,
    store: requests,
    audit,
    access,
    facts,
    promotions,
    outbox: deps.outbox,
    clock,
    modelOfDeployment: (x, name) => deps.scopes.modelOfDeployment(x, name),
    applier: () => applier,
  });
  const authenticator = createAuthenticator({
    database,
    store,
    throttle: createLoginThrottle(clock, database.bus),
    clock,
  });
  const guard = createAuthGuard({
    enabled: deps.authEnabled,
    authenticator,
    scopes: deps.scopes,
    database,
    isProtectedAlias: (name, alias) => promotions.isProtectedAlias(name, alias),
    isServed: (name, version) => served(database.db, name, version),
    logger,
  });
  return {
    users,
    access,
    auditQuery: createAuditQuery(),
    guard,
    policies,
    evaluations,
    promotions,
    approvals,
    setApplier: (a) => {
      applier = a;
    },
  };
}
