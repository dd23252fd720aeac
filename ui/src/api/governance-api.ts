// The native governance API (/api/flowgate/v1): transition requests, gate evaluations, audit log, users and
// tokens. Field names are read leniently (snake_case or camelCase) so the pages show what the server sends.
import { native } from "./client";

export interface TransitionRequest {
  id: string;
  modelName: string;
  version: string;
  targetKind: string;
  target: string;
  reason: string;
  status: string;
  requestedBy: string;
  requestedAt: number | undefined;
  decidedBy: string | undefined;
  decidedAt: number | undefined;
  decisionComment: string | undefined;
}

export interface GateEvaluation {
  gate: string;
  target: string;
  passed: boolean;
  message: string;
  time: number | undefined;
  actor: string | undefined;
  inputs: unknown;
}

/** A model's promotion policy (its own, or the server default it falls back to). */
export interface PolicyView {
  protectedStages: string[];
  protectedAliases: string[];
  requireApproval: boolean;
  requireReason: boolean;
  gates: { name: string; type: string }[];
}

export interface AuditEvent {
  id: string;
  time: number | undefined;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  reason: string | undefined;
  requestId: string | undefined;
}

type Raw = Record<string, unknown>;

function pick(o: Raw, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}
const str = (v: unknown): string => (v === undefined ? "" : typeof v === "string" ? v : String(v as number));
const optStr = (v: unknown): string | undefined => (v === undefined ? undefined : str(v));
const optNum = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

function list(body: Raw, ...keys: string[]): Raw[] {
  for (const k of keys) if (Array.isArray(body[k])) return body[k] as Raw[];
  return [];
}

