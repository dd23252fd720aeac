// Alert rules as people manage them: create (validated, naming the field and what is allowed), list, delete,
// and the preset. A rule names exactly one deployment or one registered model (every deployment of it).
// Changes are audited in the transaction that writes them.
import { randomUUID } from "node:crypto";
import type { Clock } from "../../core/clock.js";
import { invalidParameter, notFound } from "../../core/errors.js";
import type { RequestContext } from "../../core/request-context.js";
import type { AuditLog } from "../../governance/audit.js";
import type { Database } from "../../store/database.js";
import { DRIFT_METHODS, type AlertKind, type AlertRule, type DriftMethod } from "../monitoring.js";
import { PRESET_RULES } from "./alert-presets.js";
import type { AlertNotices } from "./alert-notices.js";
import type { AlertStore } from "./alert-store.js";

const KINDS: readonly AlertKind[] = [
  "data_drift",
  "prediction_drift",
  "quality_drop",
  "latency_p99_ms",
  "error_rate",
];
const METRICS = ["accuracy", "precision", "recall", "f1", "auc", "rmse", "mae"] as const;
const SEVERITIES = ["warning", "critical"] as const;
const MAX_FOR_WINDOWS = 1000;
const MAX_NAME = 200;

export interface AlertRuleService {
  create(ctx: RequestContext, input: unknown): Promise<AlertRule>;
  list(q: { deployment?: string | undefined; model?: string | undefined }): Promise<AlertRule[]>;
  /** Deletes the rule and resolves its firing alerts (recorded as resolutions). */
  delete(ctx: RequestContext, id: string): Promise<void>;
  /** Creates the preset rules for `{ deployment }` or `{ model }`; rules of the same name there are kept. */
  preset(ctx: RequestContext, input: unknown): Promise<AlertRule[]>;
}

export interface AlertRuleDeps {
  database: Database;
  store: AlertStore;
  audit: AuditLog;
  clock: Clock;
  /** Whether the target exists, so a rule never names a typo. */
  /** The deployment's model; undefined when there is no such deployment. */
  modelOf(deployment: string): Promise<string | undefined>;
  /** Resolving a deleted rule's firing alerts is recorded as any resolution is. */
  notices: AlertNotices;
  modelExists(name: string): Promise<boolean>;
}

type Target = { deployment: string } | { model: string };

export function createAlertRuleService(deps: AlertRuleDeps): AlertRuleService {
  const { database, store, audit, clock } = deps;

  async function target(body: Record<string, unknown>): Promise<Target> {
    const deployment = optionalText(body, "deployment");
    const model = optionalText(body, "model");
    if ((deployment === undefined) === (model === undefined)) {
      throw invalidParameter(
        "Give exactly one of deployment (one deployment) or model (every deployment of a registered model).",
      );
    }
    if (deployment !== undefined) {
      if ((await deps.modelOf(deployment)) === undefined)
        throw notFound(`Deployment '${deployment}' does not exist.`);
      return { deployment };
    }
    if (!(await deps.modelExists(model as string)))
      throw notFound(`Registered model '${model}' does not exist.`);
    return { model: model as string };
  }

  async function insert(ctx: RequestContext, rules: AlertRule[]): Promise<void> {
    await database.transaction(async (trx) => {
      for (const r of rules) {
        await store.insertRule(trx, r);
        await audit.record(trx, ctx, {
          action: "monitoring.alert_rule_create",
          targetType: "alert_rule",
          targetId: r.id,
          after: r,
          reason: ctx.reason,
        });
      }
    });
  }

  return {
    async create(ctx, input) {
      const body = objectOf(input);
      const t = await target(body);
      const rule = parseRule(body, t, ctx, clock.now());
      await insert(ctx, [rule]);
      return rule;
    },
    async list(q) {
      return store.rules(database.db, {
        ...(q.deployment !== undefined ? { deployment: q.deployment } : {}),
        ...(q.model !== undefined ? { model: q.model } : {}),
      });
    },
    async delete(ctx, id) {
      // The models of the deployments it fires on, read before the transaction (on SQLite a read outside the
      // transaction would wait for it).
      const models = new Map<string, string>();
      for (const a of await store.firingOf(database.db, id))
        if (!models.has(a.deployment)) models.set(a.deployment, (await deps.modelOf(a.deployment)) ?? "");
      await database.transaction(async (trx) => {
        const before = await store.rule(trx, id);
        if (before === undefined || !(await store.deleteRule(trx, id)))
          throw notFound(`Alert rule '${id}' does not exist.`);
        // Its firing alerts end with it (a gauge and a pager would otherwise report them for ever).
        const now = clock.now();
        for (const a of await store.firingOf(trx, id)) {
          if (!(await store.resolve(trx, a.id, now))) continue;
          const model = before.model ?? models.get(a.deployment) ?? "";
          await deps.notices.record(trx, { ...a, state: "resolved", resolvedAt: now }, model);
        }
        await audit.record(trx, ctx, {
          action: "monitoring.alert_rule_delete",
          targetType: "alert_rule",
          targetId: id,
          before,
          reason: ctx.reason,
        });
      });
    },
    async preset(ctx, input) {
      const t = await target(objectOf(input));
      const existing = new Set((await store.rules(database.db, t)).map((r) => r.name));
      const now = clock.now();
      const rules = PRESET_RULES.filter((p) => !existing.has(p.name)).map((p): AlertRule => ({
        id: randomUUID(),
        ...t,
        ...p,
        forWindows: 1,
        enabled: true,
        createdAt: now,
        createdBy: ctx.actor,
      }));
      await insert(ctx, rules);
      return rules;
    },
  };
}

