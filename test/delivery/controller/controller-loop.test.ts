// The rollout controller's loop over the real store and deployments service, with a fake clock and scripted
// metrics: promotion writes a revision, a failing canary is rolled back with its records, abort wins over a
// promotion in flight, an alias move starts a rollout, and two controllers over one database never both act.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { systemContext } from "../../../src/core/request-context.js";
import type { CanaryStrategy, DeploymentSpec } from "../../../src/delivery/deployment.js";
import { setAlias } from "../../../src/registry/aliases.js";
import {
  FakeClock,
  registerVersions,
  serveOneSecond,
  startControllerWorld,
  type ControllerWorld,
  type Script,
} from "./controller-world.js";

const ctx = { ...systemContext("test"), actor: "alice" };

function canary(
  name: string,
  steps: unknown[],
  extra: { canary?: Partial<CanaryStrategy>; track?: DeploymentSpec["track"] } = {},
): unknown {
  return {
    name,
    model: "fraud-detector",
    primary: "1",
    strategy: { canary: { version: "2", steps, ...extra.canary } },
    analysisTemplates: [
      {
        name: "error-rate",
        interval: "10s",
        successCondition: "result < 0.01",
        failureLimit: 1,
        provider: { serving: { metric: "error_rate" } },
      },
    ],
    ...(extra.track !== undefined ? { track: extra.track } : {}),
  };
}

async function auditActions(world: ControllerWorld, name: string): Promise<string[]> {
  const rows = await world.app.database.db
    .selectFrom("audit_events")
    .select(["action"])
    .where("target_type", "=", "deployment")
    .where("target_id", "=", name)
    .orderBy("id")
    .execute();
  return rows.map((r) => r.action);
}

