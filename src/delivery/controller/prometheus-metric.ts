// The `prometheus` metric provider: one PromQL instant query (GET /api/v1/query) with the deployment's versions
// substituted for {{canary}}, {{primary}}, {{deployment}} and {{model}}. A scalar or a one-series vector is a
// number; an empty vector (or NaN) is no data; an HTTP or connection failure, or an error answer, is an Error.
import type { MetricProvider } from "../deployment.js";
import type { MetricContext, MetricReading } from "./metric-source.js";

type PrometheusQuery = Extract<MetricProvider, { prometheus: unknown }>["prometheus"];

/** Replaces the {{…}} placeholders; undefined when one names something the deployment lacks (no canary). */
export function substitute(text: string, ctx: MetricContext): string | undefined {
  const values: Record<string, string | undefined> = {
    canary: ctx.canary,
    primary: ctx.primary,
    deployment: ctx.deployment,
    model: ctx.model,
  };
  let missing = false;
  const out = text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    if (!(name in values)) return whole;
    const v = values[name];
    if (v === undefined) missing = true;
    return v ?? "";
  });
  return missing ? undefined : out;
}

/** GETs `url` as JSON within the timeout; the reading's error says what failed. */
export async function getJson(
  url: string,
  timeoutSeconds: number,
  headers: Record<string, string> = {},
): Promise<{ json: unknown } | { error: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: "application/json", ...headers },
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } };
    return { error: `GET ${url} failed: ${e.cause?.message ?? e.message}` };
  }
  const text = await res.text();
  if (!res.ok) return { error: `GET ${url} answered HTTP ${res.status}: ${text.slice(0, 200)}` };
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return { error: `GET ${url} did not answer JSON: ${text.slice(0, 200)}` };
  }
}

function sampleValue(sample: unknown): number | undefined {
  // Prometheus writes a sample as [unix seconds, "value as a string"].
  if (!Array.isArray(sample) || sample.length !== 2) return undefined;
  const raw = sample[1] as unknown;
  if (raw === "+Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  const v = Number(raw);
  return Number.isNaN(v) && raw !== "NaN" ? undefined : v;
}

/** A Prometheus query answer → a reading. */
export function prometheusReading(body: unknown): MetricReading {
  const b = body as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (b.status !== "success")
    return { error: `Prometheus answered ${b.status ?? "no status"}: ${b.error ?? ""}`.trim() };
  const data = b.data ?? {};
  let value: number | undefined;
  if (data.resultType === "scalar") value = sampleValue(data.result);
  else if (data.resultType === "vector" && Array.isArray(data.result)) {
    const series = data.result as { value?: unknown }[];
    if (series.length === 0) return { noData: "the query answered an empty vector" };
    if (series.length > 1) {
      return {
        error: `the query answered ${series.length} series; aggregate it to one (e.g. sum(...) or max(...))`,
      };
    }
    value = sampleValue(series[0]?.value);
  } else {
    return {
      error: `the query answered a ${data.resultType ?? "missing"} result; use an instant vector or scalar`,
    };
  }
  if (value === undefined) return { error: "the query's sample is not a number" };
  if (Number.isNaN(value)) return { noData: "the query answered NaN (no samples in its range)" };
  return { value };
}

export async function prometheusMetric(q: PrometheusQuery, ctx: MetricContext): Promise<MetricReading> {
  const query = substitute(q.query, ctx);
  if (query === undefined)
    return { error: `the query names {{canary}} but the deployment has no version under test` };
  const url = new URL("api/v1/query", q.address.endsWith("/") ? q.address : `${q.address}/`);
  url.searchParams.set("query", query);
  url.searchParams.set("time", String(ctx.toMs / 1000));
  const got = await getJson(url.toString(), q.timeoutSeconds ?? 10);
  return "error" in got ? got : prometheusReading(got.json);
}
