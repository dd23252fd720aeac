// Monitoring end to end on loopback: a real server (SQLite, its monitor loop ticking fast), two iris versions
// registered by the real mlflow client (each run logs its validation accuracy), one `flowgate models serve
// --deployment` replica logging every prediction, a baseline set from the training file by the CLI, and a local
// webhook receiver verifying signatures. Windows are chunks of 200 logged rows (time windows are a minute at
// least); the stream is open loop at 40 requests/s, so a window is about 5 s of traffic; serving rotates
// segments every second.
//   1. rows like the training data raise nothing; rows shifted on every input fire the data-drift alert for the
//      first window of them, and the signed MONITORING.ALERT_FIRING event reaches the receiver;
//   2. labels that make accuracy drop fire the concept-drift (quality_drop) alert;
//   3. the same shift on a canary mid-rollout fires on the canary version and aborts the rollout: the
//      primary takes all traffic again.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import type { DeploymentSpec } from "../../src/delivery/deployment.js";
import type { Alert, MonitoringWindow } from "../../src/monitoring/monitoring.js";
import { createDeploymentsClient, type DeploymentsClient } from "../../src/sdk/deployments-client.js";
import { BACKENDS } from "../support/backends.js";
import { runFlowgate } from "../support/cli.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { FAST_DELIVERY_ENV, Receiver, type Received } from "../webhooks/receiver.js";
import {
  IRIS_COLUMNS,
  PYTHON,
  REPO,
  startServing,
  type FlowgateProcess,
} from "../delivery/support/delivery-processes.js";

const MODEL = "iris-monitored";
const NAME = "iris-monitored";
const WINDOW_ROWS = 200;
const RATE = 40;
/** How long a window's rows take to send. */
const WINDOW_MS = (WINDOW_ROWS / RATE) * 1000;
const SECRET = "whsec-monitoring-e2e-0123456789";
/** Serving rotates segments every second; the monitor ticks fast and waits a rotation plus upload after a window. */
const SEGMENT_SECONDS = "1";
const MONITOR_ENV = {
  ...FAST_DELIVERY_ENV,
  FLOWGATE_MONITOR_TICK_SECONDS: "0.5",
  FLOWGATE_MONITOR_GRACE_SECONDS: "3",
};
const GRACE_MS = 3000;

interface Answer {
  requestId: string;
  version: string;
  prediction: number;
  sentAt: number;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err as Error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/** A steady stream of single-row requests, each with its own x-request-id, until stopped or `total` were sent. */
function stream(url: string, row: (seq: number) => number[], tag: string, total = Infinity) {
  const answers: Answer[] = [];
  const failures: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let seq = 0;
  const started = Date.now();
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
    for (; seq < due; seq++) {
      const requestId = `${tag}-${seq}`;
      const sentAt = Date.now();
      const p = fetch(`${url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data: [row(seq)] } }),
      })
        .then(async (r) => {
          const body = (await r.json()) as { predictions: number[] };
          if (r.status !== 200) failures.push(`${r.status} ${JSON.stringify(body)}`);
          else
            answers.push({
              requestId,
              version: r.headers.get("x-flowgate-version") ?? "",
              prediction: body.predictions[0] as number,
              sentAt,
            });
        })
        .catch((err: Error) => void failures.push(err.message))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 10);
  return {
    answers,
    sent: () => seq,
    async stop(): Promise<Answer[]> {
      clearInterval(timer);
      await Promise.all(inFlight);
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} requests failed`);
      return answers;
    },
  };
}

