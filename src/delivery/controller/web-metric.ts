// The `web` metric provider: GET a URL answering JSON and pick the number at `jsonPath` ("$.data.value",
// "$.items[0].score"). The whole body must be the number when no path is given. The URL takes the same
// {{…}} placeholders as a PromQL query.
import type { MetricProvider } from "../deployment.js";
import type { MetricContext, MetricReading } from "./metric-source.js";
import { getJson, substitute } from "./prometheus-metric.js";

type WebCheck = Extract<MetricProvider, { web: unknown }>["web"];

/** Follows "$.a.b[0].c" into `value`; undefined when a step is missing. */
export function atJsonPath(value: unknown, jsonPath: string): unknown {
  const steps = jsonPath.replace(/^\$/, "").match(/\.[^.[\]]+|\[\d+\]|\['[^']*'\]/g) ?? [];
  let cur = value;
  for (const s of steps) {
    if (cur === null || typeof cur !== "object") return undefined;
    const key = s.startsWith(".") ? s.slice(1) : s.startsWith("['") ? s.slice(2, -2) : Number(s.slice(1, -1));
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

export async function webMetric(q: WebCheck, ctx: MetricContext): Promise<MetricReading> {
  const url = substitute(q.url, ctx);
  if (url === undefined)
    return { error: `the URL names {{canary}} but the deployment has no version under test` };
  const got = await getJson(url, q.timeoutSeconds ?? 10, q.headers);
  if ("error" in got) return got;
  const path = q.jsonPath ?? "$";
  const picked = atJsonPath(got.json, path);
  if (picked === undefined || picked === null) return { noData: `the answer has no value at ${path}` };
  const value =
    typeof picked === "number" ? picked : typeof picked === "string" ? Number(picked) : Number.NaN;
  if (Number.isNaN(value))
    return { error: `the value at ${path} is not a number: ${JSON.stringify(picked).slice(0, 100)}` };
  return { value };
}
