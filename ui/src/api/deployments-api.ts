// The native deployments API (/api/flowgate/v1/deployments…): the contract's shapes as JSON, camelCase, times
// in epoch milliseconds. The entity types are the server's own (src/delivery/deployment.ts), imported as
// types only, so the pages read exactly what the server writes and none of the server's code is bundled.
import type {
  DeploymentRevision,
  DeploymentSpec,
  RolloutState,
  RoutingSnapshot,
} from "../../../src/delivery/deployment";
import { native } from "./client";

export type {
  AnalysisTemplate,
  CanaryStep,
  DeploymentRevision,
  DeploymentSpec,
  Measurement,
  RolloutPhase,
  RolloutState,
  Route,
  RoutingSnapshot,
  StickyKey,
} from "../../../src/delivery/deployment";

/** The buttons of a deployment page; the server says for each whether the caller may use it now. */
export const ACTIONS = ["pause", "resume", "promote", "abort", "rollback"] as const;
export type DeploymentAction = (typeof ACTIONS)[number];

export interface Allowed {
  ok: boolean;
  /** Why not (state or governance), in the server's words. */
  reason?: string;
}

export interface DeploymentView {
  name: string;
  model: string;
  revision: number;
  spec: DeploymentSpec;
  status: RolloutState;
  routing: RoutingSnapshot;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  allowed: Record<DeploymentAction, Allowed>;
}

/** One point of a version's (or the shadow's) serving metrics, summed over replicas for one step. */
export interface VersionPoint {
  t: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface ShadowPoint {
  t: number;
  requests: number;
  agreed: number;
  compared: number;
  errors: number;
  p99: number;
  dropped: number;
}

export interface DeploymentMetrics {
  series: { version: string; role: string; points: VersionPoint[] }[];
  shadow: ShadowPoint[];
}

const path = (name: string, ...rest: string[]) =>
  ["deployments", name, ...rest].map(encodeURIComponent).join("/");

export async function listDeployments(
  query: { model?: string; pageToken?: string } = {},
): Promise<{ deployments: DeploymentView[]; nextPageToken: string | undefined }> {
  const body = await native.get<{ deployments?: DeploymentView[]; nextPageToken?: string }>("deployments", {
    model: query.model,
    max_results: 100,
    page_token: query.pageToken,
  });
  return { deployments: body.deployments ?? [], nextPageToken: body.nextPageToken || undefined };
}

export async function getDeployment(name: string): Promise<DeploymentView> {
  return (await native.get<{ deployment: DeploymentView }>(path(name))).deployment;
}

export async function listRevisions(name: string): Promise<DeploymentRevision[]> {
  return (await native.get<{ revisions?: DeploymentRevision[] }>(path(name, "revisions"))).revisions ?? [];
}

export async function getMetrics(name: string, since: number, step: number): Promise<DeploymentMetrics> {
  const body = await native.get<Partial<DeploymentMetrics>>(path(name, "metrics"), { since, step });
  return { series: body.series ?? [], shadow: body.shadow ?? [] };
}

/** Runs an action; every action carries the reason the audit log keeps. */
export async function act(
  name: string,
  action: DeploymentAction,
  reason: string,
  options: { full?: boolean; toRevision?: number } = {},
): Promise<DeploymentView> {
  const body: Record<string, unknown> = { reason };
  if (action === "promote" && options.full) body.full = true;
  if (action === "rollback" && options.toRevision !== undefined) body.toRevision = options.toRevision;
  return (await native.post<{ deployment: DeploymentView }>(path(name, action), body)).deployment;
}