describe(
  "monitoring end to end (server, real mlflow client, one serving replica)",
  { timeout: 600_000 },
  () => {
    let server: TestServer;
    let serving: FlowgateProcess;
    let client: DeploymentsClient;
    let receiver: Receiver;
    let v: { good: string; candidate: string };
    let training: number[][];
    const shifted = (seq: number): number[] => {
      const [sl, sw, pl, pw] = training[seq % training.length] as number[];
      return [sl! + 2, sw! - 1.2, pl! + 3, pw! + 1.5];
    };
    const like = (seq: number): number[] => training[seq % training.length] as number[];

    const spec = (rest: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
      name: NAME,
      model: MODEL,
      primary: v.good,
      monitoring: { window: { rows: WINDOW_ROWS } },
      ...rest,
    });

    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON as the API answers it
    async function api(method: string, route: string, body?: unknown): Promise<any> {
      const r = await fetch(`${server.url}${route}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      assert.ok(r.ok, `${method} ${route}: ${r.status} ${text}`);
      return text === "" ? {} : JSON.parse(text);
    }

    const alerts = async (): Promise<Alert[]> =>
      (await api("GET", `/api/flowgate/v1/monitoring/alerts?deployment=${NAME}`)).alerts as Alert[];
    const windows = async (): Promise<MonitoringWindow[]> =>
      (await api("GET", `/api/flowgate/v1/monitoring/deployments/${NAME}/windows`))
        .windows as MonitoringWindow[];
    const firingEvent = (kind: Alert["kind"], version: string) => (r: Received) =>
      r.json.action === "alert_firing" && r.json.data.kind === kind && r.json.data.version === version;

    /** Rows the replica logged so far (its readiness probe's among them). */
    const loggedRows = async (): Promise<number> => {
      const text = await (await fetch(`${serving.url}/metrics`)).text();
      const line = text.split("\n").find((l) => l.startsWith("flowgate_prediction_log_rows_total{"));
      return Number(line?.split(" ").pop() ?? NaN);
    };

    before(async () => {
      server = await startTestServer(BACKENDS[0]!, { env: MONITOR_ENV });
      const scratch = mkdtempSync(path.join(tmpdir(), "flowgate-monitoring-e2e-"));
      const trainCsv = path.join(scratch, "train.csv");
      const { stdout } = await promisify(execFile)(
        PYTHON,
        [path.join(REPO, "test/monitoring/fixtures/register_monitoring_models.py"), MODEL, trainCsv],
        { env: { ...process.env, MLFLOW_TRACKING_URI: server.url } },
      );
      v = JSON.parse(stdout.trim().split("\n").pop() as string) as typeof v;
      training = readFileSync(trainCsv, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",").map(Number));

      const set = await runFlowgate(server, [
        "monitor",
        "baseline",
        "set",
        MODEL,
        v.good,
        "--data",
        trainCsv,
      ]);
      assert.equal(set.code, 0, set.stderr);
      // The candidate was fitted on the same rows: the same profile is its baseline.
      const { baseline } = await api("GET", `/api/flowgate/v1/monitoring/baselines/${MODEL}/${v.good}`);
      await api("PUT", `/api/flowgate/v1/monitoring/baselines/${MODEL}/${v.candidate}`, {
        profile: baseline.profile,
      });

      receiver = new Receiver(SECRET);
      await receiver.start();
      await api("POST", "/api/2.0/mlflow/webhooks", {
        name: "on-call",
        url: receiver.url,
        events: [
          { entity: "MONITORING", action: "ALERT_FIRING" },
          { entity: "MONITORING", action: "ALERT_RESOLVED" },
        ],
        secret: SECRET,
      });
      client = createDeploymentsClient({ trackingUri: server.url });
      await client.create(spec(), "serve the iris model, monitored in windows of 200 rows");
      const rule = { deployment: NAME, severity: "critical", enabled: true };
      await api("POST", "/api/flowgate/v1/monitoring/alert-rules", {
        ...rule,
        name: "inputs drift",
        kind: "data_drift",
        // Three of the four inputs: rows drawn from the training file itself never get there.
        threshold: 0.75,
        rollbackCanary: true,
      });
      await api("POST", "/api/flowgate/v1/monitoring/alert-rules", {
        ...rule,
        name: "accuracy drop",
        kind: "quality_drop",
        metric: "accuracy",
        threshold: 0.05,
        rollbackCanary: false,
      });

      serving = await startServing({
        trackingUri: server.url,
        deployment: NAME,
        extraArgs: ["--log-segment-seconds", SEGMENT_SECONDS],
      });
    });

    after(async () => {
      await serving?.stop();
      await receiver?.stop();
      await server?.close();
    });

    let driftWindow: Answer[] = [];

    test("a stream like the training data raises nothing; a shifted one fires the drift alert for its first window, signed", async () => {
      // Two windows of rows like the training data (with the rows logged before: the readiness probe's), all
      // answered before the first shifted row, so the third window holds shifted rows only.
      const before = await loggedRows();
      const normal = stream(serving.url, like, "normal", 2 * WINDOW_ROWS - before);
      await until(
        "the rows like the training data to be sent",
        async () => (normal.sent() === 2 * WINDOW_ROWS - before ? true : undefined),
        2 * WINDOW_MS + 10_000,
      );
      await normal.stop();
      const drifting = stream(serving.url, shifted, "shifted");
      let fired: Received;
      try {
        fired = await until(
          "the data_drift alert's webhook",
          async () => receiver.received.find(firingEvent("data_drift", v.good)),
          2 * WINDOW_MS + GRACE_MS + 20_000,
        );
      } finally {
        driftWindow = await drifting.stop();
      }
      assert.equal(fired.verified, true, "the webhook signature verifies with the shared secret");
      const computed = (await windows())
        .filter((w) => w.version === v.good)
        .sort((a, b) => a.start - b.start);
      assert.ok(computed.length >= 3, `windows: ${JSON.stringify(computed.map((w) => [w.start, w.rows]))}`);
      const [first, second, third] = computed as [MonitoringWindow, MonitoringWindow, MonitoringWindow];
      assert.deepEqual([first.rows, second.rows], [WINDOW_ROWS, WINDOW_ROWS]);
      for (const w of [first, second]) {
        assert.ok(w.drift, "a window like the training data was compared with the baseline");
        assert.ok(w.drift.share < 0.75, `share ${w.drift.share} in a window like the training data`);
      }
      const alert = (await alerts()).find((a) => a.kind === "data_drift" && a.version === v.good);
      assert.ok(alert, "the alert is listed");
      assert.equal(alert.state, "firing");
      assert.deepEqual(
        [alert.windowStart, alert.windowEnd],
        [third.start, third.end],
        "it fired for the first window of shifted rows",
      );
      assert.ok(alert.value >= 0.75, `drift share ${alert.value}`);
      assert.equal(fired.json.data.alert_id, alert.id);
      assert.equal(fired.json.data.window_start, third.start);
      assert.ok(
        (await alerts()).every((a) => a.kind !== "data_drift" || a.windowStart >= third.start),
        "no drift alert for the rows like the training data",
      );
    });

    test("labels that make accuracy drop fire the concept-drift alert", async () => {
      assert.ok(driftWindow.length > 0, "the shifted stream was answered");
      // Half the predictions were wrong: accuracy 0.5 against the run's validation accuracy (> 0.9).
      const labels = driftWindow.map((a, i) => ({
        request_id: a.requestId,
        label: i % 2 === 0 ? a.prediction : (a.prediction + 1) % 3,
      }));
      await api("POST", "/api/flowgate/v1/monitoring/labels", { deployment: NAME, labels });
      const fired = await until(
        "the quality_drop alert's webhook",
        async () => receiver.received.find(firingEvent("quality_drop", v.good)),
        30_000,
      );
      assert.equal(fired.verified, true);
      const alert = (await alerts()).find((a) => a.kind === "quality_drop" && a.version === v.good);
      assert.ok(alert && alert.value > 0.05, `relative accuracy drop ${alert?.value}`);
    });

    test("a drift alert on the canary mid-rollout aborts it: the primary takes all traffic again", async () => {
      await client.update(
        NAME,
        spec({ strategy: { canary: { version: v.candidate, steps: [{ setWeight: 50 }, { pause: {} }] } } }),
        "canary the retrained model",
      );
      await until(
        "the replica to route half the traffic to the canary",
        async () => {
          const { snapshot } = await client.routing(NAME);
          const meta = (await (await fetch(`${serving.url}/metadata`)).json()) as {
            deployment?: { routing?: { etag?: string } };
          };
          return meta.deployment?.routing?.etag === snapshot.etag &&
            snapshot.routes.some((r) => r.role === "canary" && r.weight === 50)
            ? true
            : undefined;
        },
        30_000,
      );
      const drifting = stream(serving.url, shifted, "canary");
      let status;
      try {
        status = await until(
          "the rollout to be aborted by the canary's alert",
          async () => {
            const s = await client.status(NAME);
            return s.phase === "Aborted" || s.phase === "Degraded" ? s : undefined;
          },
          3 * WINDOW_MS + GRACE_MS + 20_000,
        );
      } finally {
        await drifting.stop();
      }
      const canaryAlert = (await alerts()).find((a) => a.kind === "data_drift" && a.version === v.candidate);
      assert.ok(canaryAlert, "the canary's drift alert is listed");
      assert.equal(canaryAlert.rolledBack, true);
      assert.match(status.message ?? "", /inputs drift/, "the abort names the alert");
      // The alert's webhook is delivered on its own schedule, not before the abort: it is awaited, like the others.
      await until(
        "the canary's data_drift alert's webhook",
        async () => receiver.received.find(firingEvent("data_drift", v.candidate)),
        30_000,
      );
      const { snapshot } = await client.routing(NAME);
      assert.deepEqual(
        snapshot.routes.map((r) => [r.version, r.weight]),
        [[v.good, 100]],
      );
    });
  },
);
