// The one place HTTP requests are authenticated and checked against the route-permission table. Installed on
// the root Fastify instance before any route: onRoute records the rule of every route as it is registered
// (routes without one are denied), onRequest authenticates, preHandler (body parsed) checks the grant.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { FlowgateError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Authenticator } from "../governance/auth/authenticator.js";
import { parseAuthorization, unauthenticated } from "../governance/auth/credentials.js";
import { ANONYMOUS_ADMIN, type Principal } from "../governance/auth/principal.js";
import { can, readsOnlyReleased, type Scope } from "../governance/rbac.js";
import { ruleFor, type RouteRule } from "../governance/route-permissions.js";
import type { ScopeStore } from "../governance/scope-store.js";
import type { Database } from "../store/database.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling; with auth off, an anonymous caller with every permission. */
    principal?: Principal;
  }
}

export interface RegisteredRoute {
  method: string;
  url: string;
  rule: RouteRule | undefined;
}

export interface AuthGuard {
  install(app: FastifyInstance): void;
  /** Every route registered so far with the rule that covers it (undefined = no rule: denied). */
  routes(): RegisteredRoute[];
}

export function createAuthGuard(deps: {
  enabled: boolean;
  authenticator: Authenticator;
  scopes: ScopeStore;
  database: Database;
  /** Whether `alias` is a protected alias of registered model `name` (its policy says so). */
  isProtectedAlias: (name: string, alias: string) => Promise<boolean>;
  logger: Logger;
}): AuthGuard {
  const registered: RegisteredRoute[] = [];
  const rules = new Map<string, RouteRule | undefined>();

  async function scopeOf(request: FastifyRequest, rule: RouteRule): Promise<Scope> {
    const args = ((request.method === "GET" || request.method === "HEAD" ? request.query : request.body) ??
      {}) as Record<string, unknown>;
    const params = (request.params ?? {}) as Record<string, string>;
    const str = (v: unknown): string | undefined =>
      typeof v === "string" || typeof v === "number" ? String(v) : undefined;
    const db = deps.database.db;
    switch (rule.scope) {
      case "global":
        return { type: "global" };
      case "any":
        return { type: "any" };
      case "model": {
        const name = str(args.name);
        return name === undefined ? { type: "any" } : { type: "registered_model", id: name };
      }
      case "model-path":
        return params.name === undefined ? { type: "any" } : { type: "registered_model", id: params.name };
      case "experiment": {
        const id = str(args.experiment_id);
        return id === undefined ? { type: "global" } : { type: "experiment", id };
      }
      case "experiments": {
        const ids = Array.isArray(args.experiment_ids)
          ? args.experiment_ids.map(str)
          : [str(args.experiment_ids)];
        const given = ids.filter((x): x is string => x !== undefined);
        // One experiment: a per-experiment grant is enough; several: checked one by one below.
        if (given.length === 1) return { type: "experiment", id: given[0] as string };
        return given.length === 0 ? { type: "any" } : { type: "global" };
      }
      case "run": {
        const runId = str(args.run_id) ?? str(args.run_uuid);
        const exp = runId === undefined ? undefined : await deps.scopes.experimentOfRun(db, runId);
        return exp === undefined ? { type: "global" } : { type: "experiment", id: exp };
      }
      case "logged-model": {
        const id = params.model_id ?? str(args.model_id);
        const exp = id === undefined ? undefined : await deps.scopes.experimentOfLoggedModel(db, id);
        return exp === undefined ? { type: "global" } : { type: "experiment", id: exp };
      }
      case "artifact-path": {
        const rest = params["*"] ?? str((request.query as Record<string, unknown> | undefined)?.path) ?? "";
        const first = rest.replace(/^\/+/, "").split("/")[0] ?? "";
        return /^\d+$/.test(first) ? { type: "experiment", id: first } : { type: "global" };
      }
    }
  }

  async function isReleased(request: FastifyRequest): Promise<boolean> {
    const args = {
      ...((request.query ?? {}) as Record<string, unknown>),
      ...((request.params ?? {}) as Record<string, unknown>),
    };
    const name = typeof args.name === "string" ? args.name : undefined;
    if (name === undefined) return false;
    const version =
      typeof args.version === "string" && /^\d+$/.test(args.version) ? Number(args.version) : undefined;
    const alias = typeof args.alias === "string" ? args.alias : undefined;
    const release = await deps.scopes.versionRelease(deps.database.db, name, version, alias);
    if (release === undefined) return false;
    if (release.stage === "Production") return true;
    for (const a of release.aliases) if (await deps.isProtectedAlias(name, a)) return true;
    return false;
  }

  return {
    routes: () => [...registered],
    install(app) {
      app.addHook("onRoute", (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        for (const method of methods) {
          const rule = ruleFor(method, route.url);
          rules.set(`${method} ${route.url}`, rule);
          registered.push({ method, url: route.url, rule });
          if (rule === undefined) {
            deps.logger.warn(
              { method, url: route.url },
              "route has no permission rule: it is denied when auth is on",
            );
          }
        }
      });
      if (!deps.enabled) {
        app.addHook("onRequest", async (request) => {
          request.principal = ANONYMOUS_ADMIN;
        });
        return;
      }
      app.addHook("onRequest", async (request) => {
        const rule = rules.get(`${request.method} ${request.routeOptions.url ?? ""}`);
        const credentials = parseAuthorization(request.headers.authorization);
        if (credentials !== undefined) {
          request.principal = await deps.authenticator.authenticate(credentials, request.ip);
          request.actor = request.principal.username;
        }
        // Unknown URLs fall through to the 404 handler; known routes without a rule are denied.
        if (request.routeOptions.url === undefined) return;
        if (rule === undefined) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `${request.method} ${request.routeOptions.url} has no permission rule, so it is denied.`,
          );
        }
        if (rule.permission !== "public" && request.principal === undefined) {
          throw unauthenticated(
            "Authentication required: send HTTP Basic credentials (MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD) " +
              "or a bearer token (MLFLOW_TRACKING_TOKEN).",
          );
        }
      });
      app.addHook("preHandler", async (request) => {
        const rule = rules.get(`${request.method} ${request.routeOptions.url ?? ""}`);
        const principal = request.principal;
        if (rule === undefined || principal === undefined) return;
        if (rule.permission === "public" || rule.permission === "authenticated") return;
        const scope = await scopeOf(request, rule);
        if (!can(principal.grants, rule.permission, scope)) {
          const on =
            scope.type === "registered_model" || scope.type === "experiment"
              ? ` on ${scope.type} '${scope.id}'`
              : "";
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `User '${principal.username}' lacks permission ${rule.permission}${on}; ask an admin for a role that grants it.`,
          );
        }
        if (
          rule.releasedOnly === true &&
          readsOnlyReleased(principal.grants, scope) &&
          !(await isReleased(request))
        ) {
          throw new FlowgateError(
            "PERMISSION_DENIED",
            `User '${principal.username}' (service role) may read only versions in stage Production or behind a protected alias.`,
          );
        }
      });
    },
  };
}