function objectOf(input: unknown): Record<string, unknown> {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    throw invalidParameter("The body must be a JSON object.");
  return input as Record<string, unknown>;
}

function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v.trim() === "")
    throw invalidParameter(`${field} must be a non-empty string.`);
  return v;
}

function oneOf<T extends string>(
  body: Record<string, unknown>,
  field: string,
  allowed: readonly T[],
): T | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || !allowed.includes(v as T))
    throw invalidParameter(
      `Invalid ${field} '${JSON.stringify(v).slice(0, 50)}': use one of ${allowed.join(", ")}.`,
    );
  return v as T;
}

function flag(body: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw invalidParameter(`${field} must be true or false.`);
  return v;
}

function parseRule(body: Record<string, unknown>, t: Target, ctx: RequestContext, now: number): AlertRule {
  const kind = oneOf(body, "kind", KINDS);
  if (kind === undefined) throw invalidParameter(`kind is required: one of ${KINDS.join(", ")}.`);
  const method = oneOf(body, "method", DRIFT_METHODS);
  const metric = oneOf(body, "metric", METRICS);
  const column = optionalText(body, "column");
  if ((method !== undefined || column !== undefined) && kind !== "data_drift" && kind !== "prediction_drift")
    throw invalidParameter(`method and column apply to data_drift and prediction_drift rules, not ${kind}.`);
  if (metric !== undefined && kind !== "quality_drop")
    throw invalidParameter(`metric applies to quality_drop rules, not ${kind}.`);
  const threshold = thresholdOf(body, kind, method, column);
  const forWindows = body.forWindows ?? 1;
  if (
    typeof forWindows !== "number" ||
    !Number.isInteger(forWindows) ||
    forWindows < 1 ||
    forWindows > MAX_FOR_WINDOWS
  )
    throw invalidParameter(
      `forWindows must be a whole number of consecutive windows from 1 to ${MAX_FOR_WINDOWS}.`,
    );
  const name = optionalText(body, "name") ?? `${kind}${method !== undefined ? ` (${method})` : ""}`;
  if (name.length > MAX_NAME) throw invalidParameter(`name must be at most ${MAX_NAME} characters.`);
  return {
    id: randomUUID(),
    name,
    ...t,
    kind,
    threshold,
    ...(column !== undefined ? { column } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(kind === "quality_drop" ? { metric: metric ?? "accuracy" } : {}),
    forWindows,
    severity: oneOf(body, "severity", SEVERITIES) ?? "warning",
    rollbackCanary: flag(body, "rollbackCanary", true),
    enabled: flag(body, "enabled", true),
    createdAt: now,
    createdBy: ctx.actor,
  };
}

/** Required, except for drift rules that use the spec's own decisions (dataset share 0.5, prediction drift). */
function thresholdOf(
  body: Record<string, unknown>,
  kind: AlertKind,
  method: DriftMethod | undefined,
  column: string | undefined,
): number {
  const v = body.threshold;
  const ownDecision =
    method === undefined && (kind === "prediction_drift" || (kind === "data_drift" && column === undefined));
  if (v === undefined || v === null) {
    if (kind === "prediction_drift" && method === undefined) return 0;
    if (kind === "data_drift" && ownDecision) return 0.5;
    throw invalidParameter(
      `threshold is required for ${kind}${method !== undefined ? ` (${method})` : ""} rules.`,
    );
  }
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw invalidParameter("threshold must be a number, 0 or more.");
  const fraction = kind === "error_rate" || (kind === "data_drift" && ownDecision);
  if (fraction && v > 1) throw invalidParameter(`threshold of a ${kind} rule is a fraction from 0 to 1.`);
  return v;
}
