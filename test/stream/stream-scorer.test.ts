// Stream scoring end to end on a real Kafka broker with a real model (scikit-learn saved by the real mlflow,
// scored on the ONNX runtime): results keyed by event id in the sink, bad events in the DLQ with the reason,
// and `flowgate stream score` consumers sharing a group, one SIGKILLed mid-way, the other finishing, so the
// output holds every event id exactly once and the DLQ only the bad ones.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { createLogger } from "../../src/core/logger.js";
import { defaultScorerOptions, openScorer } from "../../src/scoring/open-scorer.js";
import type { Scorer } from "../../src/scoring/scorer.js";
import { frameFromRecords } from "../../src/serving/frame.js";
import { openEndpoints } from "../../src/stream/endpoints.js";
import { createStreamMetrics } from "../../src/stream/stream-metrics.js";
import { scoreStream } from "../../src/stream/stream-scorer.js";
import { freePort } from "../support/free-port.js";
import { createTopic, produce, readCommitted, startKafka, type KafkaBroker } from "../support/kafka.js";
import { modelDir, PYTHON, REPO } from "../serving/support/serving-fixtures.js";
import { until } from "../support/stream-consumer.js";

/** A deterministic iris-like row for event i. */
function row(i: number): Record<string, number> {
  const f = (k: number) => ((i * 7919 + k * 104729) % 1000) / 1000;
  return {
    sepal_length: 4 + 4 * f(1),
    sepal_width: 2 + 2.5 * f(2),
    petal_length: 1 + 6 * f(3),
    petal_width: 0.1 + 2.4 * f(4),
  };
}

/** One cache per fixture build, kept across runs: the model's ONNX conversion (a Python step) happens once. */
let cacheRoot = "";

describe("stream scoring", () => {
  let kafka: KafkaBroker;
  let classifier: string;
  let scorer: Scorer;
  before(async () => {
    [kafka, classifier] = await Promise.all([startKafka(), modelDir("classifier")]);
    cacheRoot = path.join(tmpdir(), `flowgate-stream-cache-${path.basename(path.dirname(classifier))}`);
    scorer = await openScorer(
      { kind: "model", modelUri: classifier },
      defaultScorerOptions({
        logger: createLogger({ level: "silent" }),
        cacheDir: path.join(cacheRoot, "models"),
        python: PYTHON,
        workers: 1,
      }),
    );
  });
  after(async () => {
    await scorer?.close();
    await kafka?.stop();
  });

  test("events are scored into the sink keyed by their id; bad JSON, non-objects and rows off the signature go to the DLQ with the reason", async () => {
    await createTopic(kafka.bootstrap, "engine-in", 4);
    const good = Array.from({ length: 1500 }, (_, i) => ({ id: `ev-${i}`, ...row(i) }));
    const bad: Record<string, string> = {
      "not json": "{not json",
      array: JSON.stringify([1, 2, 3]),
      "wrong type": JSON.stringify({ id: "bad-type", ...row(1), sepal_width: "wide" }),
      missing: JSON.stringify({ id: "bad-missing", sepal_length: 5 }),
    };
    // Bad events in the middle: each is found within its request of good ones and dead-lettered alone.
    await produce(kafka.bootstrap, "engine-in", [
      ...good.slice(0, 700).map((e) => JSON.stringify(e)),
      ...Object.values(bad),
      // The wrapped form: the id beside an `inputs` row.
      ...good.slice(700).map(({ id, ...inputs }) => JSON.stringify({ id, inputs })),
    ]);
    const b = kafka.bootstrap;
    const endpoints = await openEndpoints({
      source: `kafka://${b}/engine-in?group=engine`,
      sink: `kafka://${b}/engine-out`,
      dlq: `kafka://${b}/engine-dlq`,
    });
    const metrics = createStreamMetrics();
    const summary = await scoreStream(scorer, endpoints, {
      idField: "id",
      maxBatch: 500,
      maxInFlight: 1000,
      rowsPerRequest: 64,
      idleExitMs: 1500,
      metrics,
    });
    await endpoints.close();
    assert.equal(summary.scored, 1500);
    assert.equal(summary.dead, 4);
    assert.ok(summary.commits >= 2, "a bounded in-flight window commits in several steps");

    const out = await readCommitted(b, "engine-out");
    assert.equal(out.length, 1500);
    const byId = new Map(out.map((r) => [r.key, JSON.parse(r.value) as Record<string, unknown>]));
    assert.deepEqual(new Set(byId.keys()), new Set(good.map((e) => e.id)));
    // Each result is what scoring its row alone gives, with the version that scored it.
    const sample = [0, 1, 699, 700, 1499].map((i) => good[i] as (typeof good)[number]);
    const direct = await scorer.score(frameFromRecords(sample.map(({ id: _id, ...r }) => r)));
    assert.ok(direct.ok);
    const want = JSON.parse(direct.predictions) as unknown[];
    sample.forEach((e, i) =>
      assert.deepEqual(byId.get(e.id), {
        id: e.id,
        predictions: [want[i]],
        model: scorer.name,
        version: scorer.version,
      }),
    );

    const dead = (await readCommitted(b, "engine-dlq")).map(
      (r) => JSON.parse(r.value) as Record<string, string>,
    );
    assert.equal(dead.length, 4);
    const reasonOf = (payload: string) => dead.find((d) => d.payload === payload)?.reason ?? "";
    assert.match(reasonOf(bad["not json"] as string), /^INVALID_JSON: the payload is not JSON/);
    assert.match(
      reasonOf(bad.array as string),
      /^INVALID_JSON: the payload is an array; an event is a JSON object/,
    );
    assert.match(reasonOf(bad["wrong type"] as string), /sepal_width/);
    assert.match(reasonOf(bad.missing as string), /sepal_width|petal/);
    // Without an id field the broker's id names the event.
    assert.match(dead.find((d) => d.payload === bad.array)?.id ?? "", /^engine-in-\d-\d+$/);
    assert.equal(dead.find((d) => d.payload === bad["wrong type"])?.id, "bad-type");

    const text = await metrics.registry.metrics();
    assert.match(text, /flowgate_stream_events_total\{outcome="scored"\} 1500/);
    assert.match(text, /flowgate_stream_events_total\{outcome="dead"\} 4/);
    assert.match(text, /flowgate_stream_lag_events 0/);
    assert.match(text, /flowgate_stream_in_flight_events 0/);
  });

  test("flowgate stream score: two consumers share the group; one SIGKILLed mid-way, the other finishes; every event once in the output, only bad ones in the DLQ", async () => {
    await createTopic(kafka.bootstrap, "kill-in", 4);
    const b = kafka.bootstrap;
    const ids = Array.from({ length: 8000 }, (_, i) => `k-${i}`);
    const events = ids.map((id, i) => JSON.stringify({ id, ...row(i) }));
    const badEvents = ["{oops", JSON.stringify({ id: "k-bad", sepal_length: "x" })];
    // The first commits every 100 events (a transaction each), so it is killed in the middle of its share.
    const consumers = await Promise.all([
      startConsumer(b, classifier, ["--max-batch", "100", "--max-in-flight", "200"]),
      startConsumer(b, classifier, ["--max-batch", "500", "--max-in-flight", "1000"]),
    ]);
    const [a, survivor] = consumers;
    try {
      // The first half; both consumers score part of it (the group splits the four partitions between them).
      await produce(b, "kill-in", [...events.slice(0, 4000), ...badEvents]);
      await until(async () => (await scored(a)) > 0 && (await scored(survivor)) > 0, "both consumers score");
      // The second half, and the first consumer killed while it pulls, scores and commits it.
      const before = await scored(a);
      await produce(b, "kill-in", events.slice(4000));
      await until(async () => (await scored(a)) > before, "the first consumer scores the second half");
      a.child.kill("SIGKILL");
      // Its partitions go to the survivor once its session times out; its open transaction is aborted.
      await until(
        async () => (await readCommitted(b, "kill-out")).length >= ids.length,
        "the output is complete",
        90_000,
      );
      const lagText = await metricsOf(survivor);
      survivor.child.kill("SIGTERM");
      const code = await new Promise<number | null>((r) => survivor.child.once("exit", r));
      assert.equal(code, 0, survivor.stderr());

      const out = await readCommitted(b, "kill-out");
      const counts = new Map<string, number>();
      for (const r of out) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      assert.equal(counts.size, ids.length);
      assert.deepEqual(
        [...counts].filter(([, n]) => n !== 1),
        [],
      );
      assert.deepEqual(new Set(counts.keys()), new Set(ids));
      const dead = (await readCommitted(b, "kill-dlq")).map(
        (r) => JSON.parse(r.value) as { payload: string },
      );
      assert.deepEqual(dead.map((d) => d.payload).sort(), [...badEvents].sort());
      assert.match(lagText, /flowgate_stream_lag_events(\{[^}]*\})? 0\n/);
    } finally {
      for (const c of consumers) if (c.child.exitCode === null) c.child.kill("SIGKILL");
    }
  });
});

