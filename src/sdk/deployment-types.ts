// The deployments API's answers as the SDK returns them (DELIVERY-CONTRACT.md): the delivery types of
// src/delivery/deployment.ts, plus the view the server adds around them (who, when, what the caller may do).
import type { DeploymentSpec, RolloutState, RoutingSnapshot } from "../delivery/deployment.js";

/** Whether the caller may take an action now, and if not, why (governance or rollout state). */
export interface ActionAllowed {
  ok: boolean;
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
  allowed: {
    pause: ActionAllowed;
    resume: ActionAllowed;
    promote: ActionAllowed;
    abort: ActionAllowed;
    rollback: ActionAllowed;
  };
}

export interface VersionMetricsPoint {
  t: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface ShadowMetricsPoint {
  t: number;
  requests: number;
  agreed: number;
  compared: number;
  errors: number;
  p99: number;
  dropped: number;
}

export interface DeploymentMetrics {
  series: { version: string; role: string; points: VersionMetricsPoint[] }[];
  shadow: ShadowMetricsPoint[];
}
