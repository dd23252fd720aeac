// The server's GET /metrics: monitoring's gauges (drift scores, dataset drift share, quality, alerts firing)
// and the monitor loop's health, in Prometheus' text format. Authenticated (route-permissions.ts), unlike a
// serving process' /metrics: these series name deployments, versions and input column names, which a reader
// of this server may not be granted; Prometheus scrapes it with a token (bearer_token in its scrape config).
import type { ServerMetrics } from "../monitoring/monitor/monitoring-gauges.js";
import { textResponses } from "./openapi/wire-schema.js";
import type { RoutePlugin } from "./server.js";

export function metricsRoutes(metrics: ServerMetrics): RoutePlugin {
  return (app) => {
    app.get(
      "/metrics",
      {
        schema: {
          tags: ["server"],
          summary: "Prometheus metrics: monitoring gauges and the monitor loop's health.",
          response: textResponses("Prometheus text exposition format"),
        },
      },
      async (_req, reply) => {
        // Gauges are filled in one read before rendering (prom-client collects metrics concurrently).
        await metrics.refresh();
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    );
  };
}
