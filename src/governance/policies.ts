// Promotion policies: per registered model, falling back to the server default, falling back to the built-in
// one (stage Production, alias champion and every deployment protected, no gates, no second approver). A
// policy says which targets are protected, which gates they need, and whether a second person must approve.
// Giving a version live traffic in a deployment is a promotion too: its target is `deployment:<name>`.
import { parse as parseYaml } from "yaml";
import type { Clock } from "../core/clock.js";
import { invalidParameter } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { Database, Executor } from "../store/database.js";
import type { AuditLog } from "./audit.js";
import { gateDocument, parseGate, type GateSpec } from "./gates/gate-spec.js";
import { createSqlPolicyStore } from "./sql-policy-store.js";

export interface PromotionPolicy {
  protectedStages: string[];
  protectedAliases: string[];
  /** Deployment names, or "*" for every deployment of the model. */
  protectedDeployments: string[];
  /** Four-eyes: protected targets are reached only through an approved transition request. */
  requireApproval: boolean;
  /** A protected promotion must say why (kept in the audit log). */
  requireReason: boolean;
  gates: GateSpec[];
}

/** What a version is being moved into. */
export type PromotionTarget =
  { kind: "stage"; name: string } | { kind: "alias"; name: string } | { kind: "deployment"; name: string };

export const BUILT_IN_POLICY: PromotionPolicy = {
  protectedStages: ["Production"],
  protectedAliases: ["champion"],
  protectedDeployments: ["*"],
  requireApproval: false,
  requireReason: true,
  gates: [],
};

export function targetLabel(t: PromotionTarget): string {
  switch (t.kind) {
    case "stage":
      return `stage ${t.name}`;
    case "alias":
      return `alias '${t.name}'`;
    case "deployment":
      return `${DEPLOYMENT_PREFIX}${t.name}`;
  }
}

/** How a gate's `targets` names a deployment: `deployment:<name>`, or `deployment:*` for all of them. */
const DEPLOYMENT_PREFIX = "deployment:";

export function isProtected(policy: PromotionPolicy, t: PromotionTarget): boolean {
  switch (t.kind) {
    case "stage":
      return policy.protectedStages.some((s) => s.toLowerCase() === t.name.toLowerCase());
    case "alias":
      return policy.protectedAliases.includes(t.name);
    case "deployment":
      return policy.protectedDeployments.some((d) => d === "*" || d === t.name);
  }
}

/** Whether one entry of a gate's `targets` names `t`: a stage or alias by its name, a deployment by prefix. */
function names(entry: string, t: PromotionTarget): boolean {
  const isDeployment = entry.toLowerCase().startsWith(DEPLOYMENT_PREFIX);
  if (t.kind !== "deployment") return !isDeployment && entry.toLowerCase() === t.name.toLowerCase();
  if (!isDeployment) return false;
  const name = entry.slice(DEPLOYMENT_PREFIX.length);
  return name === "*" || name === t.name;
}

/** The gates that apply to `t`: those naming it in `targets`, or all gates when a gate names none. */
export function gatesFor(policy: PromotionPolicy, t: PromotionTarget): GateSpec[] {
  return policy.gates.filter((g) => g.targets === undefined || g.targets.some((x) => names(x, t)));
}

const STAGES = ["None", "Staging", "Production", "Archived"];

/** Parses and validates a policy document (YAML or JSON text, or an already-parsed object). */
export function parsePolicy(input: unknown): PromotionPolicy {
  let doc = input;
  if (typeof input === "string") {
    try {
      doc = parseYaml(input) as unknown;
    } catch (err) {
      throw invalidParameter(
        `Invalid policy document: not YAML or JSON (${(err as Error).message.split("\n")[0]}).`,
      );
    }
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw invalidParameter(
      "Invalid policy document: it must be an object with protected, require_approval and gates.",
    );
  }
  const d = doc as Record<string, unknown>;
  const known = new Set([
    "protected",
    "protected_deployments",
    "require_approval",
    "require_reason",
    "gates",
  ]);
  const unknown = Object.keys(d).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw invalidParameter(
      `Invalid policy document: unknown field(s) ${unknown.join(", ")}; allowed: ${[...known].join(", ")}.`,
    );
  }
  const prot = (d.protected ?? {}) as Record<string, unknown>;
  const list = (v: unknown, field: string, fallback: string[]): string[] => {
    if (v === undefined) return fallback;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
      throw invalidParameter(`Invalid ${field}: it must be a list of strings.`);
    }
    return v;
  };
  const stages = list(prot.stages, "protected.stages", BUILT_IN_POLICY.protectedStages).map((s) => {
    const hit = STAGES.find((x) => x.toLowerCase() === s.toLowerCase());
    if (hit === undefined)
      throw invalidParameter(`Invalid protected.stages entry '${s}': use ${STAGES.join(", ")}.`);
    return hit;
  });
  const bool = (v: unknown, field: string, fallback: boolean): boolean => {
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") throw invalidParameter(`Invalid ${field}: it must be true or false.`);
    return v;
  };
  if (d.gates !== undefined && !Array.isArray(d.gates))
    throw invalidParameter("Invalid gates: it must be a list.");
  const gates = ((d.gates ?? []) as unknown[]).map((g, i) => parseGate(g, i));
  const names = new Set<string>();
  for (const g of gates) {
    if (names.has(g.name)) throw invalidParameter(`Invalid gates: two gates are named '${g.name}'.`);
    names.add(g.name);
  }
  return {
    protectedStages: stages,
    protectedAliases: list(prot.aliases, "protected.aliases", BUILT_IN_POLICY.protectedAliases),
    protectedDeployments: list(
      d.protected_deployments,
      "protected_deployments",
      BUILT_IN_POLICY.protectedDeployments,
    ),
    requireApproval: bool(d.require_approval, "require_approval", false),
    requireReason: bool(d.require_reason, "require_reason", true),
    gates,
  };
}

