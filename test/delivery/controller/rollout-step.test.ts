// The step function as a specification: a fake clock, scripted readings, and what the rollout does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type {
  AnalysisTemplate,
  CanaryStrategy,
  DeploymentSpec,
  RolloutState,
} from "../../../src/delivery/deployment.js";
import { dueAnalyses } from "../../../src/delivery/controller/analysis.js";
import type { MetricReading } from "../../../src/delivery/controller/metric-source.js";
import type { ControllerAction } from "../../../src/delivery/controller/controller-action.js";
import {
  promotionRefused,
  SERVING_WAIT_LIMIT_MS,
  startRollout,
  step,
} from "../../../src/delivery/controller/rollout-step.js";
import { applyAction } from "../../../src/delivery/controller/user-actions.js";
import { routingOf } from "../../../src/delivery/routing.js";

const T0 = 1_700_000_000_000;
const SECOND = 1000;

function errorRate(extra: Partial<AnalysisTemplate> = {}): AnalysisTemplate {
  return {
    name: "error-rate",
    interval: "10s",
    successCondition: "result < 0.01",
    provider: { serving: { metric: "error_rate" } },
    ...extra,
  };
}

function canarySpec(over: Partial<CanaryStrategy> = {}, templates = [errorRate()]): DeploymentSpec {
  return {
    name: "fraud",
    model: "fraud-detector",
    primary: "1",
    strategy: {
      canary: {
        version: "2",
        steps: [
          { setWeight: 10 },
          { pause: { duration: "1m" } },
          { setWeight: 50 },
          { analysis: { templates: ["error-rate"] } },
        ],
        ...over,
      },
    },
    analysisTemplates: templates,
  };
}

/**
 * Drives the step function as the loop does: every tick, the due analyses are measured by `script`, and
 * `servedUntil` says up to when serving has routed requests to the canary (by default: at once).
 */
class Rollout {
  now = T0;
  state: RolloutState;
  actions: ControllerAction[] = [];
  weights: number[] = [];

  constructor(
    readonly spec: DeploymentSpec,
    private readonly script: (template: string, now: number, state: RolloutState) => MetricReading,
    private readonly servedUntil: (now: number) => number | undefined = (now) => now,
  ) {
    this.state = startRollout(spec, 1, T0);
  }

  tick(): ControllerAction[] {
    const measurements = dueAnalyses(this.state, this.now).map((a) => ({
      template: a.template,
      reading: this.script(a.template, this.now, this.state),
      startedAt: this.now,
      finishedAt: this.now,
    }));
    const servedUntil = this.servedUntil(this.now);
    const observed = {
      measurements,
      ...(servedUntil !== undefined ? { canaryServedUntil: servedUntil } : {}),
    };
    const r = step(this.spec, this.state, observed, this.now);
    this.state = r.state;
    this.actions.push(...r.actions);
    this.weights.push(r.state.canaryWeight);
    return r.actions;
  }

  /** Ticks once a second until `until` returns true or `max` ticks have passed; answers the ticks taken. */
  run(until: (r: Rollout) => boolean, max = 1000): number {
    for (let i = 1; i <= max; i++) {
      this.tick();
      if (until(this)) return i;
      this.now += SECOND;
    }
    return max;
  }

  act(action: Parameters<typeof applyAction>[2]): ControllerAction[] {
    const r = applyAction(this.spec, this.state, action, this.now);
    this.state = r.state;
    this.actions.push(...r.actions);
    return r.actions;
  }

  promoted(): boolean {
    return this.actions.some((a) => a.kind === "promote");
  }

  webhooks(): string[] {
    return this.actions.flatMap((a) => (a.kind === "notice" && a.webhook !== undefined ? [a.webhook] : []));
  }
}

const healthy = (): MetricReading => ({ value: 0.001 });