interface Consumer {
  child: ChildProcess;
  metricsPort: number;
  stderr: () => string;
}

const COMMAND = path.join(REPO, "src/cli/commands/stream.ts");

async function startConsumer(bootstrap: string, model: string, flags: string[]): Promise<Consumer> {
  const metricsPort = await freePort();
  // The `stream` command group as main.ts registers it, on its own: the test depends on no other command.
  const script = [
    `const { Command } = await import("commander");`,
    `const { registerStreamCommand } = await import(${JSON.stringify(COMMAND)});`,
    `const program = new Command().name("flowgate");`,
    `registerStreamCommand(program);`,
    `await program.parseAsync([process.argv[0], "flowgate", ...process.argv.slice(1)]);`,
  ].join(" ");
  // Short session and transaction timeouts: a killed consumer's partitions and open transaction are
  // released within seconds.
  const source = `kafka://${bootstrap}/kill-in?group=kill&sessionTimeout=3000&transactionTimeout=3000`;
  const child = spawn(
    process.execPath,
    [
      ...["--import", "tsx", "--input-type=module", "-e", script],
      ...["stream", "score", "-m", model, "--source", source],
      ...["--sink", `kafka://${bootstrap}/kill-out`, "--dlq", `kafka://${bootstrap}/kill-dlq`],
      ...[...flags, "--metrics-port", String(metricsPort)],
    ],
    {
      env: {
        ...process.env,
        FLOWGATE_CACHE_DIR: cacheRoot,
        FLOWGATE_PYTHON: PYTHON,
        FLOWGATE_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const consumer = { child, metricsPort, stderr: () => stderr };
  await until(
    async () => (await metricsOf(consumer).catch(() => "")) !== "",
    "the consumer serves /metrics",
    60_000,
    () => {
      if (child.exitCode !== null) throw new Error(`stream score exited ${child.exitCode}: ${stderr}`);
    },
  );
  return consumer;
}

async function metricsOf(consumer: Consumer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${consumer.metricsPort}/metrics`);
  return res.text();
}

async function scored(consumer: Consumer): Promise<number> {
  const text = await metricsOf(consumer).catch(() => "");
  const match = /flowgate_stream_events_total\{[^}]*outcome="scored"[^}]*\} (\d+)/.exec(text);
  return match ? Number(match[1]) : 0;
}
