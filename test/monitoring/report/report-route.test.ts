// The report over HTTP on a real server: a version with a baseline (set through the baselines API), a
// prediction-log segment uploaded through the segment service, windows and an alert as the monitor stores them;
// the report gives the baseline's histogram beside the logged rows' on the same bins, the windows' decisions
// and the alert, as JSON or as JSON lines with progress; and `flowgate monitor report` writes it as one HTML file
// or JSON. Client mistakes are 4xx.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BACKENDS } from "../../support/backends.js";
import { runFlowgate } from "../../support/cli.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import type { Alert, DatasetProfile } from "../../../src/monitoring/monitoring.js";
import { ALERT_NAME, HOUR, seedMonitoredDeployment } from "./seed-monitoring.js";

const REPORT = "/api/flowgate/v1/monitoring/deployments/fraud-prod/report";

describe("the monitoring report over HTTP and from the CLI", () => {
  let server: TestServer;
  let T0 = 0;
  let reference: DatasetProfile;

  before(async () => {
    server = await startTestServer(BACKENDS[0]!, { controller: false, monitor: false });
    ({ t0: T0, reference } = await seedMonitoredDeployment(server));
  });
  after(async () => server.close());

  it("answers JSON: the baseline's histograms beside the logged rows', the decisions and the alert", async () => {
    const res = await call(server, "GET", REPORT, { from: T0, to: T0 + 2 * HOUR });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const report = res.body;
    assert.equal(report.model, "fraud");
    assert.deepEqual(report.summary.windows, 2);
    assert.equal(report.summary.rows, 400);
    assert.equal(report.summary.driftedWindows, 2);
    const [v1] = report.versions;
    assert.equal(v1.version, "1");
    assert.equal(v1.baseline.rows, 600);
    const amount = v1.columns.find((c: { column: string }) => c.column === "amount");
    const refAmount = reference.columns.amount;
    assert.ok(refAmount?.kind === "numeric");
    assert.deepEqual(amount.reference.counts, refAmount.binCounts);
    assert.deepEqual(amount.current.binEdges, refAmount.binEdges);
    assert.equal(
      amount.current.counts.reduce((a: number, b: number) => a + b, 0),
      400,
    );
    assert.equal(amount.overTime.length, 2);
    assert.equal(amount.overTime[0].level, "alert");
    const color = v1.columns.find((c: { column: string }) => c.column === "color");
    assert.deepEqual(color.reference.categories, color.current.categories);
    assert.ok(color.current.categories.includes("green"));
    const prediction = v1.columns.find((c: { role: string }) => c.role === "prediction");
    assert.equal(prediction.column, "prediction");
    assert.deepEqual(
      report.alerts.map((a: Alert) => [a.id, a.state]),
      [["a-1", "firing"]],
    );
  });

  it("streams progress lines then the report when asked for JSON lines", async () => {
    const res = await fetch(`${server.url}${REPORT}?from=${T0}&to=${T0 + 2 * HOUR}`, {
      headers: { accept: "application/x-ndjson" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/x-ndjson/);
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map(
        (l) => JSON.parse(l) as { progress?: { stage: string }; report?: { summary: { windows: number } } },
      );
    assert.ok(lines.slice(0, -1).every((l) => l.progress !== undefined));
    assert.ok(lines.some((l) => l.progress?.stage === "profile of version 1"));
    assert.equal(lines.at(-1)?.report?.summary.windows, 2);
  });

  it("answers client mistakes with 4xx and a message", async () => {
    const unknown = await call(server, "GET", "/api/flowgate/v1/monitoring/deployments/nope/report");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    const backwards = await call(server, "GET", REPORT, { from: T0, to: T0 - 1 });
    assert.equal(backwards.status, 400);
    assert.match(backwards.body.message, /must be after from/);
    const version = await call(server, "GET", REPORT, { version: "abc" });
    assert.equal(version.status, 400);
    const notTime = await call(server, "GET", REPORT, { from: "yesterday" });
    assert.equal(notTime.status, 400);
  });

  it("flowgate monitor report writes one self-contained HTML file, with progress on stderr", async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-report-")), "report.html");
    const from = new Date(T0).toISOString();
    const run = await runFlowgate(server, [
      "monitor",
      "report",
      "fraud-prod",
      "--from",
      from,
      "--to",
      "now",
      "--out",
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /report: profile of version 1 \(0\/1\)/);
    assert.match(run.stderr, /Wrote .*report\.html: 2 windows, 400 rows, 2 with data drift, 1 alerts firing/);
    const html = readFileSync(out, "utf8");
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<figure class="feature"/g) ?? []).length, 3);
    assert.ok(html.includes(ALERT_NAME.replace("<", "&lt;").replace(">", "&gt;")));
  });

  it("flowgate monitor report --format json prints the report; a time that is no time is refused", async () => {
    const run = await runFlowgate(server, [
      "monitor",
      "report",
      "fraud-prod",
      "--from",
      "6h",
      "--format",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.deployment, "fraud-prod");
    assert.equal(report.summary.windows, 2);
    const bad = await runFlowgate(server, ["monitor", "report", "fraud-prod", "--from", "last tuesday"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--from 'last tuesday' is not a time/);
  });
});
