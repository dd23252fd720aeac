// `kafka://host:port[,host:port]/<topic>?group=<g>` → the bootstrap brokers, the topic and the URL's options.
// The only place that reads a kafka:// URL.
import { invalidParameter } from "../core/errors.js";

export interface KafkaUrl {
  /** `host:port` per bootstrap broker, in the URL's order. */
  brokers: string[];
  topic: string;
  /** The consumer group (source URLs); `flowgate` when absent. */
  group: string;
  params: URLSearchParams;
}

const SHAPE = "kafka://host:port[,host:port]/<topic>[?group=<g>]";

export function parseKafkaUrl(url: string): KafkaUrl {
  // Not new URL(): a list of hosts is no URL authority, and a topic may hold characters a path would escape.
  const match = /^kafka:\/\/([^/?#]+)\/([^/?#]+)(?:\?([^#]*))?$/.exec(url);
  if (match === null) throw invalidParameter(`'${url}' is not a Kafka topic URL; use ${SHAPE}`);
  const [, hosts = "", rawTopic = "", query = ""] = match;
  const brokers = hosts.split(",").map((host) => {
    const withPort = /^[A-Za-z0-9.-]+:\d{1,5}$/.test(host)
      ? host
      : /^[A-Za-z0-9.-]+$/.test(host)
        ? `${host}:9092`
        : "";
    if (withPort === "")
      throw invalidParameter(
        `'${url}' names broker '${host}'; brokers are host:port, comma-separated (${SHAPE})`,
      );
    return withPort;
  });
  const topic = decodeURIComponent(rawTopic);
  // Kafka's own rule for topic names.
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
    throw invalidParameter(`'${url}' names topic '${topic}'; a topic is 1–249 of A–Z a–z 0–9 . _ -`);
  }
  const params = new URLSearchParams(query);
  return { brokers, topic, group: params.get("group") ?? "flowgate", params };
}

/** Whether two URLs reach the same cluster (same bootstrap list), so one transaction can span them. */
export function sameCluster(a: KafkaUrl, b: KafkaUrl): boolean {
  return [...a.brokers].sort().join(",") === [...b.brokers].sort().join(",");
}

/** A positive integer query parameter (milliseconds, counts), or its default when absent. */
export function positiveParam(params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw invalidParameter(`Kafka URL parameter '${name}' is '${raw}'; it must be a positive integer`);
  }
  return value;
}
