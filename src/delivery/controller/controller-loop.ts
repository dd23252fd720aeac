// The rollout controller's loop, run by the server: every tick, for each deployment with something to do, take
// its lease, follow a tracked alias, take the measurements that are due, step, store the state (optimistic
// version: the second guard after the lease) with its audit and webhook records, then carry out a promotion.
// Clock and MetricSource are injected, so tests drive it tick by tick.
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { TickTimer } from "../../core/tick-timer.js";
import { systemContext, type RequestContext } from "../../core/request-context.js";
import type { Database } from "../../store/database.js";
import type { ActiveDeployment, DeploymentStore } from "../deployment-store.js";
import type { RolloutState } from "../deployment.js";
import { promotedSpec, type DeploymentService } from "../deployments.js";
import { dueAnalyses, intervalMs, type TakenReading } from "./analysis.js";
import { trackedSpec } from "./alias-tracking.js";
import { notice, type ControllerAction, type PromoteAction } from "./controller-action.js";
import type { ControllerLease } from "./controller-lease.js";
import type { DeploymentNotices } from "./deployment-notices.js";
import type { MetricContext, MetricSource } from "./metric-source.js";
import { promotionRefused, rolloutRunning, step, versionUnderTest, type StepResult } from "./rollout-step.js";

/** The registry's aliases, as the controller follows and moves them (moves go through governance). */
export interface ControllerAliases {
  /** The version `alias` of `model` points at now. */
  version(model: string, alias: string): Promise<string | undefined>;
  move(ctx: RequestContext, model: string, alias: string, version: string): Promise<void>;
}

export interface ControllerLoopDeps {
  database: Database;
  store: DeploymentStore;
  lease: ControllerLease;
  metrics: MetricSource;
  notices: DeploymentNotices;
  /** Revisions are written through the deployments service, so its checks, audit and webhooks apply. */
  deployments: Pick<DeploymentService, "writeRevisionAsSystem" | "changed">;
  aliases: ControllerAliases;
  clock: Clock;
  logger: Logger;
  /** This server process, as named in the leases it holds. */
  holder: string;
  tickMs?: number;
}

/** Serving reports a window every second; this covers a few of them even for a 1 s interval. */
const MIN_LOOKBACK_MS = 5000;
/** How long a refused tracked-alias rollout waits before it is asked for again. */
const TRACKING_RETRY_MS = 60_000;

export class ControllerLoop {
  private readonly timer: TickTimer;
  /** Tracked alias moves whose revision was refused, and when to ask again. */
  private readonly trackingRefusedUntil = new Map<string, number>();

  constructor(private readonly deps: ControllerLoopDeps) {
    this.timer = new TickTimer(
      () => this.tick(),
      deps.tickMs ?? 1000,
      (err: unknown) => deps.logger.error({ err }, "rollout controller tick failed"),
    );
  }

  start(): void {
    this.timer.start();
  }

  /** Waits for the tick in flight, then gives up this server's leases so another takes over at once. */
  async stop(): Promise<void> {
    await this.timer.stop();
    await this.deps.lease.releaseAll(this.deps.database.db, this.deps.holder);
  }

  /** One pass over every active deployment; answers the actions carried out (for tests and logs). */
  async tick(): Promise<ControllerAction[]> {
    const { database, store } = this.deps;
    // Deployments step side by side: a slow provider (a Prometheus timing out) holds up only its own.
    const done = await Promise.all(
      (await store.listActive(database.db)).map((active) =>
        this.tickOne(active).catch((err: unknown) => {
          this.deps.logger.error(
            { err, deployment: active.deployment.name },
            "rollout controller step failed",
          );
          return [];
        }),
      ),
    );
    return done.flat();
  }

