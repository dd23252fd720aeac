// The monitor loop, run by the server: every tick, for each deployment that logs predictions, take its monitor
// lease (the rollout controller's lease table, key `monitor:<deployment>`, so with several servers over one
// database exactly one computes a deployment's windows), compute the windows that closed, recompute those
// computed before labels arrived for them, store them, then judge the alert rules. Retention runs every
// `retentionEveryMs`. Clock and sources are injected, so tests drive it tick by tick.
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import { TickTimer } from "../../core/tick-timer.js";
import type { ControllerLease } from "../../delivery/controller/controller-lease.js";
import type { DeploymentSpec } from "../../delivery/deployment.js";
import type { DeploymentRecord, DeploymentStore } from "../../delivery/deployment-store.js";
import type { Database } from "../../store/database.js";
import type { AlertStore } from "../alerts/alert-store.js";
import type { Alerting } from "../alerts/alerting.js";
import { SEGMENT_COLUMNS, type DriftMethod } from "../monitoring.js";
import { readSegment } from "../segments/segment-reader.js";
import { computeWindow, type WindowSources } from "./window-computation.js";
import { DEFAULT_WINDOW, planRowWindows, planTimeWindows, type PlannedWindow } from "./window-planner.js";
import type { WindowStore } from "./window-store.js";

/** After a window's end, the segments replicas were writing have arrived (rotated every 10 s by default). */
export const DEFAULT_GRACE_MS = 15_000;
/** Windows computed per deployment per tick: a long gap is caught up over a few ticks. */
const MAX_WINDOWS_PER_TICK = 24;
/** Late labels recompute windows that ended at most this long ago. */
export const LABEL_LOOKBACK_MS = 7 * 86_400_000;
const MAX_RECOMPUTED_PER_TICK = 8;
const DAY_MS = 86_400_000;
const PAGE = 500;

export interface MonitorLoopDeps {
  database: Database;
  deployments: DeploymentStore;
  windows: WindowStore;
  alerts: AlertStore;
  alerting: Alerting;
  sources: WindowSources;
  /** When labels of the deployment last arrived since `since` (D's label service). */
  lastLabelAt(deployment: string, since: number): Promise<number | undefined>;
  /** Deletes segments past their deployment's retention (C's segment service). */
  expireSegments(now: number): Promise<number>;
  lease: ControllerLease;
  clock: Clock;
  logger: Logger;
  holder: string;
  tickMs?: number;
  graceMs?: number;
  retentionEveryMs?: number;
}

/** The loop's own health, for the server's /metrics. */
export interface MonitorHealth {
  running: boolean;
  /** When the last tick finished (ms), undefined before the first. */
  lastTickAt?: number;
  ticks: number;
  failures: number;
}

export class MonitorLoop {
  private readonly timer: TickTimer;
  private lastRetention = 0;
  readonly health: MonitorHealth = { running: false, ticks: 0, failures: 0 };

  constructor(private readonly deps: MonitorLoopDeps) {
    this.timer = new TickTimer(
      () => this.tick(),
      deps.tickMs ?? 5000,
      (err: unknown) => {
        this.health.failures++;
        deps.logger.error({ err }, "monitor tick failed");
      },
    );
  }

  start(): void {
    this.health.running = true;
    this.timer.start();
  }

  /** Waits for the tick in flight, then gives up this server's monitor leases so another takes over at once. */
  async stop(): Promise<void> {
    this.health.running = false;
    await this.timer.stop();
    await this.deps.lease.releaseAll(this.deps.database.db, this.deps.holder);
  }