for (const backend of BACKENDS) {
  describe(`the rollout controller loop (${backend.name})`, () => {
    const clock = new FakeClock();
    const script: { current: Script } = { current: () => ({ value: 0 }) };
    let world: ControllerWorld;
    before(async () => {
      world = await startControllerWorld(await backend.freshUri(), clock, script);
      await registerVersions(world, "fraud-detector", 3);
    });
    after(async () => world.close());

    /** Ticks the loop, each tick after serving reported the second before it (unless `serving` is false). */
    async function ticks(n: number, stepMs = 1000, serving = true): Promise<void> {
      for (let i = 0; i < n; i++) {
        if (serving) await serveOneSecond(world, clock);
        await world.controller.loop.tick();
        clock.advance(stepMs);
      }
    }

    it("promotes a healthy canary after its steps: a new revision makes it the primary, recorded", async () => {
      script.current = () => ({ value: 0.001 });
      const spec = canary("healthy", [
        { setWeight: 10 },
        { analysis: { templates: ["error-rate"] } },
        { setWeight: 50 },
      ]);
      await world.deployments.create(ctx, { spec, reason: "ship v2" });
      // The analysis measures one interval (10 s) after it starts.
      await ticks(12);
      const view = await world.deployments.get(ctx, "healthy");
      assert.equal(view.revision, 2);
      assert.equal(view.spec.primary, "2");
      assert.equal(view.spec.strategy, undefined);
      assert.equal(view.status.phase, "Healthy");
      assert.match(view.status.message ?? "", /promoted version 2 \(was 1\)/);
      assert.deepEqual(view.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
      const revisions = await world.deployments.revisions("healthy");
      assert.equal(revisions[0]?.author, "system");
      assert.deepEqual(await auditActions(world, "healthy"), [
        "deployment.create",
        "deployment.promote",
        "deployment.promote",
      ]);
    });

    it("rolls back a canary answering 5% errors: primary at 100%, Degraded, audited, measurements stored with their threshold", async () => {
      script.current = () => ({ value: 0.05 });
      const hook = await world.app.server.inject({
        method: "POST",
        url: "/api/2.0/mlflow/webhooks",
        payload: {
          name: "rollbacks",
          url: "http://127.0.0.1:9/hook",
          events: [{ entity: "DEPLOYMENT", action: "ROLLED_BACK" }],
        },
      });
      assert.equal(hook.statusCode, 200, hook.body);
      await world.deployments.create(ctx, {
        spec: canary("failing", [{ setWeight: 5 }, { setWeight: 20 }, { pause: {} }], {
          canary: { analysis: { templates: ["error-rate"], startingStep: 1 } },
        }),
        reason: "try v2",
      });
      // failureLimit 1: two failed measurements, 10 s apart, the first one interval after the analysis starts.
      await ticks(25);
      const view = await world.deployments.get(ctx, "failing");
      assert.equal(view.revision, 1);
      assert.equal(view.status.phase, "Degraded");
      assert.equal(view.status.canaryWeight, 0);
      assert.deepEqual(
        view.routing.routes.filter((r) => r.weight > 0),
        [{ version: "1", weight: 100, role: "primary" }],
      );
      const measured = view.status.analyses[0]?.measurements ?? [];
      assert.deepEqual(
        measured.map((m) => [m.phase, m.value, m.successCondition]),
        [
          ["Failed", 0.05, "result < 0.01"],
          ["Failed", 0.05, "result < 0.01"],
        ],
      );
      assert.deepEqual(await auditActions(world, "failing"), [
        "deployment.create",
        "deployment.rollback_automatic",
      ]);
      const events = await world.app.database.db
        .selectFrom("webhook_events")
        .select(["entity", "action", "payload"])
        .where("entity", "=", "DEPLOYMENT")
        .execute();
      assert.deepEqual(
        events.map((e) => [
          e.entity,
          e.action,
          (JSON.parse(e.payload) as { data: { name: string } }).data.name,
        ]),
        [["DEPLOYMENT", "ROLLED_BACK", "failing"]],
        "one webhook event, through the outbox",
      );
      await ticks(20);
      assert.equal((await world.deployments.get(ctx, "failing")).status.analyses[0]?.measurements.length, 2);
    });

    it("lets an abort stored after the step win over the promotion it asked for", async () => {
      script.current = () => ({ value: 0 });
      await world.deployments.create(ctx, {
        spec: canary("aborted", [{ setWeight: 10 }, { pause: {} }]),
        reason: "v2",
      });
      await ticks(2);
      await world.controller.actions.apply(ctx, "aborted", { kind: "promote", reason: "go", full: true });
      const view = await world.controller.actions.apply(ctx, "aborted", { kind: "abort", reason: "stop" });
      assert.equal(view.status.phase, "Aborted");
      assert.equal(view.status.canaryWeight, 0);
      await ticks(5);
      const after = await world.deployments.get(ctx, "aborted");
      assert.equal(after.revision, 1, "no promotion revision was written");
      assert.equal(after.status.phase, "Aborted");
      assert.deepEqual(
        after.routing.routes.filter((r) => r.weight > 0),
        [{ version: "1", weight: 100, role: "primary" }],
      );
      assert.deepEqual(await auditActions(world, "aborted"), [
        "deployment.create",
        "deployment.promote_request",
        "deployment.abort",
      ]);
    });

    it("writes no state while a rollout waits at a pause with nothing to measure", async () => {
      await world.deployments.create(ctx, {
        spec: canary("waiting", [{ setWeight: 10 }, { pause: {} }]),
        reason: "v2",
      });
      // One tick sets the weight, the next sees serving route to the canary and starts the pause.
      await ticks(2);
      const version = (await world.store.getState(world.app.database.db, "waiting"))?.version;
      await ticks(10);
      assert.equal((await world.store.getState(world.app.database.db, "waiting"))?.version, version);
    });

    it("starts a pause only once serving routes to the canary, from the windows serving reported", async () => {
      await world.deployments.create(ctx, {
        spec: canary("loading", [{ setWeight: 20 }, { pause: { duration: "10s" } }]),
        reason: "v2 loads slowly",
      });
      // The canary takes a minute to load: no replica reports it, though its weight is set.
      await ticks(60, 1000, false);
      const waiting = await world.deployments.get(ctx, "loading");
      assert.equal(waiting.status.stepIndex, 0);
      assert.equal(waiting.status.canaryWeight, 20);
      assert.equal(waiting.status.message, "waiting for serving to route to version 2");
      // Loaded: the first window with canary requests starts the 10 s pause.
      await ticks(1);
      const paused = await world.deployments.get(ctx, "loading");
      assert.equal(paused.status.phase, "Paused");
      assert.equal(paused.status.stepStartedAt, clock.now() - 1000);
      await ticks(10);
      assert.equal((await world.deployments.get(ctx, "loading")).spec.primary, "2");
    });

    it("rolls back a canary serving never routes to within 10 minutes, saying why", async () => {
      await world.deployments.create(ctx, {
        spec: canary("never", [{ setWeight: 20 }, { pause: { duration: "10s" } }]),
        reason: "v2 cannot load",
      });
      await ticks(11, 60_000, false);
      const view = await world.deployments.get(ctx, "never");
      assert.equal(view.status.phase, "Degraded");
      assert.equal(view.status.canaryWeight, 0);
      assert.match(view.status.message ?? "", /serving did not route to version 2 within 10 minutes/);
      assert.deepEqual(await auditActions(world, "never"), [
        "deployment.create",
        "deployment.rollback_automatic",
      ]);
    });

    it("records an abort with no rollout running and changes nothing", async () => {
      await world.deployments.create(ctx, {
        spec: { name: "steady", model: "fraud-detector", primary: "1" },
        reason: "pin v1",
      });
      const view = await world.controller.actions.apply(ctx, "steady", {
        kind: "abort",
        reason: "just in case",
      });
      assert.equal(view.status.phase, "Healthy");
      assert.deepEqual(view.routing.routes, [{ version: "1", weight: 100, role: "primary" }]);
      assert.deepEqual(await auditActions(world, "steady"), ["deployment.create", "deployment.abort"]);
    });

    it("refuses an action that does not apply with INVALID_STATE, and an unknown deployment with 404", async () => {
      await assert.rejects(
        world.controller.actions.apply(ctx, "steady", { kind: "pause", reason: "x" }),
        (e: Error & { code?: string }) =>
          e.code === "INVALID_STATE" && /no rollout is running/.test(e.message),
      );
      await assert.rejects(
        world.controller.actions.apply(ctx, "nope", { kind: "abort", reason: "x" }),
        (e: Error & { code?: string }) => e.code === "RESOURCE_DOES_NOT_EXIST",
      );
    });

    it("moves promoteAlias to the promoted version through the registry", async () => {
      await world.deployments.create(ctx, {
        spec: canary("aliased", [{ setWeight: 50 }], { canary: { promoteAlias: "challenger" } }),
        reason: "v2 as challenger",
      });
      await ticks(2);
      const view = await world.deployments.get(ctx, "aliased");
      assert.equal(view.spec.primary, "2");
      assert.match(view.status.message ?? "", /alias challenger moved to it/);
      const v = await world.registry.store.findVersionByAlias(
        world.app.database.db,
        "fraud-detector",
        "challenger",
      );
      assert.equal(v?.version, 2);
    });

    it("keeps a promoteAlias move that governance refused in the state, and the promotion itself", async () => {
      await registerVersions(world, "churn", 2);
      await world.app.governance.policies.setPolicy(ctx, "churn", {
        require_approval: true,
        protected: { aliases: ["champion"] },
        protected_deployments: [],
      });
      await world.deployments.create(ctx, {
        spec: {
          ...(canary("refused", [{ setWeight: 50 }], { canary: { promoteAlias: "champion" } }) as object),
          model: "churn",
        },
        reason: "v2",
      });
      await ticks(2);
      const view = await world.deployments.get(ctx, "refused");
      assert.equal(view.spec.primary, "2");
      assert.match(
        view.status.message ?? "",
        /promoted version 2 \(was 1\); moving alias champion was refused: /,
      );
      const v = await world.registry.store.findVersionByAlias(world.app.database.db, "churn", "champion");
      assert.equal(v, undefined);
    });

    it("goes on with the running rollout when governance refuses the tracked alias' next version", async () => {
      await registerVersions(world, "ranker", 3);
      await setAlias(world.registry, ctx, { name: "ranker", alias: "stable", version: 2 });
      await world.deployments.create(ctx, {
        spec: {
          ...(canary("ranked", [{ setWeight: 10 }, { pause: { duration: "5s" } }], {
            track: { alias: "stable" },
          }) as object),
          model: "ranker",
        },
        reason: "follow stable",
      });
      // From now on a version new to the deployment needs a second person's approval; version 2 had traffic.
      await world.app.governance.policies.setPolicy(ctx, "ranker", {
        require_approval: true,
        protected: { aliases: [] },
      });
      await setAlias(world.registry, ctx, { name: "ranker", alias: "stable", version: 3 });
      await ticks(8);
      const view = await world.deployments.get(ctx, "ranked");
      assert.equal(view.revision, 2);
      assert.equal(view.spec.primary, "2", "the canary was promoted though the alias moved on");
      assert.equal(view.status.phase, "Healthy");
    });

    it("rolls a tracked alias' new version out through the canary strategy", async () => {
      script.current = () => ({ value: 0 });
      await setAlias(world.registry, ctx, { name: "fraud-detector", alias: "champion", version: 2 });
      await world.deployments.create(ctx, {
        spec: canary("tracked", [{ setWeight: 10 }, { pause: { duration: "5s" } }], {
          track: { alias: "champion" },
        }),
        reason: "follow champion",
      });
      await setAlias(world.registry, ctx, { name: "fraud-detector", alias: "champion", version: 3 });
      await ticks(1);
      const moved = await world.deployments.get(ctx, "tracked");
      assert.equal(moved.revision, 2);
      assert.equal(
        moved.spec.strategy !== undefined &&
          "canary" in moved.spec.strategy &&
          moved.spec.strategy.canary.version,
        "3",
      );
      assert.equal(moved.status.phase, "Progressing");
      await ticks(8);
      const done = await world.deployments.get(ctx, "tracked");
      assert.equal(done.spec.primary, "3");
      assert.equal(done.status.phase, "Healthy");
    });
  });
}

describe("two controllers over one PostgreSQL", () => {
  const clock = new FakeClock();
  const script: { current: Script } = { current: () => ({ value: 0 }) };
  const asked: ControllerWorld["asked"] = [];
  let a: ControllerWorld;
  let b: ControllerWorld;
  before(async () => {
    const uri = await BACKENDS[1]!.freshUri();
    a = await startControllerWorld(uri, clock, script, { holder: "server-a", asked });
    b = await startControllerWorld(uri, clock, script, { holder: "server-b", asked });
    await registerVersions(a, "fraud-detector", 2);
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it("never both act: each measurement is taken once, by the lease holder, and another takes over when it stops", async () => {
    for (const name of ["race-1", "race-2", "race-3"]) {
      await a.deployments.create(ctx, {
        spec: {
          name,
          model: "fraud-detector",
          primary: "1",
          strategy: {
            canary: {
              version: "2",
              steps: [{ setWeight: 10 }, { pause: {} }],
              analysis: { templates: ["rate"] },
            },
          },
          analysisTemplates: [
            {
              name: "rate",
              interval: "1s",
              successCondition: "result < 1",
              provider: { serving: { metric: "error_rate" } },
            },
          ],
        },
        reason: "race",
      });
    }
    for (let tick = 0; tick < 60; tick++) {
      // Server a stops ticking after 20 ticks (as if it died without giving up its leases).
      if (tick === 10 || tick === 30) {
        await a.controller.actions.apply(ctx, tick === 10 ? "race-1" : "race-2", {
          kind: "promote",
          reason: "ship",
          full: true,
        });
      }
      // From tick 40 on race-3's canary fails: exactly one rollback must be recorded.
      if (tick === 40) script.current = (_p, c) => ({ value: c.deployment === "race-3" ? 5 : 0 });
      await serveOneSecond(a, clock);
      await Promise.all([tick < 20 ? a.controller.loop.tick() : [], b.controller.loop.tick()]);
      clock.advance(1000);
    }
    const perTick = new Map<string, Set<string>>();
    for (const q of asked) {
      const key = `${q.deployment}@${q.at}`;
      perTick.set(key, (perTick.get(key) ?? new Set()).add(q.holder));
    }
    const doubled = [...perTick.entries()].filter(([, holders]) => holders.size > 1);
    assert.deepEqual(doubled, [], "no deployment was measured by two servers at one time");
    const keys = [...perTick.keys()];
    assert.equal(new Set(keys).size, asked.length, "no measurement was taken twice");
    const race3 = (await a.deployments.get(ctx, "race-3")).status;
    assert.equal(race3.phase, "Degraded");
    assert.equal(
      race3.analyses[0]?.measurements.length,
      asked.filter((q) => q.deployment === "race-3").length,
      "every measurement taken is stored",
    );
    assert.deepEqual(await auditActions(a, "race-3"), ["deployment.create", "deployment.rollback_automatic"]);
    for (const name of ["race-1", "race-2"]) {
      assert.equal((await a.deployments.revisions(name)).length, 2, `${name}: promoted exactly once`);
      assert.deepEqual(await auditActions(a, name), [
        "deployment.create",
        "deployment.promote_request",
        "deployment.promote",
        "deployment.promote",
      ]);
    }
    const byB = asked.filter((q) => q.holder === "server-b" && q.at >= clock.t - 30_000);
    assert.ok(byB.length > 0, "server b took over after server a's leases lapsed");
  });
});
