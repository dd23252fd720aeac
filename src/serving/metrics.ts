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
