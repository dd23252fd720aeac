// The one place HTTP requests are authenticated and checked against the route-permission table. Installed on
// the root Fastify instance before any route: onRoute records the rule of every route as it is registered
// (routes without one are denied), onRequest authenticates, preHandler (body parsed) checks the grant.
// The target of a request is read with the same readers the handlers use (src/api/mlflow/wire-input.ts), so
// the object checked is the object acted on; what the caller may read is handed to the list routes as
// `request.readAccess`.
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { checkArtifactPath } from "../artifacts/safe-path.js";
import { artifactUriPath } from "../artifacts/artifact-uri.js";
import { FlowgateError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Authenticator } from "../governance/auth/authenticator.js";
import { parseAuthorization, unauthenticated } from "../governance/auth/credentials.js";
import { ANONYMOUS_ADMIN, type Principal } from "../governance/auth/principal.js";
import { can, type Scope } from "../governance/rbac.js";
import { readAccessOf, type ReadAccess } from "../governance/read-access.js";
import { ruleFor, type RouteRule } from "../governance/route-permissions.js";
import type { ScopeStore } from "../governance/scope-store.js";
import { linkedExperiments, mayReadUri } from "../governance/uri-reads.js";
import type { Database } from "../store/database.js";
import { versionArg } from "./mlflow/registry-wire.js";
import {
  optionalRunId,
  optionalString,
  requestArgs,
  stringList,
  type WireArgs,
} from "./mlflow/wire-input.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Who is calling; with auth off, an anonymous caller with every permission. */
    principal?: Principal;
    /** What the caller may read; list and search routes filter their results with it. */
    readAccess?: ReadAccess;
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

/** What a request may read; everything when no guard ran (auth off, tests of single routes). */
export function readAccessOfRequest(request: FastifyRequest): ReadAccess {
  return request.readAccess ?? UNRESTRICTED;
}

const UNRESTRICTED: ReadAccess = {
  unrestricted: true,
  experiment: () => true,
  model: () => true,
  versionNamed: async () => true,
  version: async () => true,
  artifact: async () => true,
};

/** The artifact proxy's path after `/mlflow-artifacts/<action>/`, raw as the handler reads it. */
const ARTIFACT_URL =
  /^\/(?:api|ajax-api)\/[\d.]+\/mlflow-artifacts\/(?:artifacts|presigned|mpu\/\w+)(?:\/(.*))?$/;

function denied(principal: Principal, permission: string, scope: Scope): FlowgateError {
  const on =
    scope.type === "registered_model" || scope.type === "experiment" ? ` on ${scope.type} '${scope.id}'` : "";
  return new FlowgateError(
    "PERMISSION_DENIED",
    `User '${principal.username}' lacks permission ${permission}${on}; ask an admin for a role that grants it.`,
  );
}