  private async tickOne(active: ActiveDeployment): Promise<ControllerAction[]> {
    const { database, lease, holder, clock } = this.deps;
    const { deployment, spec, state } = active;
    if (!(await lease.acquire(database.db, deployment.name, holder, clock.now()))) return [];
    if (spec.track !== undefined && (await this.followAlias(active, spec.track.alias))) return [];
    if (!rolloutRunning(state) || state.revision !== deployment.revision) return [];
    const now = clock.now();
    const measurements = await this.measure(active, now);
    const requests = await this.requestsSince(active, now);
    const servedUntil = await this.canaryServedUntil(active, now);
    const observed = {
      measurements,
      ...(requests !== undefined ? { requests } : {}),
      ...(servedUntil !== undefined ? { canaryServedUntil: servedUntil } : {}),
    };
    const result = step(spec, state, observed, now);
    // Nothing measured and nothing moved: no write (a write per second would wake every routing long-poll
    // and make a person's action race the loop for the state's version).
    if (result.actions.length === 0 && unchanged(state, result.state)) return [];
    const stored = await this.store(active, result);
    if (stored === undefined) return [];
    for (const a of result.actions)
      if (a.kind === "promote") await this.promote({ ...active, state: stored }, a);
    return result.actions;
  }

  /** Writes the revision rolling out the alias' new version; true when it did (the next tick runs it). */
  private async followAlias(active: ActiveDeployment, alias: string): Promise<boolean> {
    const { deployment, spec } = active;
    const target = await this.deps.aliases.version(deployment.model, alias);
    if (target === undefined) return false;
    const revisions = await this.deps.store.revisions(this.deps.database.db, deployment.name);
    const next = trackedSpec(spec, target, revisions);
    if (next === undefined) return false;
    const key = `${deployment.name}@${target}`;
    const now = this.deps.clock.now();
    if ((this.trackingRefusedUntil.get(key) ?? 0) > now) return false;
    try {
      await this.deps.deployments.writeRevisionAsSystem(deployment.name, {
        spec: next,
        reason: `alias ${alias} moved to version ${target}`,
        expectedRevision: deployment.revision,
        audit: "deployment.track_alias",
        webhook: "UPDATED",
      });
    } catch (err) {
      // Refused (governance, e.g. four-eyes not yet approved): the current revision goes on; asked again later.
      this.trackingRefusedUntil.set(key, now + TRACKING_RETRY_MS);
      this.deps.logger.warn(
        { err, deployment: deployment.name, alias, version: target },
        "rolling out the tracked alias' version was refused",
      );
      return false;
    }
    this.trackingRefusedUntil.delete(key);
    return true;
  }

  private async measure(active: ActiveDeployment, now: number): Promise<TakenReading[]> {
    const { spec, state } = active;
    return Promise.all(
      dueAnalyses(state, now).flatMap((a) => {
        const template = spec.analysisTemplates?.find((t) => t.name === a.template);
        if (template === undefined) return [];
        const ctx: MetricContext = {
          deployment: spec.name,
          model: spec.model,
          primary: spec.primary,
          canary: versionUnderTest(spec),
          // The trailing interval, and at least the last few seconds: a serving window reported a little
          // after it ended is still counted by the next measurement instead of falling between two.
          fromMs: now - Math.max(intervalMs(template), MIN_LOOKBACK_MS),
          toMs: now,
        };
        return [
          this.deps.metrics
            .measure(template.provider, ctx)
            .catch((err: unknown) => ({ error: (err as Error).message }))
            .then((reading) => ({
              template: a.template,
              reading,
              startedAt: now,
              finishedAt: this.deps.clock.now(),
            })),
        ];
      }),
    );
  }

  /** A/B iterations: every request any replica served for the deployment since the state was last stored. */
  private async requestsSince(active: ActiveDeployment, now: number): Promise<number | undefined> {
    const s = active.spec.strategy;
    if (s === undefined || !("abTest" in s) || s.abTest.iterations === undefined) return undefined;
    const windows = await this.deps.store.observations(
      this.deps.database.db,
      active.deployment.name,
      active.state.updatedAt,
      now,
    );
    return windows.reduce((n, w) => n + w.versions.reduce((m, v) => m + v.requests, 0), 0);
  }

