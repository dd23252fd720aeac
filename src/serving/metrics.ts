// Prometheus metrics of one serving process (its own registry, no global state), labelled with model name,
// version and runtime.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ServingMetrics {
  registry: Registry;
  requests: Counter<"route" | "status" | "model" | "version" | "runtime">;
  latency: Histogram<"route" | "model" | "version" | "runtime">;
  batchSize: Histogram<"model" | "version" | "runtime">;
  inFlight: Gauge<"model" | "version" | "runtime">;
  loadSeconds: Gauge<"model" | "version" | "runtime">;
}

export function createServingMetrics(): ServingMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const modelLabels = ["model", "version", "runtime"] as const;
  return {
    registry,
    requests: new Counter({
      name: "flowgate_serving_requests_total",
      help: "Scoring requests by route and HTTP status",
      labelNames: ["route", "status", ...modelLabels],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "flowgate_serving_request_duration_seconds",
      help: "Scoring request latency",
      labelNames: ["route", ...modelLabels],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "flowgate_serving_batch_size",
      help: "Requests coalesced into one model call",
      labelNames: modelLabels,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "flowgate_serving_in_flight_requests",
      help: "Scoring requests being processed",
      labelNames: modelLabels,
      registers: [registry],
    }),
    loadSeconds: new Gauge({
      name: "flowgate_serving_model_load_seconds",
      help: "Time to resolve, convert and load the model",
      labelNames: modelLabels,
      registers: [registry],
    }),
  };
}

/** Per-version metrics of a hosted deployment (`models serve --deployment`), in the serving registry. */
export interface DeploymentMetrics {
  requests: Counter<"deployment" | "version" | "role" | "status">;
  latency: Histogram<"deployment" | "version" | "role">;
  shadow: Counter<"deployment" | "version" | "outcome">;
  shadowLatency: Histogram<"deployment" | "version">;
  revision: Gauge<"deployment">;
  controlPlaneReachable: Gauge<"deployment">;
}

export function createDeploymentMetrics(registry: Registry): DeploymentMetrics {
  const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  return {
    requests: new Counter({
      name: "flowgate_deployment_requests_total",
      help: "Scoring requests of a deployment by the version that answered, its role and the HTTP status",
      labelNames: ["deployment", "version", "role", "status"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "flowgate_deployment_request_duration_seconds",
      help: "Scoring latency of a deployment by the version that answered",
      labelNames: ["deployment", "version", "role"],
      buckets,
      registers: [registry],
    }),
    shadow: new Counter({
      name: "flowgate_deployment_shadow_requests_total",
      help: "Mirrored requests by outcome: answered, error, or dropped because the shadow budget was full",
      labelNames: ["deployment", "version", "outcome"],
      registers: [registry],
    }),
    shadowLatency: new Histogram({
      name: "flowgate_deployment_shadow_duration_seconds",
      help: "Latency of the shadow version on mirrored requests",
      labelNames: ["deployment", "version"],
      buckets,
      registers: [registry],
    }),
    revision: new Gauge({
      name: "flowgate_deployment_revision",
      help: "The deployment revision this process serves",
      labelNames: ["deployment"],
      registers: [registry],
    }),
    controlPlaneReachable: new Gauge({
      name: "flowgate_deployment_control_plane_reachable",
      help: "1 while the control plane answers the routing watch, 0 while serving from the last snapshot",
      labelNames: ["deployment"],
      registers: [registry],
    }),
  };
}

/** The prediction log's counters, read from the log itself when /metrics is scraped (nothing on the request path). */
export function registerPredictionLogMetrics(
  registry: Registry,
  deployment: string,
  counts: () => { rows: number; dropped: number; segments: number; uploadFailures: number },
): void {
  const counter = (name: string, help: string, read: (c: ReturnType<typeof counts>) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ["deployment"],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ deployment }, read(counts()));
      },
    });
  };
  counter(
    "flowgate_prediction_log_rows_total",
    "Predicted rows taken into the prediction log (sampled in)",
    (c) => c.rows,
  );
  counter(
    "flowgate_prediction_log_dropped_total",
    "Predicted rows the prediction log dropped: its queue was full (a slow or stalled sink) or a segment was lost",
    (c) => c.dropped,
  );
  counter(
    "flowgate_prediction_log_segments_total",
    "Prediction-log segments uploaded to the control plane",
    (c) => c.segments,
  );
  counter(
    "flowgate_prediction_log_upload_failures_total",
    "Failed prediction-log segment uploads (each retry counts)",
    (c) => c.uploadFailures,
  );
}
