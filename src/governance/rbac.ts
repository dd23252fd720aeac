// Roles, the permissions each role carries, and the grant check. A grant gives a role either globally or on
// one registered model or one experiment. Route rules (route-permissions.ts) name a permission; the domain
// services ask the same `can` for decisions that need the data (protected targets, approvals).

export const ROLES = [
  "reader",
  "data-scientist",
  "ml-engineer",
  "release-manager",
  "service",
  "admin",
] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "experiment.read",
  "experiment.write",
  "artifact.read",
  "artifact.write",
  "model.read",
  "model.write",
  /** Move a version between stages or set an alias (unprotected targets). */
  "model.transition",
  /** Move a version into a protected target (stage Production, aliases like champion). */
  "model.promote",
  "model.request",
  "model.approve",
  "model.delete",
  /** Report serving observations of a deployment (serving replicas' service accounts). */
  "deployment.report",
  "audit.read",
  "policy.write",
  "webhook.manage",
  "user.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ["experiment.read", "artifact.read", "model.read"];
const DATA_SCIENTIST: Permission[] = [...READ, "experiment.write", "artifact.write", "model.request"];
const ML_ENGINEER: Permission[] = [...DATA_SCIENTIST, "model.write", "model.transition", "deployment.report"];
const RELEASE_MANAGER: Permission[] = [
  ...ML_ENGINEER,
  "model.promote",
  "model.approve",
  "model.delete",
  "audit.read",
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  reader: new Set(READ),
  "data-scientist": new Set(DATA_SCIENTIST),
  "ml-engineer": new Set(ML_ENGINEER),
  "release-manager": new Set(RELEASE_MANAGER),
  // Serving reads released versions only: the route check narrows model reads to Production/protected aliases.
  service: new Set<Permission>(["model.read", "artifact.read", "deployment.report"]),
  admin: new Set(PERMISSIONS),
};

export type ScopeType = "global" | "registered_model" | "experiment";

export interface Grant {
  role: Role;
  scopeType: ScopeType;
  /** "" for global grants. */
  scopeId: string;
}

/** What a permission is asked for: nothing in particular, one model, or one experiment. */
export type Scope =
  | { type: "global" }
  | { type: "any" }
  | { type: "registered_model"; id: string }
  | { type: "experiment"; id: string };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * True when one of the grants carries `permission` for `scope`: a global grant covers everything, a
 * per-model or per-experiment grant covers that object, and `any` (list endpoints) is covered by any grant.
 */
export function can(grants: readonly Grant[], permission: Permission, scope: Scope): boolean {
  return grants.some((g) => {
    if (!ROLE_PERMISSIONS[g.role].has(permission)) return false;
    if (g.scopeType === "global" || scope.type === "any") return true;
    if (scope.type === "global") return false;
    return g.scopeType === scope.type && g.scopeId === scope.id;
  });
}