  /**
   * While a canary has a setWeight to run: the latest end of a window of this revision, ended since the step
   * started, in which the canary version took requests as the canary (undefined when none, or none to run).
   */
  private async canaryServedUntil(active: ActiveDeployment, now: number): Promise<number | undefined> {
    const { spec, state } = active;
    const s = spec.strategy;
    if (s === undefined || !("canary" in s)) return undefined;
    // Also when a later setWeight is still to come: the step may reach it in this very tick.
    const ahead = s.canary.steps.slice(state.stepIndex);
    if (!ahead.some((x) => "setWeight" in x && x.setWeight > 0)) return undefined;
    const windows = await this.deps.store.observations(
      this.deps.database.db,
      active.deployment.name,
      state.stepStartedAt - 1,
      now,
    );
    const served = windows.filter(
      (w) =>
        w.revision === state.revision &&
        w.versions.some((v) => v.version === s.canary.version && v.role === "canary" && v.requests > 0),
    );
    return served.length > 0 ? Math.max(...served.map((w) => w.endedAt)) : undefined;
  }

  /**
   * Stores the state (as a successor of `active.state`) with its records in one transaction; undefined when
   * another writer (a user action, another server) got there first — the next tick starts from theirs.
   */
  private async store(
    active: ActiveDeployment,
    result: StepResult,
    ctx = systemContext(),
  ): Promise<RolloutState | undefined> {
    const { database, store, notices } = this.deps;
    const expected = active.state.version;
    const next = { ...result.state, version: expected + 1 };
    const stored = await database.transaction(async (trx) => {
      if (!(await store.putState(trx, next, expected))) return false;
      for (const a of result.actions) {
        if (a.kind === "notice") await notices.record(trx, ctx, active.deployment, next, a);
      }
      return true;
    });
    if (!stored) return undefined;
    this.deps.deployments.changed(active.deployment.name);
    return next;
  }

  /**
   * The canary (or preview) becomes the primary in a new revision written by the system actor; then the
   * promoteAlias moves through the registry, so governance applies. A refusal is kept in the state.
   */
  private async promote(active: ActiveDeployment, a: PromoteAction): Promise<void> {
    const { deployment, spec, state } = active;
    const db = this.deps.database.db;
    // An abort (or any action) stored since this step wins: the promotion is not written.
    if ((await this.deps.store.getState(db, deployment.name))?.version !== state.version) return;
    const ctx = { ...systemContext(), reason: a.message };
    // The canary is the primary now; a tracked alias reuses the ramp from the revision history.
    const promoted = promotedSpec(spec, a.version);
    try {
      await this.deps.deployments.writeRevisionAsSystem(deployment.name, {
        spec: promoted,
        reason: a.message,
        expectedRevision: deployment.revision,
      });
    } catch (err) {
      await this.store(active, promotionRefused(state, (err as Error).message, this.deps.clock.now()));
      return;
    }
    const current = await this.deps.store.get(db, deployment.name);
    const next = await this.deps.store.getState(db, deployment.name);
    if (current === undefined || next === undefined) return;
    let message = `promoted version ${a.version} (was ${spec.primary})`;
    if (a.promoteAlias !== undefined) {
      try {
        await this.deps.aliases.move(ctx, deployment.model, a.promoteAlias, a.version);
        message += `; alias ${a.promoteAlias} moved to it`;
      } catch (err) {
        message += `; moving alias ${a.promoteAlias} was refused: ${(err as Error).message}`;
      }
    }
    const record = notice("deployment.promote", message, "PROMOTED");
    await this.store(
      { deployment: current, spec: promoted, state: next },
      { state: { ...next, message, updatedAt: this.deps.clock.now() }, actions: [record] },
      ctx,
    );
  }
}

/** The same state but for when it was computed. */
function unchanged(a: RolloutState, b: RolloutState): boolean {
  return JSON.stringify({ ...a, updatedAt: 0 }) === JSON.stringify({ ...b, updatedAt: 0 });
}
