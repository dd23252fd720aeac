// The MetricSource the server runs with: each template's provider (serving observations, Prometheus, a web
// check) answers through its own module; a provider that throws is an Error reading, never a crashed loop.
import type { Database } from "../../store/database.js";
import type { DeploymentStore } from "../deployment-store.js";
import type { MetricSource } from "./metric-source.js";
import { prometheusMetric } from "./prometheus-metric.js";
import { createServingMetric } from "./serving-metric.js";
import { webMetric } from "./web-metric.js";

export function createProviderMetricSource(deps: {
  database: Database;
  store: DeploymentStore;
}): MetricSource {
  const serving = createServingMetric(deps);
  return {
    async measure(provider, ctx) {
      try {
        if ("serving" in provider) return await serving(provider.serving, ctx);
        if ("prometheus" in provider) return await prometheusMetric(provider.prometheus, ctx);
        return await webMetric(provider.web, ctx);
      } catch (err) {
        return { error: (err as Error).message };
      }
    },
  };
}
