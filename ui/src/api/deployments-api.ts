// The native deployments API (/api/flowgate/v1/deployments…): the contract's shapes as JSON, camelCase, times
// in epoch milliseconds. The entity types are the server's own (src/delivery/deployment.ts), imported as
// types only, so the pages read exactly what the server writes and none of the server's code is bundled.
import type { DeploymentRevision, DeploymentView } from "../../../src/delivery/deployment";
import type { DeploymentMetrics } from "../../../src/delivery/deployment-metrics";
import { native } from "./client";

export type {
  ActionAllowed as Allowed,
  AnalysisTemplate,
  CanaryStep,
  DeploymentRevision,
  DeploymentSpec,
  DeploymentView,
  Measurement,
  RolloutPhase,
  RolloutState,
  Route,
  RoutingSnapshot,
  StickyKey,
} from "../../../src/delivery/deployment";
export type {
  DeploymentMetrics,
  MetricPoint as VersionPoint,
  ShadowPoint,
} from "../../../src/delivery/deployment-metrics";

/** The buttons of a deployment page; the server says for each whether the caller may use it now. */
export const ACTIONS = ["pause", "resume", "promote", "abort", "rollback"] as const;
export type DeploymentAction = (typeof ACTIONS)[number];

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
