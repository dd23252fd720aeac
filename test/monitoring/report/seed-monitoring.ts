// A monitored deployment on a running test server, for the report and UI tests: model "fraud" version 1 with a
// baseline set through the baselines API, deployment "fraud-prod", two hours of shifted predictions uploaded
// through the segment service, the two windows the monitor would store for them (in its window store) (decided by the real drift
// code; the second with labels), and a firing alert. Times are recent so "the last 24 hours" covers them.
import assert from "node:assert/strict";
import { call, type TestServer } from "../../support/test-server.js";
import { registerVersion } from "../../governance/registry-fixture.js";
import { ProfileBuilder } from "../../../src/monitoring/profile/profile-builder.js";
import { profileSegments } from "../../../src/monitoring/profile/profile-segments.js";
import { SegmentWriter } from "../../../src/monitoring/segments/segment-writer.js";
import type { PredictionRecord } from "../../../src/monitoring/segments/prediction-record.js";
import { datasetDrift } from "../../../src/monitoring/drift/dataset-drift.js";
import type { Alert, DatasetProfile } from "../../../src/monitoring/monitoring.js";

export const HOUR = 3600_000;
const COLORS = ["red", "blue", "green"];

export function referenceProfile(): DatasetProfile {
  const n = 600;
  const builder = new ProfileBuilder();
  builder.addColumns(
    {
      amount: Array.from({ length: n }, (_, i) => (i * 7919) % 100),
      color: Array.from({ length: n }, (_, i) => COLORS[i % 2]),
    },
    n,
    "input",
  );
  builder.addColumns(
    { prediction: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? "1" : "0")) },
    n,
    "prediction",
  );
  return builder.build({ kind: "file", name: "train.parquet" });
}

/** One hour of logged predictions, shifted: larger amounts, a new colour, more positives. */
function shiftedRecords(start: number, rows: number): PredictionRecord[] {
  return Array.from({ length: rows }, (_, i) => ({
    time: start + i * 1000,
    requestId: `req-${start}-${i}`,
    row: 0,
    version: "1",
    role: "primary",
    latencyMs: 3,
    inputs: { amount: 50 + ((i * 31) % 60), color: COLORS[i % 3] ?? "red" },
    outputs: { prediction: i % 2 === 0 ? "1" : "0" },
  }));
}

export const ALERT_NAME = "data drift <share>";

/** Seeds the server; answers the first window's start and the baseline. */
export async function seedMonitoredDeployment(
  server: TestServer,
  headers: Record<string, string> = {},
): Promise<{ t0: number; reference: DatasetProfile }> {
  const t0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
  const reference = referenceProfile();
  await registerVersion(server, "fraud", 1);
  const created = await call(
    server,
    "POST",
    "/api/flowgate/v1/deployments",
    { spec: { name: "fraud-prod", model: "fraud", primary: "1" }, reason: "ship" },
    headers,
  );
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const put = await call(
    server,
    "PUT",
    "/api/flowgate/v1/monitoring/baselines/fraud/1",
    { profile: reference },
    headers,
  );
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const writer = new SegmentWriter();
  writer.append(shiftedRecords(t0, 200));
  writer.append(shiftedRecords(t0 + HOUR, 200));
  const segment = writer.finish();
  // Through the segment service the upload route writes with (the file in the artifact store, the index row).
  await server.app.segments.upload({ deployment: "fraud-prod", replica: "r1", body: Buffer.from(segment) });
  const db = server.app.database.db;
  for (const hour of [0, 1]) {
    const start = t0 + hour * HOUR;
    const current = await profileSegments([segment], reference, {
      version: "1",
      from: start,
      to: start + HOUR,
    });
    await server.app.monitor.windows.put(db, {
      deployment: "fraud-prod",
      version: "1",
      start,
      end: start + HOUR,
      rows: current.rows,
      drift: datasetDrift(reference, current),
      ...(hour === 1
        ? {
            quality: { task: "classification", labelled: 120, accuracy: 0.71, f1: 0.64 },
            expectedQuality: { accuracy: 0.9, f1: 0.88 },
          }
        : {}),
      computedAt: start + HOUR + 5000,
    });
  }
  const alert: Alert = {
    id: "a-1",
    ruleId: "r-1",
    ruleName: ALERT_NAME,
    deployment: "fraud-prod",
    version: "1",
    kind: "data_drift",
    severity: "critical",
    state: "firing",
    value: 1,
    threshold: 0.5,
    message: "2 of 2 input columns drift",
    windowStart: t0,
    windowEnd: t0 + HOUR,
    firedAt: t0 + HOUR + 6000,
  };
  await server.app.monitor.alerts.insertAlert(db, alert);
  return { t0, reference };
}
