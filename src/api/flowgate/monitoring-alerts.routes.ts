// Native API of monitoring's alert rules (list, create, delete, preset), alerts (history) and a deployment's
// stored windows. The rules service validates and audits; reads go to the stores.
import { invalidParameter, notFound } from "../../core/errors.js";
import type { DeploymentStore } from "../../delivery/deployment-store.js";
import type { AlertRuleService } from "../../monitoring/alerts/alert-rules.js";
import type { AlertStore } from "../../monitoring/alerts/alert-store.js";
import type { WindowStore } from "../../monitoring/monitor/window-store.js";
import type { Database } from "../../store/database.js";
import { readAccessOfRequest } from "../auth-guard.js";
import type { RoutePlugin } from "../server.js";
import { optionalEnum, optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as S from "./schemas/monitoring-alerts.js";

const DEFAULT_RESULTS = 1000;
const MAX_RESULTS = 10_000;

function maxResults(args: WireArgs): number {
  const n = optionalInt(args, "max_results") ?? DEFAULT_RESULTS;
  if (n < 1 || n > MAX_RESULTS)
    throw invalidParameter(`max_results must be from 1 to ${MAX_RESULTS} (got ${n}).`);
  return n;
}

export function monitoringAlertsRoutes(deps: {
  database: Database;
  rules: AlertRuleService;
  alerts: AlertStore;
  windows: WindowStore;
  deployments: Pick<DeploymentStore, "get">;
  /** A registered model's id by name (listings show what the caller may read). */
  modelId(name: string): Promise<number | undefined>;
}): RoutePlugin {
  const { database, rules } = deps;
  /** Narrows a listing to the deployments and models whose model the caller may read. */
  function readable(access: ReturnType<typeof readAccessOfRequest>) {
    const seen = new Map<string, Promise<boolean>>();
    const model = async (name: string): Promise<boolean> => {
      const id = await deps.modelId(name);
      return id !== undefined && access.model(id);
    };
    const deployment = async (name: string): Promise<boolean> => {
      const d = await deps.deployments.get(database.db, name);
      return d !== undefined && model(d.model);
    };
    return async (t: { deployment?: string | undefined; model?: string | undefined }): Promise<boolean> => {
      if (access.unrestricted) return true;
      const key = t.deployment !== undefined ? `d:${t.deployment}` : `m:${t.model ?? ""}`;
      let ok = seen.get(key);
      if (ok === undefined) {
        ok = t.deployment !== undefined ? deployment(t.deployment) : model(t.model ?? "");
        seen.set(key, ok);
      }
      return ok;
    };
  }
  async function only<T extends { deployment?: string | undefined; model?: string | undefined }>(
    items: T[],
    may: (t: T) => Promise<boolean>,
  ): Promise<T[]> {
    const keep = await Promise.all(items.map(may));
    return items.filter((_, i) => keep[i]);
  }
  return (app) => {
    nativeRoute(app, "GET", "monitoring/alert-rules", S.listAlertRules, async ({ args, request }) => ({
      rules: await only(
        await rules.list({
          deployment: optionalString(args, "deployment"),
          model: optionalString(args, "model"),
        }),
        readable(readAccessOfRequest(request)),
      ),
    }));
    nativeRoute(app, "POST", "monitoring/alert-rules", S.createAlertRule, async ({ args, ctx }) => ({
      rule: await rules.create(ctx, args),
    }));
    nativeRoute(app, "POST", "monitoring/alert-rules/preset", S.presetAlertRules, async ({ args, ctx }) => ({
      rules: await rules.preset(ctx, args),
    }));
    nativeRoute(app, "DELETE", "monitoring/alert-rules/:id", S.deleteAlertRule, async ({ params, ctx }) => {
      await rules.delete(ctx, params.id ?? "");
      return {};
    });
    nativeRoute(app, "GET", "monitoring/alerts", S.listAlerts, async ({ args, request }) => {
      const deployment = optionalString(args, "deployment");
      const state = optionalEnum(args, "state", ["firing", "resolved"] as const);
      const alerts = await deps.alerts.alerts(database.db, {
        ...(deployment !== undefined ? { deployment } : {}),
        ...(state !== undefined ? { state } : {}),
        limit: maxResults(args),
      });
      return { alerts: await only(alerts, readable(readAccessOfRequest(request))) };
    });
    nativeRoute(
      app,
      "GET",
      "monitoring/deployments/:name/windows",
      S.listWindows,
      async ({ params, args }) => {
        const name = params.name ?? "";
        if ((await deps.deployments.get(database.db, name)) === undefined)
          throw notFound(`Deployment '${name}' does not exist.`);
        const from = optionalInt(args, "from");
        const to = optionalInt(args, "to");
        const version = optionalString(args, "version");
        if (from !== undefined && to !== undefined && from >= to)
          throw invalidParameter(`from (${from}) must be before to (${to}).`);
        return {
          windows: await deps.windows.list(database.db, name, {
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            ...(version !== undefined ? { version } : {}),
            limit: maxResults(args),
          }),
        };
      },
    );
  };
}
