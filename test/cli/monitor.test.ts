// `flowgate monitor` against a real server: a baseline set from a CSV profiled on the client (progress on
// stderr) and shown as a table or JSON, labels uploaded from a CSV in batches with a summary, and mistakes
// answered in one line.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";
import { registerVersion } from "../governance/registry-fixture.js";
import { createSqlMonitoringStore } from "../../src/monitoring/sql-monitoring-store.js";
import type { Baseline } from "../../src/monitoring/monitoring.js";

const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;

function oneLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  return lines[0] as string;
}

describe("flowgate monitor", () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startTestServer(sqlite, { controller: false });
    await registerVersion(server, "churn", 1);
    const res = await call(server, "POST", "/api/flowgate/v1/deployments", {
      spec: { name: "churn-prod", model: "churn", primary: "1" },
      reason: "ship",
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    dir = mkdtempSync(path.join(tmpdir(), "flowgate-monitor-cli-"));
  });
  after(async () => server.close());

  it("sets a baseline from a CSV profiled locally and shows it as a table and as JSON", async () => {
    const csv = path.join(dir, "train.csv");
    const lines = ["age,plan,prediction"];
    for (let i = 0; i < 200; i++) lines.push(`${20 + (i % 50)},${["basic", "pro", "team"][i % 3]},${i % 2}`);
    writeFileSync(csv, `${lines.join("\n")}\n`);
    const set = await runFlowgate(server, ["monitor", "baseline", "set", "churn", "1", "--data", csv]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Baseline of churn version 1 set: 200 rows, 2 columns\./);
    assert.match(set.stderr, /Profiled train\.csv: 200 rows, 2 columns/);

    const show = await runFlowgate(server, ["monitor", "baseline", "show", "churn", "1"]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Baseline of churn version 1: 200 rows from file train\.csv/);
    assert.match(show.stdout, /^age\s+numeric\s+200\s+0\.0%\s+min 20 {2}mean 44\.5 {2}max 69/m);
    assert.match(
      show.stdout,
      /^plan\s+categorical\s+200\s+0\.0%\s+3 categories: basic 34%, pro 34%, team 33%/m,
    );
    assert.match(show.stdout, /^\(output\) prediction\s+numeric/m);

    const json = await runFlowgate(server, ["monitor", "baseline", "show", "churn", "1", "--json"]);
    const baseline = JSON.parse(json.stdout) as Baseline;
    assert.equal(baseline.profile.rows, 200);
    assert.deepEqual(baseline.profile.source, { kind: "file", name: "train.csv" });
  });

  it("uploads labels from a CSV in batches and sums them up", async () => {
    const csv = path.join(dir, "labels.csv");
    const lines = ["request_id,label"];
    for (let i = 0; i < 25; i++) lines.push(`req-${i},${i % 5 === 0 ? "churned" : i % 2}`);
    writeFileSync(csv, `${lines.join("\n")}\n`);
    const res = await runFlowgate(server, [
      "monitor",
      "labels",
      "upload",
      "churn-prod",
      csv,
      "--batch-size",
      "10",
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /Uploaded 25 labels for churn-prod in 3 batches\./);
    const stored = await createSqlMonitoringStore().findLabels(server.app.database.db, "churn-prod", [
      "req-0",
      "req-1",
      "req-24",
    ]);
    assert.deepEqual(
      ["req-0", "req-1", "req-24"].map((id) => stored.get(id)?.label),
      ["churned", 1, 0],
    );
  });

  it("adds the default alert rules to a deployment and lists them and its alerts", async () => {
    const preset = await runFlowgate(server, ["monitor", "alerts", "preset", "--deployment", "churn-prod"]);
    assert.equal(preset.code, 0, preset.stderr);
    for (const kind of ["data_drift", "prediction_drift", "quality_drop", "latency_p99_ms", "error_rate"]) {
      assert.match(preset.stdout, new RegExp(`churn-prod\\W+${kind}`), `${kind} in:\n${preset.stdout}`);
    }
    const rules = await runFlowgate(server, [
      "monitor",
      "alerts",
      "rules",
      "--deployment",
      "churn-prod",
      "--json",
    ]);
    assert.equal(rules.code, 0, rules.stderr);
    const listed = JSON.parse(rules.stdout) as { deployment?: string }[];
    assert.ok(listed.length >= 5 && listed.every((r) => r.deployment === "churn-prod"));
    const alerts = await runFlowgate(server, ["monitor", "alerts", "list", "--state", "firing"]);
    assert.equal(alerts.code, 0, alerts.stderr);
    assert.equal(alerts.stdout.trim(), "No alerts.");
    const both = await runFlowgate(server, ["monitor", "alerts", "preset"]);
    assert.equal(both.code, 2);
    assert.match(oneLine(both.stderr), /exactly one of --deployment <name> or --model <name>/);
  });

  it("answers mistakes in one line: no source, a bad CSV, a missing baseline", async () => {
    const neither = await runFlowgate(server, ["monitor", "baseline", "set", "churn", "1"]);
    assert.notEqual(neither.code, 0);
    assert.match(oneLine(neither.stderr), /exactly one of --data <file> or --from input-example\|dataset/);
    const from = await runFlowgate(server, [
      "monitor",
      "baseline",
      "set",
      "churn",
      "1",
      "--from",
      "thin-air",
    ]);
    assert.match(oneLine(from.stderr), /--from must be input-example or dataset/);
    const bad = path.join(dir, "bad.csv");
    writeFileSync(bad, "id,y\na,1\n");
    const labels = await runFlowgate(server, ["monitor", "labels", "upload", "churn-prod", bad]);
    assert.match(oneLine(labels.stderr), /must have the columns request_id and label/);
    const none = await runFlowgate(server, ["monitor", "baseline", "show", "churn", "2"]);
    assert.notEqual(none.code, 0);
    assert.match(oneLine(none.stderr), /not found|does not exist/i);
  });
});
