// The monitor loop over a real server (createApp, never listening) with a fake clock, on SQLite and PostgreSQL:
// segments written by the real segment writer and uploaded through the segment service, baselines and labels
// through their routes. A shifted canary fires the preset's drift alerts (audited, one MONITORING webhook event
// each) and its rollout is aborted; labels arriving later recompute the window and fire the accuracy-drop alert
// against the run's val_accuracy; a later good window resolves it; /metrics shows the gauges. A second server over the
// same database leaves the deployment to the holder of its monitor lease.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BACKENDS } from "../../support/backends.js";
import { createApp, type App } from "../../../src/app.js";
import { loadServerConfig } from "../../../src/core/config.js";
import { createLogger } from "../../../src/core/logger.js";
import { systemContext } from "../../../src/core/request-context.js";
import { ProfileBuilder } from "../../../src/monitoring/profile/profile-builder.js";
import { SegmentWriter } from "../../../src/monitoring/segments/segment-writer.js";
import type { PredictionRecord } from "../../../src/monitoring/segments/prediction-record.js";
import type { Alert, MonitoringWindow } from "../../../src/monitoring/monitoring.js";
import type { TestServer } from "../../support/test-server.js";
import { registerVersion } from "../../governance/registry-fixture.js";
import { FakeClock, T0 } from "../../delivery/controller/controller-world.js";

const MODEL = "fraud-detector";
const NAME = "fraud";
const MINUTE = 60_000;
const ctx = { ...systemContext("test"), actor: "alice" };

/** Deterministic values in [0, 1). */
function* uniform(seed: number): Generator<number> {
  let s = seed;
  for (;;) {
    s = (s * 1103515245 + 12345) % 2147483648;
    yield s / 2147483648;
  }
}

function rows(n: number, seed: number, shift = 0): { x: number; city: string }[] {
  const u = uniform(seed);
  return Array.from({ length: n }, () => ({
    x: (u.next().value as number) + shift,
    city: ["a", "b", "c"][Math.floor((u.next().value as number) * 3)] as string,
  }));
}

function records(version: string, from: number, data: { x: number; city: string }[]): PredictionRecord[] {
  return data.map((r, i) => ({
    time: from + i * 100,
    requestId: `v${version}-${from}-${i}`,
    row: 0,
    version,
    role: version === "1" ? "primary" : "canary",
    latencyMs: 2,
    inputs: { x: r.x, city: r.city },
    outputs: { prediction: r.x > 0.5 ? 1 : 0, confidence: 0.9 },
  }));
}

