// The shipped Prometheus alert rules and Grafana dashboard: both parse, and every Flowgate metric their PromQL
// names is exposed — by the server's GET /metrics (a real server, over HTTP) or by a serving process' /metrics
// (the registry `models serve --deployment` builds: serving, deployment and prediction-log metrics).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { BACKENDS } from "../support/backends.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import {
  createDeploymentMetrics,
  createServingMetrics,
  registerPredictionLogMetrics,
} from "../../src/serving/metrics.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Sample names a Prometheus text exposition declares (a histogram's _bucket, _sum and _count). */
function exposed(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === "histogram" || type === "summary")
      for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
  }
  return names;
}

function flowgateMetrics(expr: string): string[] {
  return [...expr.matchAll(/\bflowgate_[a-z0-9_]+/g)].map((m) => m[0]);
}

describe("ops files", () => {
  let server: TestServer;
  const names = new Set<string>();
  before(async () => {
    server = await startTestServer(BACKENDS[0]!);
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    for (const n of exposed(await res.text())) names.add(n);
    const serving = createServingMetrics();
    createDeploymentMetrics(serving.registry);
    registerPredictionLogMetrics(serving.registry, "fraud", () => ({
      rows: 0,
      dropped: 0,
      segments: 0,
      uploadFailures: 0,
    }));
    for (const n of exposed(await serving.registry.metrics())) names.add(n);
  });
  after(() => server.close());

  it("the Prometheus rules parse and name only exposed metrics", () => {
    const file = parse(readFileSync(path.join(REPO, "ops/prometheus/flowgate-alerts.yml"), "utf8")) as {
      groups: { name: string; rules: { alert: string; expr: string; labels?: { severity?: string } }[] }[];
    };
    const rules = file.groups.flatMap((g) => g.rules);
    assert.ok(rules.length >= 8);
    for (const r of rules) {
      assert.ok(
        r.alert !== "" && r.expr !== "" && r.labels?.severity !== undefined,
        `rule ${r.alert} is complete`,
      );
      const used = flowgateMetrics(r.expr);
      assert.ok(used.length > 0, `${r.alert} names a Flowgate metric`);
      for (const n of used) assert.ok(names.has(n), `${r.alert}: ${n} is exposed by the server or serving`);
    }
    const all = rules.flatMap((r) => flowgateMetrics(r.expr));
    for (const m of [
      "flowgate_dataset_drift_share",
      "flowgate_alerts_firing",
      "flowgate_deployment_requests_total",
    ])
      assert.ok(all.includes(m), `an alert on ${m}`);
  });

  it("the Grafana dashboard parses and its panels chart only exposed metrics", () => {
    const dash = JSON.parse(readFileSync(path.join(REPO, "ops/grafana/flowgate-dashboard.json"), "utf8")) as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
      templating: { list: { query: { query: string } }[] };
    };
    const exprs = [
      ...dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr }))),
      ...dash.templating.list.map((v) => ({ title: "variable", expr: v.query.query })),
    ];
    for (const { title, expr } of exprs)
      for (const n of flowgateMetrics(expr)) assert.ok(names.has(n), `${title}: ${n} is exposed`);
    const charted = new Set(exprs.flatMap((e) => flowgateMetrics(e.expr)));
    for (const m of [
      "flowgate_deployment_requests_total",
      "flowgate_deployment_request_duration_seconds_bucket",
      "flowgate_dataset_drift_share",
      "flowgate_drift_score",
      "flowgate_model_quality",
      "flowgate_alerts_firing",
    ])
      assert.ok(charted.has(m), `the dashboard charts ${m}`);
  });
});