  /** One pass over every deployment; answers the deployments whose windows changed (for tests and logs). */
  async tick(): Promise<string[]> {
    const { database, deployments, clock } = this.deps;
    const changed: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await deployments.list(database.db, { offset, limit: PAGE });
      for (const d of page) {
        try {
          if (await this.monitorOne(d)) changed.push(d.name);
        } catch (err) {
          this.health.failures++;
          this.deps.logger.error({ err, deployment: d.name }, "monitoring a deployment failed");
        }
      }
      if (page.length < PAGE) break;
    }
    const now = clock.now();
    if (now - this.lastRetention >= (this.deps.retentionEveryMs ?? 3_600_000)) {
      this.lastRetention = now;
      await this.deps.expireSegments(now);
    }
    this.health.ticks++;
    this.health.lastTickAt = clock.now();
    return changed;
  }

  private async monitorOne(d: DeploymentRecord): Promise<boolean> {
    const { database, lease, holder, clock } = this.deps;
    const spec = (await this.deps.deployments.revision(database.db, d.name, d.revision))?.spec;
    if (spec === undefined || spec.monitoring?.enabled === false) return false;
    // Held across three ticks: renewed every tick, it outlives a slow one but not a dead server.
    const ttlMs = 3 * (this.deps.tickMs ?? 5000);
    if (!(await lease.acquire(database.db, `monitor:${d.name}`, holder, clock.now(), ttlMs))) return false;
    const now = clock.now();
    const methods = await this.ruleMethods(d);
    const ranges = [...(await this.closedWindows(d, spec, now)), ...(await this.relabelled(d, now))];
    if (ranges.length === 0) return false;
    const target = { deployment: d.name, model: d.model, spec: spec.monitoring ?? {}, methods };
    const versions = new Set<string>();
    for (const range of ranges) {
      const windows = await computeWindow(this.deps.sources, target, range, clock.now());
      for (const w of windows) {
        await this.deps.windows.put(database.db, w);
        versions.add(w.version);
      }
    }
    for (const version of versions)
      await this.deps.alerting.evaluate({ name: d.name, model: d.model }, version);
    return true;
  }

  /** The methods the deployment's drift rules name, scored per column besides the spec's own tests. */
  private async ruleMethods(d: DeploymentRecord): Promise<DriftMethod[]> {
    const rules = await this.deps.alerts.rulesFor(this.deps.database.db, d.name, d.model);
    return [...new Set(rules.flatMap((r) => (r.method !== undefined ? [r.method] : [])))];
  }

  private async closedWindows(
    d: DeploymentRecord,
    spec: DeploymentSpec,
    now: number,
  ): Promise<PlannedWindow[]> {
    const size = spec.monitoring?.window ?? DEFAULT_WINDOW;
    const grace = this.deps.graceMs ?? DEFAULT_GRACE_MS;
    const db = this.deps.database.db;
    let after = await this.deps.windows.lastEnd(db, d.name);
    if (after === undefined) {
      const retention = (spec.monitoring?.retentionDays ?? 30) * DAY_MS;
      const first = (await this.deps.sources.segments(d.name, now - retention, now))[0];
      if (first === undefined) return [];
      after = first.firstTime;
    }
    if ("seconds" in size) {
      return planTimeWindows(size.seconds, { after, now, graceMs: grace, max: MAX_WINDOWS_PER_TICK });
    }
    const cutoff = now - grace;
    if (cutoff <= after) return [];
    const times: number[] = [];
    for (const segment of await this.deps.sources.segments(d.name, after, cutoff)) {
      const bytes = await this.deps.sources.openSegment(segment);
      const chunks = readSegment(bytes, { columns: [SEGMENT_COLUMNS.time], from: after, to: cutoff });
      for await (const chunk of chunks) {
        const t = chunk.columns[SEGMENT_COLUMNS.time] as ArrayLike<number>;
        for (let i = 0; i < chunk.rows; i++) times.push(t[i] as number);
      }
    }
    times.sort((a, b) => a - b);
    return planRowWindows(times, { rows: size.rows, after, max: MAX_WINDOWS_PER_TICK });
  }

  /** Windows computed before the newest label of the deployment arrived (within the lookback). */
  private async relabelled(d: DeploymentRecord, now: number): Promise<PlannedWindow[]> {
    const since = now - LABEL_LOOKBACK_MS;
    const last = await this.deps.lastLabelAt(d.name, since);
    if (last === undefined) return [];
    return this.deps.windows.staleRanges(this.deps.database.db, d.name, since, last, MAX_RECOMPUTED_PER_TICK);
  }
}
