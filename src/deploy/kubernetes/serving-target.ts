// What a Kubernetes target serves, resolved before any manifest is written: one registered model version
// (`-m`), or a Flowgate deployment (`--deployment`) with the revision it is pinned to. Renderers are pure
// functions of this and the options; resolving it is the CLI's job.
import type { DeploymentSpec, RoutingSnapshot } from "../../delivery/deployment.js";

/** How the model runs: ONNX in-process (an image without Python) or in the Python worker pool. */
export type ModelKind = "onnx" | "python";

export interface ServedModel {
  /** Registered model name (or the directory name of a local model). */
  name: string;
  version: string;
  kind: ModelKind;
  /** The URI given, as the user wrote it (recorded in an annotation). */
  uri: string;
}

export interface ServedDeployment {
  name: string;
  /** The registered model the deployment serves, and the runtime its primary version needs. */
  model: string;
  kind: ModelKind;
  spec: DeploymentSpec;
  /** The routing snapshot of the pinned revision: what the pods serve while the control plane is down. */
  snapshot: RoutingSnapshot;
  /** The Flowgate server the pods follow (MLFLOW_TRACKING_URI inside the pod). */
  trackingUri: string;
}

export type ServingTarget = { model: ServedModel } | { deployment: ServedDeployment };