/** The stored and shown form of a policy. */
export function policyDocument(p: PromotionPolicy): Record<string, unknown> {
  return {
    protected: { stages: p.protectedStages, aliases: p.protectedAliases },
    protected_deployments: p.protectedDeployments,
    require_approval: p.requireApproval,
    require_reason: p.requireReason,
    gates: p.gates.map(gateDocument),
  };
}

export interface StoredPolicy {
  policy: PromotionPolicy;
  /** Where it came from: the model's own, the server default, or built in. */
  source: "model" | "default" | "built-in";
  updatedAt: number | undefined;
  updatedBy: string | undefined;
}

export interface PolicyService {
  /** The policy in force for a model. */
  policyFor(x: Executor, modelName: string): Promise<StoredPolicy>;
  getDefault(): Promise<StoredPolicy>;
  /** `modelName` undefined sets the server default. */
  setPolicy(ctx: RequestContext, modelName: string | undefined, document: unknown): Promise<StoredPolicy>;
  deletePolicy(ctx: RequestContext, modelName: string | undefined): Promise<void>;
}

const DEFAULT_KEY = "";

/**
 * `builtIn` is the policy when neither the model nor the server has one; the composition root passes
 * BUILT_IN_POLICY with `requireReason` only when auth is on (without auth every caller is anonymous, and a
 * plain MLflow workflow must keep working unchanged).
 */
export function createPolicyService(deps: {
  database: Database;
  audit: AuditLog;
  clock: Clock;
  builtIn: PromotionPolicy;
}): PolicyService {
  const { database, audit, clock } = deps;
  const store = createSqlPolicyStore();
  async function load(
    x: Executor,
    key: string,
    source: "model" | "default",
  ): Promise<StoredPolicy | undefined> {
    const r = await store.get(x, key);
    if (r === undefined) return undefined;
    return {
      policy: parsePolicy(JSON.parse(r.document) as unknown),
      source,
      updatedAt: r.updatedAt,
      updatedBy: r.updatedBy,
    };
  }
  const builtIn: StoredPolicy = {
    policy: deps.builtIn,
    source: "built-in",
    updatedAt: undefined,
    updatedBy: undefined,
  };
  return {
    async policyFor(x, modelName) {
      return (await load(x, modelName, "model")) ?? (await load(x, DEFAULT_KEY, "default")) ?? builtIn;
    },
    async getDefault() {
      return (await load(database.db, DEFAULT_KEY, "default")) ?? builtIn;
    },
    async setPolicy(ctx, modelName, document) {
      if (modelName === "") throw invalidParameter("Missing model name.");
      const policy = parsePolicy(document);
      const key = modelName ?? DEFAULT_KEY;
      const now = clock.now();
      const text = JSON.stringify(policyDocument(policy));
      await database.transaction(async (trx) => {
        const before = await store.get(trx, key);
        await store.put(trx, key, { document: text, updatedAt: now, updatedBy: ctx.actor });
        await audit.record(trx, ctx, {
          action: "policy.set",
          targetType: "promotion_policy",
          targetId: modelName ?? "(default)",
          before: before === undefined ? undefined : (JSON.parse(before.document) as unknown),
          after: policyDocument(policy),
        });
      });
      return {
        policy,
        source: modelName === undefined ? "default" : "model",
        updatedAt: now,
        updatedBy: ctx.actor,
      };
    },
    async deletePolicy(ctx, modelName) {
      const key = modelName ?? DEFAULT_KEY;
      await database.transaction(async (trx) => {
        const before = await store.get(trx, key);
        if (before === undefined) return;
        await store.delete(trx, key);
        await audit.record(trx, ctx, {
          action: "policy.delete",
          targetType: "promotion_policy",
          targetId: modelName ?? "(default)",
          before: JSON.parse(before.document) as unknown,
        });
      });
    },
  };
}
