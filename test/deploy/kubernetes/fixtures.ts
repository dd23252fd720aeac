// Serving targets the Kubernetes tests render: an ONNX and a Python model version, and a Flowgate deployment
// with a canary ramp gated by analysis, as `deploy k8s` resolves them from a server.
import type { DeploymentSpec, RoutingSnapshot } from "../../../src/delivery/deployment.js";
import type { ServingTarget } from "../../../src/deploy/kubernetes/serving-target.js";

export const ONNX_MODEL: ServingTarget = {
  model: { name: "fraud-detector", version: "3", kind: "onnx", uri: "models:/fraud-detector/3" },
};

export const PYTHON_MODEL: ServingTarget = {
  model: { name: "Churn Model", version: "12", kind: "python", uri: "models:/Churn Model@champion" },
};

export const CANARY_SPEC: DeploymentSpec = {
  name: "fraud-live",
  model: "fraud-detector",
  primary: "3",
  shadow: { version: "4", percent: 10 },
  strategy: {
    canary: {
      version: "4",
      steps: [
        { setWeight: 10 },
        { pause: { duration: "5m" } },
        { analysis: { templates: ["errors"] } },
        { setWeight: 50 },
        { pause: {} },
      ],
      analysis: { templates: ["latency"], startingStep: 1 },
    },
  },
  analysisTemplates: [
    {
      name: "errors",
      interval: "1m",
      count: 5,
      successCondition: "result < 0.01",
      failureLimit: 1,
      provider: { serving: { metric: "error_rate" } },
    },
    {
      name: "latency",
      interval: "30s",
      successCondition: "result < 250",
      provider: {
        prometheus: {
          address: "http://prometheus.monitoring:9090",
          query:
            'histogram_quantile(0.99, sum by (le) (rate(flowgate_deployment_request_duration_seconds_bucket{version="{{canary}}"}[1m]))) * 1000',
        },
      },
    },
  ],
};

export const CANARY_SNAPSHOT: RoutingSnapshot = {
  deployment: "fraud-live",
  model: "fraud-detector",
  revision: 7,
  etag: '"fraud-live-7-1"',
  routes: [
    { version: "3", weight: 90, role: "primary" },
    { version: "4", weight: 10, role: "canary" },
  ],
  shadow: { version: "4", percent: 10 },
  warm: ["2"],
  phase: "Progressing",
};

export const CANARY_DEPLOYMENT: ServingTarget = {
  deployment: {
    name: "fraud-live",
    model: "fraud-detector",
    kind: "onnx",
    spec: CANARY_SPEC,
    snapshot: CANARY_SNAPSHOT,
    trackingUri: "http://flowgate.flowgate.svc:5000",
  },
};
