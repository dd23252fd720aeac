// Native API for promotion policies (per model and the server default, YAML or JSON documents) and gate
// evaluations (run on demand without promoting; list what every promotion attempt was checked against).
import { invalidParameter } from "../../core/errors.js";
import { checkMaxResults } from "../../core/paging.js";
import type { GateResult } from "../../governance/gates/evaluate-gate.js";
import type { GateEvaluationStore } from "../../governance/gates/sql-gate-evaluation-store.js";
import {
  policyDocument,
  targetLabel,
  type PolicyService,
  type PromotionTarget,
  type StoredPolicy,
} from "../../governance/policies.js";
import type { PromotionService } from "../../governance/promotions.js";
import type { Database } from "../../store/database.js";
import type { RoutePlugin } from "../server.js";
import { optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import { compact } from "../mlflow/wire-output.js";
import { nativeRoute } from "./native-router.js";
import * as N from "./schemas/native.js";

function policyJson(p: StoredPolicy): object {
  return compact({
    policy: policyDocument(p.policy),
    source: p.source,
    updated_at: p.updatedAt,
    updated_by: p.updatedBy,
  });
}

/** `{document: "<yaml or json text>"}` or `{policy: {...}}`. */
function documentOf(args: WireArgs): unknown {
  if (typeof args.document === "string") return args.document;
  if (typeof args.policy === "object" && args.policy !== null) return args.policy;
  throw invalidParameter('Missing policy: send {"document": "<YAML or JSON>"} or {"policy": {...}}.');
}

export function targetOf(args: WireArgs): PromotionTarget {
  const given = (["stage", "alias", "deployment"] as const).flatMap((kind) => {
    const name = optionalString(args, kind);
    return name === undefined ? [] : [{ kind, name }];
  });
  if (given.length !== 1) {
    throw invalidParameter(
      "Give exactly one target: 'stage' (e.g. Production), 'alias' (e.g. champion) or 'deployment' (its name).",
    );
  }
  return given[0] as PromotionTarget;
}

function versionOf(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw))
    throw invalidParameter(`Invalid version '${raw ?? ""}': a positive integer.`);
  return Number(raw);
}

export function gateResultJson(r: GateResult): object {
  return { gate: r.gate, type: r.type, passed: r.passed, message: r.message, inputs: r.inputs };
}

export function policiesRoutes(deps: {
  database: Database;
  policies: PolicyService;
  promotions: PromotionService;
  evaluations: GateEvaluationStore;
}): RoutePlugin {
  const { database, policies, promotions, evaluations } = deps;
  return (app) => {
    nativeRoute(app, "GET", "policies/default", N.getDefaultPolicy, async () =>
      policyJson(await policies.getDefault()),
    );
    nativeRoute(app, "PUT", "policies/default", N.setDefaultPolicy, async ({ args, ctx }) =>
      policyJson(await policies.setPolicy(ctx, undefined, documentOf(args))),
    );
    nativeRoute(app, "DELETE", "policies/default", N.deleteDefaultPolicy, async ({ ctx }) => {
      await policies.deletePolicy(ctx, undefined);
      return {};
    });
    nativeRoute(app, "GET", "models/:name/policy", N.getModelPolicy, async ({ params }) =>
      policyJson(await policies.policyFor(database.db, params.name ?? "")),
    );
    nativeRoute(app, "PUT", "models/:name/policy", N.setModelPolicy, async ({ args, params, ctx }) =>
      policyJson(await policies.setPolicy(ctx, params.name ?? "", documentOf(args))),
    );
    nativeRoute(app, "DELETE", "models/:name/policy", N.deleteModelPolicy, async ({ params, ctx }) => {
      await policies.deletePolicy(ctx, params.name ?? "");
      return {};
    });
    nativeRoute(
      app,
      "POST",
      "models/:name/versions/:version/evaluate-gates",
      N.evaluateGates,
      async ({ args, params, ctx }) => {
        const target = targetOf(args);
        const results = await promotions.evaluate(ctx, params.name ?? "", versionOf(params.version), target);
        return {
          passed: results.every((r) => r.passed),
          results: results.map((r) => ({ ...gateResultJson(r), target: targetLabel(target) })),
        };
      },
    );
    nativeRoute(
      app,
      "GET",
      "models/:name/versions/:version/gate-evaluations",
      N.gateEvaluations,
      async ({ args, params }) => {
        const limit = checkMaxResults(optionalInt(args, "max_results"), 100, 1000);
        const rows = await evaluations.list(database.db, params.name ?? "", versionOf(params.version), limit);
        return {
          evaluations: rows.map((e) => ({
            ...gateResultJson(e),
            id: e.id,
            target: e.target,
            time: e.time,
            actor: e.actor,
            request_id: e.requestId,
          })),
        };
      },
    );
  };
}