for (const backend of BACKENDS) {
  describe(`the monitor loop (${backend.name})`, () => {
    const clock = new FakeClock();
    let app: App;
    /** A second server over the same database: it must leave the deployment to the lease holder. */
    let second: App;

    async function inject(method: "GET" | "POST" | "PUT", url: string, payload?: unknown) {
      const res = await app.server.inject({
        method,
        url,
        payload: payload as Record<string, unknown> | undefined,
      });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res;
    }

    async function upload(recs: PredictionRecord[], seq: number): Promise<void> {
      const w = new SegmentWriter();
      w.append(recs);
      await app.segments.upload({
        deployment: NAME,
        replica: "replica-1",
        seq,
        body: Buffer.from(w.finish()),
      });
    }

    const windows = async (): Promise<MonitoringWindow[]> =>
      (
        JSON.parse((await inject("GET", `/api/flowgate/v1/monitoring/deployments/${NAME}/windows`)).body) as {
          windows: MonitoringWindow[];
        }
      ).windows;
    const alerts = async (state?: string): Promise<Alert[]> =>
      (
        JSON.parse(
          (
            await inject(
              "GET",
              `/api/flowgate/v1/monitoring/alerts?deployment=${NAME}${state ? `&state=${state}` : ""}`,
            )
          ).body,
        ) as {
          alerts: Alert[];
        }
      ).alerts;

    before(async () => {
      const scratch = mkdtempSync(path.join(tmpdir(), "flowgate-mon-"));
      const env = {
        FLOWGATE_CONTROLLER: "off",
        FLOWGATE_MONITOR: "off",
        FLOWGATE_WEBHOOK_ALLOW_HTTP: "true",
        FLOWGATE_WEBHOOK_ALLOW_PRIVATE: "true",
      };
      const config = loadServerConfig(
        {
          backendStoreUri: await backend.freshUri(),
          artifactsDestination: path.join(scratch, "artifacts"),
          port: 0,
          cacheDir: scratch,
        },
        env,
      );
      const logger = createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" });
      app = await createApp(config, logger, clock, env);
      second = await createApp(config, logger, clock, env);
      // Version 1's run validated at 0.95 accuracy.
      const exp = JSON.parse(
        (await inject("POST", "/api/2.0/mlflow/experiments/create", { name: "fraud" })).body,
      ) as { experiment_id: string };
      const run = JSON.parse(
        (await inject("POST", "/api/2.0/mlflow/runs/create", { experiment_id: exp.experiment_id })).body,
      ) as { run: { info: { run_id: string } } };
      const runId = run.run.info.run_id;
      await inject("POST", "/api/2.0/mlflow/runs/log-metric", {
        run_id: runId,
        key: "val_accuracy",
        value: 0.95,
        timestamp: 1,
        step: 0,
      });
      const server = { app } as TestServer;
      await registerVersion(server, MODEL, 1, { runId });
      await registerVersion(server, MODEL, 2);
      await inject("POST", "/api/2.0/mlflow/webhooks", {
        name: "on-call",
        url: "http://127.0.0.1:9/hook",
        events: [
          { entity: "MONITORING", action: "ALERT_FIRING" },
          { entity: "MONITORING", action: "ALERT_RESOLVED" },
        ],
      });
      await app.deployments.create(ctx, {
        spec: {
          name: NAME,
          model: MODEL,
          primary: "1",
          strategy: { canary: { version: "2", steps: [{ setWeight: 50 }, { pause: {} }] } },
          monitoring: { window: { seconds: 60 } },
        },
        reason: "try v2",
      });
      const builder = new ProfileBuilder();
      for (const r of rows(1000, 7)) {
        builder.add(r, "input");
        builder.add({ prediction: r.x > 0.5 ? 1 : 0, confidence: 0.9 }, "prediction");
      }
      const profile = builder.build({ kind: "file", name: "train.parquet" }, clock.now());
      for (const v of ["1", "2"])
        await inject("PUT", `/api/flowgate/v1/monitoring/baselines/${MODEL}/${v}`, { profile });
      await inject("POST", "/api/flowgate/v1/monitoring/alert-rules/preset", { deployment: NAME });
    });
    after(async () => {
      await second.close();
      await app.close();
    });

    it("computes the closed window per version, fires drift alerts on the shifted canary and aborts its rollout", async () => {
      await upload([...records("1", T0, rows(300, 11)), ...records("2", T0 + 50, rows(300, 13, 3))], 0);
      clock.t = T0 + MINUTE + 14_000;
      await app.monitor.loop.tick();
      assert.deepEqual(await windows(), [], "not closed before the upload grace has passed");
      clock.t = T0 + MINUTE + 15_000;
      assert.deepEqual(
        await second.monitor.loop.tick(),
        [],
        "the first server holds the deployment's monitor lease",
      );
      assert.deepEqual(await windows(), []);
      assert.deepEqual(await app.monitor.loop.tick(), [NAME]);
      const stored = await windows();
      assert.deepEqual(
        stored.map((w) => [w.version, w.start, w.end, w.rows]),
        [
          ["1", T0, T0 + MINUTE, 300],
          ["2", T0, T0 + MINUTE, 300],
        ],
      );
      assert.equal(stored[0]?.drift?.drifted, false);
      assert.equal(stored[1]?.drift?.drifted, true);
      assert.ok(
        stored[1]?.methodScores?.some((c) => c.method === "psi" && c.column === "x" && c.score > 0.2),
      );
      assert.deepEqual(stored[0]?.expectedQuality, { accuracy: 0.95 });
      const firing = await alerts("firing");
      assert.deepEqual(firing.map((a) => [a.ruleName, a.version]).sort(), [
        ["input drift (KL)", "2"],
        ["input drift (PSI)", "2"],
        ["prediction drift", "2"],
      ]);
      assert.equal(
        firing.filter((a) => a.rolledBack === true).length,
        1,
        "the first alert aborted the rollout",
      );
      const view = await app.deployments.get(ctx, NAME);
      assert.equal(view.status.canaryWeight, 0);
      assert.notEqual(view.status.phase, "Progressing");
      assert.match(view.status.message ?? "", /alert '.+' fired on canary version 2/);
      const events = await app.database.db
        .selectFrom("webhook_events")
        .select(["entity", "action", "payload"])
        .where("entity", "=", "MONITORING")
        .execute();
      assert.equal(events.length, 3);
      assert.ok(events.every((e) => e.action === "ALERT_FIRING"));
      const audited = await app.database.db
        .selectFrom("audit_events")
        .select("action")
        .where("action", "=", "monitoring.alert_firing")
        .execute();
      assert.equal(audited.length, 3);
    });

    it("recomputes a window when its labels arrive, fires the accuracy drop, and resolves it on a good window", async () => {
      clock.advance(1000);
      // Version 1 predicted x > 0.5; the truth is the opposite for the first half of its rows.
      const truth = rows(300, 11).map((r, i) => ({
        request_id: `v1-${T0}-${i}`,
        label: (r.x > 0.5 ? 1 : 0) ^ (i < 150 ? 1 : 0),
      }));
      await inject("POST", "/api/flowgate/v1/monitoring/labels", { deployment: NAME, labels: truth });
      clock.advance(1000);
      await app.monitor.loop.tick();
      const [w1] = await windows();
      assert.equal(w1?.quality?.labelled, 300);
      assert.ok(Math.abs((w1?.quality?.accuracy ?? 0) - 0.5) < 1e-12);
      const drop = (await alerts("firing")).find((a) => a.ruleName === "accuracy drop");
      assert.equal(drop?.version, "1");
      assert.equal(drop?.rolledBack, undefined, "version 1 is the primary, not a canary");

      const next = T0 + MINUTE;
      await upload(records("1", next, rows(300, 17)), 1);
      await inject("POST", "/api/flowgate/v1/monitoring/labels", {
        deployment: NAME,
        labels: rows(300, 17).map((r, i) => ({ request_id: `v1-${next}-${i}`, label: r.x > 0.5 ? 1 : 0 })),
      });
      clock.t = next + MINUTE + 15_000;
      await app.monitor.loop.tick();
      const resolved = (await alerts("resolved")).find((a) => a.ruleName === "accuracy drop");
      assert.equal(resolved?.id, drop?.id);
      assert.equal(resolved?.resolvedAt, clock.now());
    });

    it("cuts row windows of N logged rows; the rest waits for more rows", async () => {
      await app.deployments.create(ctx, {
        spec: { name: "by-rows", model: MODEL, primary: "1", monitoring: { window: { rows: 100 } } },
        reason: "row windows",
      });
      const w = new SegmentWriter();
      const start = clock.now();
      w.append(records("1", start, rows(250, 23)));
      await app.segments.upload({
        deployment: "by-rows",
        replica: "replica-1",
        body: Buffer.from(w.finish()),
      });
      clock.advance(250 * 100 + 15_000);
      await app.monitor.loop.tick();
      const listed = JSON.parse(
        (await inject("GET", "/api/flowgate/v1/monitoring/deployments/by-rows/windows")).body,
      ) as { windows: MonitoringWindow[] };
      assert.deepEqual(
        listed.windows.map((x) => [x.start - start, x.end - start, x.rows]),
        [
          [0, 9901, 100],
          [9901, 19901, 100],
        ],
      );
    });

    it("exports the latest windows as gauges on /metrics", async () => {
      const text = (await inject("GET", "/metrics")).body;
      assert.match(text, /flowgate_dataset_drift_share\{deployment="fraud",version="2"\} 0.5\n/);
      assert.match(text, /flowgate_drift_score\{deployment="fraud",version="2",column="x",method="psi"\} \d/);
      assert.match(
        text,
        /flowgate_drift_detected\{deployment="fraud",version="2",column="x",method="[a-z_]+"\} 1/,
      );
      assert.match(text, /flowgate_model_quality\{deployment="fraud",version="1",metric="accuracy"\} 1/);
      assert.match(text, /flowgate_alerts_firing\{deployment="fraud",rule="input drift \(PSI\)"\} 1/);
      assert.match(text, /flowgate_monitor_running 0/, "this server's loop is off (the test drives it)");
    });

    it("resolves a deleted rule's firing alerts, with their webhook event", async () => {
      const rules = JSON.parse(
        (await inject("GET", `/api/flowgate/v1/monitoring/alert-rules?deployment=${NAME}`)).body,
      ) as { rules: { id: string; name: string }[] };
      const kl = rules.rules.find((r) => r.name === "input drift (KL)");
      const res = await app.server.inject({
        method: "DELETE",
        url: `/api/flowgate/v1/monitoring/alert-rules/${kl?.id}`,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(!(await alerts("firing")).some((a) => a.ruleName === "input drift (KL)"));
      assert.ok((await alerts("resolved")).some((a) => a.ruleName === "input drift (KL)"));
      const events = await app.database.db
        .selectFrom("webhook_events")
        .select("payload")
        .where("entity", "=", "MONITORING")
        .where("action", "=", "ALERT_RESOLVED")
        .execute();
      const rulesResolved = events.map(
        (e) => (JSON.parse(e.payload) as { data: { rule: string } }).data.rule,
      );
      assert.deepEqual(rulesResolved.sort(), ["accuracy drop", "input drift (KL)"]);
    });
  });
}
