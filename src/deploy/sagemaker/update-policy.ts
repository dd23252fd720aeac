// How an update moves traffic to the new configuration (beyond MLflow, mlflow#7848): SageMaker's blue/green
// deployment guardrails — all at once, a canary share first, or linear steps, each followed by a baking wait —
// with an automatic rollback when one of the named CloudWatch alarms fires.
import type { CapacitySize, DeploymentConfig } from "@aws-sdk/client-sagemaker";
import { invalidParameter } from "../../core/errors.js";

export type TrafficRouting = "all-at-once" | "canary" | "linear";

export interface UpdatePolicy {
  routing: TrafficRouting;
  /** The first share (canary) or every step (linear): instances, or a percentage of the new fleet's capacity. */
  size?: CapacitySize | undefined;
  /** Baking time after each traffic shift before the next one. */
  waitIntervalSeconds: number;
  /** Baking time after the last shift before the old fleet is terminated. */
  terminationWaitSeconds?: number | undefined;
  maxExecutionTimeoutSeconds?: number | undefined;
  rollbackAlarms: string[];
}

export interface UpdatePolicyFlags {
  trafficRouting?: string | undefined;
  canarySize?: string | undefined;
  linearStepSize?: string | undefined;
  waitInterval?: string | undefined;
  terminationWait?: string | undefined;
  maxExecutionTimeout?: string | undefined;
  rollbackAlarm?: string[] | undefined;
}

/** The policy the flags describe, or undefined when none was asked for (SageMaker's default update). */
export function updatePolicyFromFlags(flags: UpdatePolicyFlags): UpdatePolicy | undefined {
  const alarms = flags.rollbackAlarm ?? [];
  const given =
    flags.trafficRouting !== undefined ||
    flags.canarySize !== undefined ||
    flags.linearStepSize !== undefined ||
    flags.waitInterval !== undefined ||
    flags.terminationWait !== undefined ||
    flags.maxExecutionTimeout !== undefined ||
    alarms.length > 0;
  if (!given) return undefined;
  const routing = flags.trafficRouting ?? "all-at-once";
  if (routing !== "all-at-once" && routing !== "canary" && routing !== "linear") {
    throw invalidParameter(`--traffic-routing must be all-at-once, canary or linear, not '${routing}'.`);
  }
  if (routing !== "canary" && flags.canarySize !== undefined) {
    throw invalidParameter("--canary-size applies only to --traffic-routing canary.");
  }
  if (routing !== "linear" && flags.linearStepSize !== undefined) {
    throw invalidParameter("--linear-step-size applies only to --traffic-routing linear.");
  }
  let size: CapacitySize | undefined;
  if (routing === "canary") {
    if (flags.canarySize === undefined) {
      throw invalidParameter("--traffic-routing canary needs --canary-size <instances> or <percent>%.");
    }
    size = capacity(flags.canarySize, "--canary-size");
  } else if (routing === "linear") {
    if (flags.linearStepSize === undefined) {
      throw invalidParameter("--traffic-routing linear needs --linear-step-size <instances> or <percent>%.");
    }
    size = capacity(flags.linearStepSize, "--linear-step-size");
  }
  for (const alarm of alarms) {
    if (!/^(?!\s*$).{1,255}$/.test(alarm)) {
      throw invalidParameter(
        `--rollback-alarm '${alarm}' is not a CloudWatch alarm name (1-255 characters).`,
      );
    }
  }
  return {
    routing,
    size,
    waitIntervalSeconds: seconds(
      flags.waitInterval ?? (routing === "all-at-once" ? "0" : "300"),
      "--wait-interval",
      0,
      3600,
    ),
    terminationWaitSeconds:
      flags.terminationWait === undefined
        ? undefined
        : seconds(flags.terminationWait, "--termination-wait", 0, 3600),
    maxExecutionTimeoutSeconds:
      flags.maxExecutionTimeout === undefined
        ? undefined
        : seconds(flags.maxExecutionTimeout, "--max-execution-timeout", 600, 28800),
    rollbackAlarms: alarms,
  };
}

/** The UpdateEndpoint DeploymentConfig for a policy. */
export function deploymentConfig(policy: UpdatePolicy): DeploymentConfig {
  const type =
    policy.routing === "all-at-once" ? "ALL_AT_ONCE" : policy.routing === "canary" ? "CANARY" : "LINEAR";
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: {
        Type: type,
        WaitIntervalInSeconds: policy.waitIntervalSeconds,
        ...(policy.routing === "canary" ? { CanarySize: policy.size } : {}),
        ...(policy.routing === "linear" ? { LinearStepSize: policy.size } : {}),
      },
      ...(policy.terminationWaitSeconds !== undefined
        ? { TerminationWaitInSeconds: policy.terminationWaitSeconds }
        : {}),
      ...(policy.maxExecutionTimeoutSeconds !== undefined
        ? { MaximumExecutionTimeoutInSeconds: policy.maxExecutionTimeoutSeconds }
        : {}),
    },
    ...(policy.rollbackAlarms.length > 0
      ? { AutoRollbackConfiguration: { Alarms: policy.rollbackAlarms.map((AlarmName) => ({ AlarmName })) } }
      : {}),
  };
}

/** `2` → two instances; `10%` → ten percent of the new fleet's capacity. */
function capacity(raw: string, flag: string): CapacitySize {
  const m = /^([1-9]\d*)(%?)$/.exec(raw.trim());
  if (m === null || (m[2] === "%" && Number(m[1]) > 100)) {
    throw invalidParameter(
      `${flag} must be a number of instances (e.g. 1) or a percentage 1-100% (e.g. 10%), not '${raw}'.`,
    );
  }
  return { Type: m[2] === "%" ? "CAPACITY_PERCENT" : "INSTANCE_COUNT", Value: Number(m[1]) };
}

function seconds(raw: string, flag: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw invalidParameter(`${flag} must be a whole number of seconds from ${min} to ${max}, not '${raw}'.`);
  }
  return n;
}
