// `flowgate batch k8s-job`: batch scoring beyond one machine as an Indexed Kubernetes Job — N pods, each
// running `flowgate batch score --shard <index>/N` on its share of the inputs, retried per index (one shard's
// bad node does not rerun the others) and locked down like the serving pods.
import { invalidParameter } from "../../core/errors.js";
import { FLOWGATE_VERSION } from "../../core/version.js";
import type { Manifest } from "../validate/manifest.js";
import { appName } from "./k8s-names.js";
import {
  FLOWGATE_COMMAND,
  podSecurity,
  resourcesFor,
  scratchVolumes,
  servingContainer,
} from "./pod-template.js";
import type { ModelKind } from "./serving-target.js";

export interface BatchJobSpec {
  /** What scores: a model URI or a deployment's current primary. */
  scorer: { modelUri: string } | { deployment: string };
  /** Model name (or deployment name) the Job is named after, and its runtime. */
  name: string;
  kind: ModelKind;
  input: string;
  output: string;
  shards: number;
  image?: string;
  namespace?: string;
  cpu?: string;
  memory?: string;
  /** The Flowgate server the pods resolve models through. */
  trackingUri?: string;
  /** Secret with key `token` holding MLFLOW_TRACKING_TOKEN. */
  tokenSecret?: string;
  /** Retries of one shard before it counts as failed (default 2). */
  backoffLimitPerIndex?: number;
  /** Shards that may fail before the Job stops starting others (default: all may). */
  maxFailedIndexes?: number;
}

export function renderBatchJob(spec: BatchJobSpec): Manifest {
  if (!Number.isInteger(spec.shards) || spec.shards < 1 || spec.shards > 10_000) {
    throw invalidParameter(`--shards must be an integer from 1 to 10000, not '${spec.shards}'.`);
  }
  const name = `${appName(spec.name)}-batch`;
  const labels = {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": "batch",
    "app.kubernetes.io/managed-by": "flowgate",
  };
  const scorer =
    "modelUri" in spec.scorer ? ["-m", spec.scorer.modelUri] : ["--deployment", spec.scorer.deployment];
  const env: Record<string, unknown>[] = [
    // Declared (the Job controller also sets it) so that $(JOB_COMPLETION_INDEX) expands in the arguments.
    {
      name: "JOB_COMPLETION_INDEX",
      valueFrom: {
        fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
      },
    },
  ];
  if (spec.trackingUri !== undefined) env.push({ name: "MLFLOW_TRACKING_URI", value: spec.trackingUri });
  if (spec.tokenSecret !== undefined) {
    env.push({
      name: "MLFLOW_TRACKING_TOKEN",
      valueFrom: { secretKeyRef: { name: spec.tokenSecret, key: "token" } },
    });
  }
  const { volumes } = scratchVolumes(spec.kind, true);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}),
      labels,
      annotations: {
        "flowgate.dev/scorer":
          "modelUri" in spec.scorer ? spec.scorer.modelUri : `deployment ${spec.scorer.deployment}`,
        "flowgate.dev/input": spec.input,
        "flowgate.dev/output": spec.output,
      },
    },
    spec: {
      completionMode: "Indexed",
      completions: spec.shards,
      parallelism: spec.shards,
      backoffLimitPerIndex: spec.backoffLimitPerIndex ?? 2,
      ...(spec.maxFailedIndexes !== undefined ? { maxFailedIndexes: spec.maxFailedIndexes } : {}),
      // A finished Job and its pods' logs stay a day for inspection, then go.
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: podSecurity(),
          containers: [
            servingContainer({
              image: spec.image ?? `flowgate:${FLOWGATE_VERSION}`,
              kind: spec.kind,
              resources: resourcesFor(spec.kind, spec.cpu, spec.memory),
              command: FLOWGATE_COMMAND,
              args: [
                "batch",
                "score",
                ...scorer,
                "-i",
                spec.input,
                "-o",
                spec.output,
                "--shard",
                `$(JOB_COMPLETION_INDEX)/${spec.shards}`,
              ],
              env,
              probes: false,
              modelCache: true,
            }),
          ],
          volumes,
        },
      },
    },
  };
}