export function createAuthGuard(deps: {
  enabled: boolean;
  authenticator: Authenticator;
  scopes: ScopeStore;
  database: Database;
  /** Whether `alias` is a protected alias of registered model `name` (its policy says so). */
  isProtectedAlias: (name: string, alias: string) => Promise<boolean>;
  /** Whether a deployment of model `name` serves `version` now, so a service account may load it. */
  isServed: (name: string, version: number) => Promise<boolean>;
  logger: Logger;
}): AuthGuard {
  const registered: RegisteredRoute[] = [];
  const rules = new Map<string, RouteRule | undefined>();
  const db = (): Database["db"] => deps.database.db;

  /** A registered model by name: its id, or "global" (only a global grant reaches a model that is not there). */
  async function modelScope(name: string | undefined): Promise<Scope> {
    const id = name === undefined ? undefined : await deps.scopes.modelIdOf(db(), name);
    return id === undefined ? { type: "global" } : { type: "registered_model", id: String(id) };
  }

  async function runScope(runId: string | undefined): Promise<Scope> {
    const exp = runId === undefined ? undefined : await deps.scopes.experimentOfRun(db(), runId);
    return exp === undefined ? { type: "global" } : { type: "experiment", id: exp };
  }

  /** The artifact-store path a request reads or writes, validated as the artifact handlers validate it. */
  async function artifactPathOf(request: FastifyRequest, rule: RouteRule, args: WireArgs): Promise<string> {
    if (rule.scope === "run") {
      const runId = optionalRunId(args);
      const root = runId === undefined ? undefined : await deps.scopes.artifactRootOfRun(db(), runId);
      if (root === undefined) return "";
      const inside = checkArtifactPath(optionalString(args, "path") ?? "", { allowRoot: true });
      const base = artifactUriPath(root, "artifact_uri");
      return inside === "" ? base : `${base}/${inside}`;
    }
    // The proxy's bodies are raw file bytes: a listing's directory comes from the query, as its handler reads it.
    const raw = ARTIFACT_URL.exec(request.url.split("?")[0] ?? "")?.[1] ?? "";
    const query = (request.query ?? {}) as WireArgs;
    return checkArtifactPath(raw === "" ? (optionalString(query, "path") ?? "") : raw, { allowRoot: true });
  }

  async function scopeOf(request: FastifyRequest, rule: RouteRule, args: WireArgs): Promise<Scope> {
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    switch (rule.scope) {
      case "global":
        return { type: "global" };
      case "any":
        return { type: "any" };
      case "model":
        return modelScope(optionalString(args, "name"));
      case "model-path":
        return modelScope(params.name);
      case "deployment": {
        const deployment = params.name ?? (typeof args.deployment === "string" ? args.deployment : undefined);
        if (deployment !== undefined)
          return modelScope(await deps.scopes.modelOfDeployment(db(), deployment));
        const spec = args.spec;
        // A deployment's spec names its model; a monitoring alert rule may name a model instead of a deployment.
        const model = typeof spec === "object" && spec !== null ? (spec as WireArgs).model : args.model;
        return modelScope(typeof model === "string" ? model : undefined);
      }
      case "experiment": {
        const id = optionalString(args, "experiment_id");
        return id === undefined ? { type: "global" } : { type: "experiment", id };
      }
      case "experiments": {
        const ids = stringList(args, "experiment_ids");
        // One experiment: its grant is enough; several: each is checked in `check`; none: only a global
        // grant, as the search would not be narrowed to anything the caller was granted.
        if (ids.length === 1) return { type: "experiment", id: ids[0] as string };
        return ids.length === 0 ? { type: "global" } : { type: "any" };
      }
      case "run":
        return runScope(optionalRunId(args));
      case "logged-model": {
        const id = params.model_id ?? optionalString(args, "model_id");
        const exp = id === undefined ? undefined : await deps.scopes.experimentOfLoggedModel(db(), id);
        return exp === undefined ? { type: "global" } : { type: "experiment", id: exp };
      }
      case "artifact-path": {
        const first = (await artifactPathOf(request, rule, args)).split("/")[0] ?? "";
        return /^\d+$/.test(first) ? { type: "experiment", id: first } : { type: "global" };
      }
    }
  }

  /** The version a single-version read names (path or query), as the handlers read it. */
  async function versionNamed(request: FastifyRequest, args: WireArgs) {
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const name = params.name ?? optionalString(args, "name");
    if (name === undefined) return { name, found: undefined };
    const alias = optionalString(args, "alias");
    const rawVersion = params.version ?? (args.version === undefined ? undefined : versionArg(args));
    const version = rawVersion === undefined ? undefined : Number(rawVersion);
    const target =
      version !== undefined && Number.isSafeInteger(version)
        ? { version }
        : alias !== undefined
          ? { alias }
          : undefined;
    return {
      name,
      found: target === undefined ? undefined : await deps.scopes.findVersion(db(), name, target),
    };
  }

  async function check(request: FastifyRequest, rule: RouteRule, principal: Principal): Promise<void> {
    if (rule.permission === "public" || rule.permission === "authenticated") return;
    const permission = rule.permission;
    // Routes whose body is file bytes (uploads) name their run and path in the query, as their handlers read.
    const bytes = Buffer.isBuffer(request.body) || request.body instanceof Readable;
    const args = bytes ? ((request.query ?? {}) as WireArgs) : requestArgs(request);
    const access = request.readAccess as ReadAccess;
    const scope = await scopeOf(request, rule, args);

    if (permission === "artifact.read" && (rule.scope === "artifact-path" || rule.scope === "run")) {
      // File reads go through the one rule of what a caller may see, versions' files included.
      if (!(await access.artifact(db(), await artifactPathOf(request, rule, args)))) {
        throw denied(principal, permission, scope);
      }
      return;
    }
    if (!can(principal.grants, permission, scope)) throw denied(principal, permission, scope);
    if (rule.scope === "experiments") {
      for (const id of stringList(args, "experiment_ids")) {
        if (!can(principal.grants, permission, { type: "experiment", id })) {
          throw denied(principal, permission, { type: "experiment", id });
        }
      }
    }
    if (rule.version === true) {
      const { name, found } = await versionNamed(request, args);
      const modelId = scope.type === "registered_model" ? Number(scope.id) : undefined;
      // A version that is not there is judged as an unreleased one: a full reader then gets the handler's 404.
      const subject = found ?? {
        registeredModelId: modelId ?? -1,
        name: name ?? "",
        currentStage: "None",
        aliases: [],
      };
      if (!(await access.version(subject))) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `User '${principal.username}' (service role) may read only versions in stage Production, behind a protected alias, or served by a deployment.`,
        );
      }
    }
    if (rule.readsUri !== undefined) {
      const uri = optionalString(args, rule.readsUri);
      if (uri !== undefined && !(await mayReadUri(access, deps.scopes, db(), uri))) {
        throw new FlowgateError(
          "PERMISSION_DENIED",
          `User '${principal.username}' may not read what '${uri.slice(0, 200)}' names (the model version, ` +
            "run or experiment files behind it), so it cannot be used here.",
        );
      }
      if (rule.readsUri === "source") {
        const link = {
          runId: optionalString(args, "run_id") || undefined,
          modelId: optionalString(args, "model_id") || undefined,
        };
        for (const id of await linkedExperiments(deps.scopes, db(), link)) {
          if (!access.experiment(id)) throw denied(principal, "experiment.read", { type: "experiment", id });
        }
      }
    }
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
          request.readAccess = readAccessOf(request.principal.grants, {
            isProtectedAlias: deps.isProtectedAlias,
            isServed: deps.isServed,
            modelIdOf: (name) => deps.scopes.modelIdOf(db(), name),
            findVersion: (name, version) => deps.scopes.findVersion(db(), name, { version }),
            versionsStoredIn: (x, experimentId) => deps.scopes.versionsStoredIn(x, experimentId),
          });
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
        await check(request, rule, principal);
      });
    },
  };
}