function parseJson(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function toTransitionRequest(r: Raw): TransitionRequest {
  return {
    id: str(pick(r, "id", "request_id")),
    modelName: str(pick(r, "model_name", "modelName", "name")),
    version: str(pick(r, "version")),
    targetKind: str(pick(r, "target_kind", "targetKind") ?? "stage"),
    target: str(pick(r, "target", "stage", "alias")),
    reason: str(pick(r, "reason")),
    status: str(pick(r, "status")),
    requestedBy: str(pick(r, "requested_by", "requestedBy")),
    requestedAt: optNum(pick(r, "requested_at", "requestedAt")),
    decidedBy: optStr(pick(r, "decided_by", "decidedBy")),
    decidedAt: optNum(pick(r, "decided_at", "decidedAt")),
    decisionComment: optStr(pick(r, "decision_comment", "decisionComment", "comment")),
  };
}

function toGate(r: Raw): GateEvaluation {
  return {
    gate: str(pick(r, "gate", "name")),
    target: str(pick(r, "target")),
    passed: Boolean(pick(r, "passed")),
    message: str(pick(r, "message")),
    time: optNum(pick(r, "time", "evaluated_at")),
    actor: optStr(pick(r, "actor")),
    inputs: parseJson(pick(r, "inputs")),
  };
}

function toAudit(r: Raw): AuditEvent {
  return {
    id: str(pick(r, "id")),
    time: optNum(pick(r, "time", "timestamp")),
    actor: str(pick(r, "actor")),
    action: str(pick(r, "action")),
    targetType: str(pick(r, "target_type", "targetType")),
    targetId: str(pick(r, "target_id", "targetId")),
    before: parseJson(pick(r, "before")),
    after: parseJson(pick(r, "after")),
    reason: optStr(pick(r, "reason")),
    requestId: optStr(pick(r, "request_id", "requestId")),
  };
}

export async function listTransitionRequests(
  query: { status?: string; name?: string } = {},
): Promise<TransitionRequest[]> {
  // The server lists pending requests unless asked for a status or "all".
  const body = await native.get<Raw>("transition-requests", {
    status: query.status ?? "all",
    name: query.name,
  });
  return list(body, "transition_requests", "requests", "items").map(toTransitionRequest);
}

export async function createTransitionRequest(input: {
  name: string;
  version: string;
  targetKind: "stage" | "alias";
  target: string;
  reason: string;
  archiveExisting?: boolean;
}): Promise<TransitionRequest> {
  const body = await native.post<Raw>("transition-requests", {
    name: input.name,
    version: Number(input.version),
    ...(input.targetKind === "stage" ? { stage: input.target } : { alias: input.target }),
    reason: input.reason,
    archive_existing_versions:
      input.archiveExisting ??
      (input.targetKind === "stage" && ["Staging", "Production"].includes(input.target)),
  });
  return toTransitionRequest((body.transition_request ?? body.request ?? body) as Raw);
}

export async function decideTransitionRequest(
  id: string,
  decision: "approve" | "reject" | "cancel",
  comment: string,
): Promise<void> {
  await native.post(
    `transition-requests/${encodeURIComponent(id)}/${decision}`,
    decision === "cancel" ? {} : { comment },
  );
}

export async function listGateEvaluations(name: string, version: string): Promise<GateEvaluation[]> {
  const body = await native.get<Raw>(
    `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/gate-evaluations`,
  );
  return list(body, "gate_evaluations", "evaluations", "results", "items").map(toGate);
}

/** A promotion target: a stage or an alias. */
export interface PromotionTarget {
  kind: "stage" | "alias";
  name: string;
}

/** The targets a policy protects, stages first. */
export function protectedTargets(policy: PolicyView): PromotionTarget[] {
  return [
    ...policy.protectedStages.map((name) => ({ kind: "stage" as const, name })),
    ...policy.protectedAliases.map((name) => ({ kind: "alias" as const, name })),
  ];
}

export async function evaluateGates(
  name: string,
  version: string,
  target: PromotionTarget,
): Promise<GateEvaluation[]> {
  const body = await native.post<Raw>(
    `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/evaluate-gates`,
    { [target.kind]: target.name },
  );
  return list(body, "gate_evaluations", "evaluations", "results", "items").map(toGate);
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
  page_token?: string;
  max_results?: number;
}

export async function listAudit(
  query: AuditQuery,
): Promise<{ events: AuditEvent[]; nextPageToken: string | undefined }> {
  const body = await native.get<Raw>("audit", { ...query });
  return {
    events: list(body, "events", "audit_events", "items").map(toAudit),
    nextPageToken: optStr(pick(body, "next_page_token", "nextPageToken")) || undefined,
  };
}

export interface UserRow {
  username: string;
  kind: string;
  disabled: boolean;
  roles: string[];
  createdAt: number | undefined;
}

/** A model grant is stored by model id; people know the model by its name, which the API sends beside it. */
function scopeLabel(g: Raw): string {
  const on = g.model_name ?? g.scope_id ?? g.scopeId;
  return on === undefined || on === null || on === "" ? "" : ` on ${str(on)}`;
}

export async function listUsers(): Promise<UserRow[]> {
  const body = await native.get<Raw>("users");
  return list(body, "users", "items").map((u) => ({
    username: str(pick(u, "username", "name")),
    kind: str(pick(u, "kind") ?? "user"),
    disabled: Boolean(pick(u, "disabled")),
    roles: (list(u, "grants", "roles") as unknown[]).map((g) =>
      typeof g === "string" ? g : str((g as Raw).role) + scopeLabel(g as Raw),
    ),
    createdAt: optNum(pick(u, "created_at", "createdAt")),
  }));
}

export interface TokenRow {
  id: string;
  username: string;
  name: string;
  createdAt: number | undefined;
  expiresAt: number | undefined;
  revokedAt: number | undefined;
  lastUsedAt: number | undefined;
}

export async function listTokens(): Promise<TokenRow[]> {
  const body = await native.get<Raw>("tokens");
  return list(body, "tokens", "items").map((t) => ({
    id: str(pick(t, "token_id", "id")),
    username: str(pick(t, "username")),
    name: str(pick(t, "name")),
    createdAt: optNum(pick(t, "created_at", "createdAt")),
    expiresAt: optNum(pick(t, "expires_at", "expiresAt")),
    revokedAt: optNum(pick(t, "revoked_at", "revokedAt")),
    lastUsedAt: optNum(pick(t, "last_used_at", "lastUsedAt")),
  }));
}

export async function createToken(name: string): Promise<string> {
  const body = await native.post<Raw>("tokens", { name });
  return str(pick(body, "token", "secret", "value"));
}

export async function revokeToken(id: string): Promise<void> {
  await native.delete(`tokens/${encodeURIComponent(id)}`);
}

export async function fetchPolicy(name: string): Promise<PolicyView> {
  const body = await native.get<Raw>(`models/${encodeURIComponent(name)}/policy`);
  const policy = (body.policy ?? {}) as Raw;
  const protectedTargets = (policy.protected ?? {}) as Raw;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);
  return {
    protectedStages: strings(protectedTargets.stages),
    protectedAliases: strings(protectedTargets.aliases),
    requireApproval: policy.require_approval === true,
    requireReason: policy.require_reason !== false,
    gates: list(policy, "gates").map((g) => ({ name: str(g.name), type: str(g.type) })),
  };
}