describe("a canary rollout", () => {
  it("promotes a healthy canary after exactly its steps: 10% for the pause, then 50% through the analysis", () => {
    const r = new Rollout(canarySpec(), healthy);
    const ticks = r.run((x) => x.promoted());
    // t=0 setWeight 10 and the pause starts; t=60 s the pause ends, 50% and the analysis starts; t=70 s,
    // one interval later, its one measurement passes and the canary is promoted.
    assert.equal(ticks, 71);
    assert.equal(r.weights.filter((w) => w === 50).length, 10);
    assert.deepEqual([...new Set(r.weights)], [10, 50, 100]);
    assert.equal(r.weights.filter((w) => w === 10).length, 60);
    const promote = r.actions.find((a) => a.kind === "promote");
    assert.deepEqual(promote?.kind === "promote" && promote.version, "2");
    assert.equal(r.state.stepIndex, 4);
    const [analysis] = r.state.analyses;
    assert.equal(analysis?.phase, "Successful");
    assert.deepEqual(
      analysis?.measurements.map((m) => [m.phase, m.value, m.successCondition]),
      [["Successful", 0.001, "result < 0.01"]],
    );
  });

  it("never gives the canary more than maxWeight before the final promotion", () => {
    const r = new Rollout(canarySpec({ steps: [{ setWeight: 80 }, { pause: {} }], maxWeight: 30 }), healthy);
    r.run(() => false, 5);
    assert.deepEqual([...new Set(r.weights)], [30]);
    assert.equal(r.state.phase, "Paused");
    r.act({ kind: "promote", reason: "looks fine" });
    r.tick();
    assert.equal(r.state.canaryWeight, 100);
    assert.ok(r.promoted());
  });

  it("waits at a pause without a duration until promoted, and promote moves one step", () => {
    const spec = canarySpec({ steps: [{ setWeight: 5 }, { pause: {} }, { setWeight: 20 }, { pause: {} }] });
    const r = new Rollout(spec, healthy);
    r.run(() => false, 100);
    assert.equal(r.state.phase, "Paused");
    assert.equal(r.state.pausedBy, "step");
    assert.equal(r.state.canaryWeight, 5);
    r.act({ kind: "promote", reason: "step 1 ok" });
    r.tick();
    assert.equal(r.state.canaryWeight, 20);
    assert.equal(r.state.phase, "Paused");
    assert.equal(r.promoted(), false);
    r.act({ kind: "promote", reason: "all good", full: true });
    r.tick();
    assert.ok(r.promoted());
  });

  it("rolls back a canary answering 5% errors from step 2 after failureLimit failures: weight 0, Degraded, ROLLED_BACK", () => {
    const spec = canarySpec(
      {
        steps: [
          { setWeight: 1 },
          { pause: { duration: "30s" } },
          { setWeight: 10 },
          { pause: { duration: "10m" } },
        ],
        analysis: { templates: ["error-rate"], startingStep: 2 },
      },
      [errorRate({ failureLimit: 2 })],
    );
    const r = new Rollout(spec, (_t, _now, s) => (s.stepIndex >= 2 ? { value: 0.05 } : { value: 0 }));
    r.run((x) => x.state.phase === "Degraded");
    assert.equal(r.state.canaryWeight, 0);
    const bg = r.state.analyses.find((a) => a.background);
    assert.equal(bg?.phase, "Failed");
    // failureLimit 2 tolerates two failures; the third fails the analysis.
    assert.deepEqual(
      bg?.measurements.map((m) => [m.phase, m.value, m.successCondition]),
      [
        ["Failed", 0.05, "result < 0.01"],
        ["Failed", 0.05, "result < 0.01"],
        ["Failed", 0.05, "result < 0.01"],
      ],
    );
    assert.deepEqual(r.webhooks(), ["ROLLED_BACK"]);
    assert.deepEqual(
      routingOf(spec, r.state, []).routes.filter((x) => x.weight > 0),
      [{ version: "1", weight: 100, role: "primary" }],
      "the primary serves 100%",
    );
    assert.match(r.state.message ?? "", /error-rate Failed after 3 failed measurements, last value 0.05/);
    assert.equal(r.promoted(), false);
    // Degraded is final for this revision: nothing moves again.
    r.run(() => false, 200);
    assert.equal(r.state.phase, "Degraded");
    assert.equal(r.state.canaryWeight, 0);
    assert.equal(r.promoted(), false);
  });

  it("takes no data as a failure, never as a pass", () => {
    const r = new Rollout(canarySpec(), () => ({ noData: "no requests reached version 2" }));
    r.run((x) => x.state.phase === "Degraded");
    const [analysis] = r.state.analyses;
    assert.equal(analysis?.phase, "Failed");
    assert.equal(analysis?.measurements[0]?.phase, "Failed");
    assert.equal(analysis?.measurements[0]?.value, undefined);
    assert.match(analysis?.measurements[0]?.message ?? "", /no data: no requests reached version 2/);
    assert.equal(r.promoted(), false);
    assert.deepEqual(r.webhooks(), ["ROLLED_BACK"]);
  });

  it("tolerates consecutiveErrorLimit (default 4, as Argo) provider errors in a row, and aborts with Error on the next", () => {
    const r = new Rollout(
      canarySpec({ steps: [{ setWeight: 10 }, { pause: {} }], analysis: { templates: ["error-rate"] } }),
      () => ({ error: "connect ECONNREFUSED 127.0.0.1:9090" }),
    );
    const errorsWhenStopped = (): number => r.state.analyses[0]?.error ?? 0;
    r.run((x) => x.state.phase === "Degraded");
    assert.equal(errorsWhenStopped(), 5);
    assert.equal(r.state.analyses[0]?.phase, "Error");
    assert.equal(r.state.canaryWeight, 0);
    assert.match(r.state.message ?? "", /5 provider errors in a row \(connect ECONNREFUSED/);
  });

  it("aborts after 4 provider errors in a row when consecutiveErrorLimit is 3", () => {
    const r = new Rollout(
      canarySpec({ steps: [{ setWeight: 10 }, { pause: {} }], analysis: { templates: ["error-rate"] } }, [
        errorRate({ consecutiveErrorLimit: 3 }),
      ]),
      () => ({ error: "HTTP 503" }),
    );
    r.run((x) => x.state.phase === "Degraded");
    assert.equal(r.state.analyses[0]?.error, 4);
    assert.equal(r.state.analyses[0]?.phase, "Error");
  });

  it("forgives provider errors once a measurement succeeds in between", () => {
    let n = 0;
    const r = new Rollout(
      canarySpec({ steps: [{ setWeight: 10 }, { pause: {} }], analysis: { templates: ["error-rate"] } }),
      () => (++n % 4 === 0 ? { value: 0 } : { error: "timeout" }),
    );
    r.run(() => false, 400);
    assert.equal(r.state.phase, "Paused");
    assert.ok((r.state.analyses[0]?.error ?? 0) > 20);
    assert.equal(r.state.analyses[0]?.phase, "Running");
  });

  it("pauses on an Inconclusive measurement, measures no more, and starts the analysis over on resume", () => {
    const spec = canarySpec({}, [errorRate({ failureCondition: "result > 0.05" })]);
    let value = 0.02;
    const r = new Rollout(spec, () => ({ value }));
    r.run((x) => x.state.phase === "Paused" && x.state.pausedBy === "inconclusive");
    assert.equal(r.state.analyses[0]?.phase, "Inconclusive");
    assert.equal(r.state.analyses[0]?.measurements[0]?.failureCondition, "result > 0.05");
    assert.deepEqual(r.webhooks(), ["PAUSED"]);
    assert.match(r.state.pauseReason ?? "", /error-rate inconclusive 1 times \(limit 0\)/);
    const measured = r.state.analyses[0]?.measurements.length;
    r.now += 3600 * SECOND;
    r.tick();
    assert.equal(r.state.phase, "Paused");
    assert.equal(r.state.analyses[0]?.measurements.length, measured);
    value = 0.001;
    r.act({ kind: "resume", reason: "checked by hand" });
    r.run((x) => x.promoted(), 50);
    assert.ok(r.promoted());
    assert.deepEqual(
      r.state.analyses[0]?.measurements.map((m) => m.phase),
      ["Inconclusive", "Successful"],
    );
  });

  it("holds every step while paused by a person, and goes on after resume", () => {
    const r = new Rollout(canarySpec(), healthy);
    r.tick();
    r.act({ kind: "pause", reason: "on-call is looking" });
    r.now += 3600 * SECOND;
    r.run(() => false, 10);
    assert.equal(r.state.canaryWeight, 10);
    assert.equal(r.state.pausedBy, "user");
    r.act({ kind: "resume", reason: "fine" });
    r.run((x) => x.promoted(), 20);
    assert.ok(r.promoted());
    assert.deepEqual(r.webhooks(), ["PAUSED", "RESUMED"]);
  });
});

describe("a canary serving has not routed to yet", () => {
  const spec = canarySpec(
    {
      steps: [{ setWeight: 20 }, { pause: { duration: "10s" } }],
      analysis: { templates: ["error-rate"] },
    },
    [errorRate({ interval: "5s" })],
  );

  it("starts neither the pause nor the analyses until serving routes to it, then measures one interval later", () => {
    // The canary takes 30 s to load on the replicas: serving routes to it from T0 + 30 s.
    const loadedAt = T0 + 30 * SECOND;
    const measuredAt: number[] = [];
    const r = new Rollout(
      spec,
      (_t, now) => {
        measuredAt.push(now - T0);
        return { value: 0 };
      },
      (now) => (now >= loadedAt ? now : undefined),
    );
    r.run(() => false, 30);
    assert.equal(r.state.stepIndex, 0, "still at setWeight: the pause has not started");
    assert.equal(r.state.canaryWeight, 20, "the weight is set, so serving can route to it");
    assert.equal(r.state.phase, "Progressing");
    assert.equal(r.state.message, "waiting for serving to route to version 2");
    assert.equal(r.state.analyses.length, 0, "no analysis runs before the canary serves");
    const ticks = r.run((x) => x.promoted());
    // Served at 30 s: the 10 s pause ends at 40 s; the background analysis measured at 35 s and 40 s.
    assert.equal(r.now, loadedAt + 10 * SECOND);
    assert.equal(ticks, 11);
    assert.deepEqual(measuredAt, [35 * SECOND, 40 * SECOND]);
    assert.equal(r.state.analyses[0]?.failed, 0);
  });

  it("still takes no data as a failure once the canary is served", () => {
    const r = new Rollout(spec, () => ({ noData: "no requests reached version 2" }));
    r.run((x) => x.state.phase === "Degraded", 20);
    assert.equal(r.now, T0 + 5 * SECOND, "judged one interval after serving routed to it");
    assert.match(r.state.message ?? "", /error-rate Failed after 1 failed measurements/);
  });

  it("rolls back a canary never served within the limit, saying so, instead of waiting forever", () => {
    const r = new Rollout(spec, healthy, () => undefined);
    r.run(() => false, 10);
    assert.equal(r.state.phase, "Progressing");
    r.now = T0 + SERVING_WAIT_LIMIT_MS - SECOND;
    r.tick();
    assert.equal(r.state.phase, "Progressing", "not before the limit");
    r.now = T0 + SERVING_WAIT_LIMIT_MS;
    r.tick();
    assert.equal(r.state.phase, "Degraded");
    assert.equal(r.state.canaryWeight, 0);
    assert.match(
      r.state.message ?? "",
      /^rolled back: serving did not route to version 2 within 10 minutes of setWeight 20/,
    );
    assert.deepEqual(r.webhooks(), ["ROLLED_BACK"]);
    assert.equal(r.state.analyses.length, 0);
    assert.equal(r.promoted(), false);
  });
});

describe("a refused promotion", () => {
  it("holds the rollout saying why, and resume tries the promotion again", () => {
    const r = new Rollout(canarySpec({ steps: [{ setWeight: 50 }] }), healthy);
    r.tick();
    assert.ok(r.promoted());
    const refused = promotionRefused(r.state, "needs an approved transition request", r.now);
    r.state = refused.state;
    assert.equal(r.state.phase, "Paused");
    assert.match(r.state.pauseReason ?? "", /promotion refused: needs an approved transition request/);
    r.actions = [];
    r.run(() => false, 20);
    assert.equal(r.promoted(), false, "no retry every tick while refused");
    r.act({ kind: "resume", reason: "approved now" });
    r.tick();
    assert.ok(r.promoted());
  });
});

describe("abort beats everything", () => {
  it("wins during a timed pause: the pause ending never promotes (Argo #1152)", () => {
    const r = new Rollout(canarySpec({ steps: [{ setWeight: 20 }, { pause: { duration: "5m" } }] }), healthy);
    r.run(() => false, 60);
    assert.equal(r.state.phase, "Paused");
    r.act({ kind: "abort", reason: "bad dashboards" });
    assert.equal(r.state.phase, "Aborted");
    assert.equal(r.state.canaryWeight, 0, "the canary loses its traffic at once, not at the next tick");
    r.now += 10 * 60 * SECOND;
    r.run(() => false, 30);
    assert.equal(r.state.phase, "Aborted");
    assert.equal(r.state.canaryWeight, 0);
    assert.equal(r.promoted(), false);
    assert.deepEqual(r.webhooks(), ["ABORTED"]);
  });

  it("wins over a full promotion already requested (Argo #4461)", () => {
    const r = new Rollout(canarySpec(), healthy);
    r.tick();
    r.act({ kind: "promote", reason: "ship it", full: true });
    r.act({ kind: "abort", reason: "wait, no" });
    r.run(() => false, 30);
    assert.equal(r.state.phase, "Aborted");
    assert.equal(r.state.canaryWeight, 0);
    assert.equal(r.state.promoteRequested, undefined);
    assert.equal(r.promoted(), false);
  });

  it("wins over a promotion being written: a state marked for abort steps nowhere", () => {
    const r = new Rollout(canarySpec({ steps: [{ setWeight: 50 }] }), healthy);
    r.state = { ...r.state, abortRequested: true, promoteRequested: "full" };
    r.tick();
    assert.equal(r.state.phase, "Aborted");
    assert.equal(r.promoted(), false);
  });

  it("stays aborted: no retry, no pause, whatever the metrics say later (Argo #2929)", () => {
    const r = new Rollout(canarySpec({ analysis: { templates: ["error-rate"] } }), healthy);
    r.run(() => false, 3);
    r.act({ kind: "abort", reason: "manual" });
    const before = r.state.analyses.map((a) => a.measurements.length);
    r.run(() => false, 300);
    assert.equal(r.state.phase, "Aborted");
    assert.deepEqual(
      r.state.analyses.map((a) => a.measurements.length),
      before,
      "no measurement is taken for an aborted rollout",
    );
    assert.throws(
      () => r.act({ kind: "resume", reason: "again" }),
      (e: Error & { code?: string }) =>
        e.code === "INVALID_STATE" && /Aborted; write a new revision/.test(e.message),
    );
  });

  it("is harmless with no rollout running: the primary keeps its traffic and the abort is recorded (Argo #1292)", () => {
    const spec: DeploymentSpec = { name: "fraud", model: "fraud-detector", primary: "1" };
    const r = new Rollout(spec, healthy);
    assert.equal(r.state.phase, "Healthy");
    const actions = r.act({ kind: "abort", reason: "just in case" });
    assert.equal(r.state.phase, "Healthy");
    assert.equal(r.state.abortRequested, false);
    assert.match(r.state.message ?? "", /no rollout running .*primary keeps its traffic/);
    assert.deepEqual(
      actions.map((a) => a.kind === "notice" && [a.audit, a.webhook]),
      [["deployment.abort", undefined]],
    );
  });
});

describe("user actions that do not apply", () => {
  it("refuse to pause, resume or promote with no rollout running, saying why", () => {
    const r = new Rollout({ name: "fraud", model: "m", primary: "1" }, healthy);
    for (const kind of ["pause", "resume", "promote"] as const) {
      assert.throws(
        () => r.act({ kind, reason: "x" }),
        (e: Error & { code?: string }) =>
          e.code === "INVALID_STATE" && /no rollout is running/.test(e.message),
      );
    }
  });
});

describe("blue/green and A/B", () => {
  it("auto-promotes the preview after autoPromotionSeconds", () => {
    const spec: DeploymentSpec = {
      name: "fraud",
      model: "m",
      primary: "1",
      strategy: { blueGreen: { previewVersion: "2", autoPromotion: true, autoPromotionSeconds: 30 } },
    };
    const r = new Rollout(spec, healthy);
    assert.equal(
      r.run((x) => x.promoted()),
      31,
    );
    assert.equal(r.state.canaryWeight, 100);
  });

  it("waits for promote without autoPromotion, and an abort leaves the blue side serving", () => {
    const spec: DeploymentSpec = {
      name: "fraud",
      model: "m",
      primary: "1",
      strategy: { blueGreen: { previewVersion: "2" } },
    };
    const r = new Rollout(spec, healthy);
    r.run(() => false, 100);
    assert.equal(r.promoted(), false);
    r.act({ kind: "abort", reason: "preview looks wrong" });
    r.run(() => false, 5);
    assert.equal(r.state.phase, "Aborted");
    assert.equal(r.state.canaryWeight, 0);
    assert.equal(r.promoted(), false);
  });

  it("ends an A/B test after its iterations, counted from the requests observed", () => {
    const spec: DeploymentSpec = {
      name: "fraud",
      model: "m",
      primary: "1",
      strategy: {
        abTest: {
          split: [
            { version: "1", weight: 50 },
            { version: "2", weight: 50 },
          ],
          iterations: 1000,
        },
      },
    };
    let state = startRollout(spec, 1, T0);
    for (let i = 0; i < 9; i++)
      state = step(spec, state, { measurements: [], requests: 100 }, T0 + i * SECOND).state;
    assert.equal(state.phase, "Progressing");
    assert.equal(state.requestsSeen, 900);
    const r = step(spec, state, { measurements: [], requests: 150 }, T0 + 10 * SECOND);
    assert.equal(r.state.phase, "Healthy");
    assert.match(r.state.message ?? "", /ended after 1050 requests/);
  });

  it("ends an A/B test after its duration", () => {
    const spec: DeploymentSpec = {
      name: "fraud",
      model: "m",
      primary: "1",
      strategy: {
        abTest: {
          split: [
            { version: "1", weight: 90 },
            { version: "2", weight: 10 },
          ],
          duration: "1h",
        },
      },
    };
    const state = startRollout(spec, 1, T0);
    assert.equal(step(spec, state, { measurements: [] }, T0 + 3599 * SECOND).state.phase, "Progressing");
    assert.equal(step(spec, state, { measurements: [] }, T0 + 3600 * SECOND).state.phase, "Healthy");
  });
});
