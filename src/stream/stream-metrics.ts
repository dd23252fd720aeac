// Prometheus metrics of one stream-scoring process (its own registry): events by outcome, lag, in-flight events,
// pull sizes and throughput, served on a small HTTP /metrics (`--metrics-port`).
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface StreamMetrics {
  registry: Registry;
  /** Events committed, by outcome: `scored` (in the sink) or `dead` (in the DLQ). */
  events: Counter<"outcome">;
  commits: Counter;
  /** Events pulled and not yet acked: bounded by --max-in-flight (backpressure). */
  inFlight: Gauge;
  pullSize: Histogram;
  /** Set by the engine: reads the source's lag and the recent throughput when scraped. */
  setProbe(probe: { lag: () => Promise<number | undefined>; eventsPerSecond: () => number }): void;
}

export function createStreamMetrics(labels: Record<string, string> = {}): StreamMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });
  let probe: Parameters<StreamMetrics["setProbe"]>[0] | undefined;
  new Gauge({
    name: "flowgate_stream_lag_events",
    help: "Events in the source not yet consumed by this consumer group (the broker's end minus committed offsets)",
    registers: [registry],
    async collect() {
      const lag = await probe?.lag().catch(() => undefined);
      if (lag !== undefined) this.set(lag);
    },
  });
  new Gauge({
    name: "flowgate_stream_throughput_events_per_second",
    help: "Events committed per second over the last 10 seconds",
    registers: [registry],
    collect() {
      if (probe) this.set(probe.eventsPerSecond());
    },
  });
  return {
    registry,
    events: new Counter({
      name: "flowgate_stream_events_total",
      help: "Events committed, by outcome (scored: result in the sink; dead: in the dead-letter stream)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    commits: new Counter({
      name: "flowgate_stream_commits_total",
      help: "Publish-then-ack steps (one Kafka transaction each on a transactional pipeline)",
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "flowgate_stream_in_flight_events",
      help: "Events pulled and not yet acknowledged",
      registers: [registry],
    }),
    pullSize: new Histogram({
      name: "flowgate_stream_pull_events",
      help: "Events returned by one pull from the source",
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers: [registry],
    }),
    setProbe(p) {
      probe = p;
    },
  };
}

/** Serves GET /metrics on 127.0.0.1:<port> (or `host`); resolves once listening. */
export async function serveMetrics(
  metrics: StreamMetrics,
  port: number,
  host = "127.0.0.1",
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
