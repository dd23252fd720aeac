// A serving process hosting one deployment: it follows the routing snapshot, loads and warms up every version the
// snapshot names (routes, shadow, preview, warm) before it routes a single request to them, then swaps the
// snapshot in one assignment — a request is routed by exactly one snapshot, and only ever to a loaded, ready
// version; while a new snapshot's versions load, the previous one keeps serving. The last snapshot served is
// kept on disk so that a restart during a control-plane outage comes back with it (and the model cache's files).
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RoutingSnapshot } from "../delivery/deployment.js";
import { routeRequest, type RoutingDecision, type RoutableRequest } from "../delivery/router.js";
import { FlowgateError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { ModelInput } from "./frame.js";
import { submitPrediction, type HostedModel, type HostedModels } from "./hosted-model.js";
import type { DeploymentMetrics } from "./metrics.js";
import type { ObservationWindow } from "../delivery/observation.js";
import { ObservationRecorder } from "./observations.js";
import { applyDecision, decidesInServing, policyParams } from "./policy.js";
import type { ControlPlaneStatus } from "./revision-watch.js";
import type { PredictionResult } from "./runtime.js";
import { parseInvocation } from "./scoring-protocol.js";
import type { PredictionLog } from "./prediction-log/prediction-log.js";
import { ShadowMirror } from "./shadow.js";

export type AwaitPrediction = (submitted: {
  result: Promise<PredictionResult>;
  cancel: () => void;
}) => Promise<PredictionResult>;

export interface DeploymentHostOptions {
  deployment: string;
  /** Loads one version of the model (resolve through the cache, read MLmodel, start its runtime). */
  load: (model: string, version: string) => Promise<HostedModel>;
  /** Where the last served snapshot is kept: <dir>/<deployment>.json. */
  snapshotDir: string;
  models: HostedModels;
  metrics: DeploymentMetrics;
  logger: Logger;
  maxBodyBytes: number;
  /** Shadow requests in flight at most (beyond: not mirrored, counted as dropped). */
  shadowBudget: number;
  /** The routing watch's view of the control plane (for /health); absent when there is none. */
  controlPlane?: () => ControlPlaneStatus;
  /** Wait before a version no longer named is unloaded, so requests routed just before the swap finish. */
  unloadGraceMs?: number;
  /** Wait before retrying a snapshot whose versions could not all be loaded. */
  retryMs?: number;
  /** Where answered requests are logged (as the snapshot's predictionLog says); absent: nothing is logged. */
  predictionLog?: PredictionLog;
}

/** One scoring request's route: the version chosen, its model, and the snapshot that chose it. */
export interface RoutedRequest {
  decision: RoutingDecision;
  model: HostedModel;
  snapshot: RoutingSnapshot;
}

interface Active {
  snapshot: RoutingSnapshot;
  /** Every version a request may be routed to under this snapshot, loaded and ready. */
  routable: Map<string, HostedModel>;
}

export class DeploymentHost {
  private active: Active | undefined;
  /** Every version loaded or loading, by model/version. */
  private readonly pool = new Map<string, Promise<HostedModel>>();
  private readonly loaded = new Map<string, HostedModel>();
  private readonly inFlight = new Map<HostedModel, number>();
  private desired: RoutingSnapshot | undefined;
  private applying: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private offered = false;
  /** Snapshots offered so far: a retry of a failed one is moot once a newer one came. */
  private offers = 0;
  /** Wakes an apply waiting for versions to load: a newer snapshot (say, a rollback) must not wait for them. */
  private newerOffered: (() => void) | undefined;
  private readonly recorder = new ObservationRecorder();
  readonly shadow: ShadowMirror;
  /** Resolves when the first snapshot is being served. */
  readonly serving: Promise<void>;
  private markServing!: () => void;

  constructor(private readonly options: DeploymentHostOptions) {
    this.serving = new Promise((resolve) => (this.markServing = resolve));
    this.shadow = new ShadowMirror(options.shadowBudget, (version, outcome) => {
      options.metrics.shadow.inc({ deployment: options.deployment, version, outcome: outcome.outcome });
      if (outcome.latencyMs !== undefined) {
        options.metrics.shadowLatency.observe(
          { deployment: options.deployment, version },
          outcome.latencyMs / 1000,
        );
      }
    });
  }

  /** The snapshot requests are routed by (undefined until the first one's versions are ready). */
  current(): RoutingSnapshot | undefined {
    return this.active?.snapshot;
  }

  /** Takes a new snapshot; the newest offered wins, and it is served once its versions are ready. */
  offer(snapshot: RoutingSnapshot): Promise<void> {
    this.offered = true;
    this.offers++;
    this.desired = snapshot;
    this.newerOffered?.();
    this.applying ??= this.drain();
    return this.applying;
  }

  /** Starts from the snapshot cached on disk (the control plane could not be reached); false when there is none. */
  async offerCached(): Promise<boolean> {
    const text = await readFile(this.cacheFile(), "utf8").catch(() => undefined);
    // Anything the control plane sent meanwhile is newer than the disk's copy.
    if (text === undefined || this.offered) return false;
    this.options.logger.warn(
      { deployment: this.options.deployment, file: this.cacheFile() },
      "control plane unreachable at start; serving the cached routing snapshot",
    );
    await this.offer(JSON.parse(text) as RoutingSnapshot);
    return true;
  }

  private async drain(): Promise<void> {
    try {
      while (this.desired !== undefined && !this.closed) {
        const next = this.desired;
        this.desired = undefined;
        try {
          await this.apply(next);
        } catch (err) {
          this.options.logger.error(
            { deployment: this.options.deployment, revision: next.revision, err: (err as Error).message },
            "deployment: could not apply the routing snapshot; the previous one keeps serving",
          );
          this.scheduleRetry(next);
        }
      }
    } finally {
      this.applying = undefined;
    }
  }

  private scheduleRetry(snapshot: RoutingSnapshot): void {
    clearTimeout(this.retryTimer);
    const offers = this.offers;
    this.retryTimer = setTimeout(() => {
      if (this.offers === offers && !this.closed) void this.offer(snapshot);
    }, this.options.retryMs ?? 5000);
    this.retryTimer.unref();
  }

  private async apply(snapshot: RoutingSnapshot): Promise<void> {
    const previous = this.active?.snapshot;
    if (
      previous !== undefined &&
      previous.etag === snapshot.etag &&
      previous.revision === snapshot.revision
    ) {
      return;
    }
    const { mustServe, keep } = versionsOf(snapshot);
    for (const version of keep) this.startLoading(snapshot.model, version);
    // Only the versions that take requests must be ready before the swap; the shadow and warm ones join when
    // they are (a rollback to a warm version never waits for a new shadow to load).
    const loads = mustServe.map((v) => this.pool.get(key(snapshot.model, v)) as Promise<HostedModel>);
    const superseded = new Promise<"superseded">((resolve) => {
      this.newerOffered = () => resolve("superseded");
    });
    const all = Promise.all(loads);
    all.catch(() => undefined); // a superseded snapshot's failed load is logged by startLoading
    const outcome = await Promise.race([all, superseded]);
    this.newerOffered = undefined;
    if (outcome === "superseded") return; // the loads go on in the background; the newer snapshot goes first
    const routable = new Map<string, HostedModel>();
    for (const [i, version] of mustServe.entries()) {
      const model = outcome[i] as HostedModel;
      if (!model.runtime.ready() && !model.runtime.recovering()) {
        throw new FlowgateError(
          "TEMPORARILY_UNAVAILABLE",
          `version ${version} is loaded but not ready: ${model.runtime.notReadyReason() ?? "unknown"}`,
        );
      }
      routable.set(version, model);
    }
    if (this.desired !== undefined) return; // a newer snapshot arrived while loading: it wins
    this.active = { snapshot, routable };
    shareSlots(snapshot, routable, this.loaded.values());
    this.markServing();
    const primary = snapshot.routes.find((r) => r.role === "primary") ?? snapshot.routes[0];
    if (primary !== undefined) this.options.models.setDefault(snapshot.model, primary.version);
    this.options.metrics.revision.set({ deployment: this.options.deployment }, snapshot.revision);
    this.options.logger.info(
      {
        deployment: this.options.deployment,
        revision: snapshot.revision,
        routes: snapshot.routes,
        shadow: snapshot.shadow,
        preview: snapshot.preview,
        warm: snapshot.warm,
      },
      "deployment: serving a new routing snapshot",
    );
    await this.saveSnapshot(snapshot);
    this.scheduleUnload();
  }

  private startLoading(model: string, version: string): void {
    const k = key(model, version);
    if (this.pool.has(k)) return;
    const loading = (async () => {
      const hosted = await this.options.load(model, version);
      await this.warmUp(hosted);
      this.loaded.set(k, hosted);
      this.options.models.add(hosted);
      return hosted;
    })();
    this.pool.set(k, loading);
    loading.catch((err: unknown) => {
      this.pool.delete(k);
      this.options.logger.error(
        { deployment: this.options.deployment, model, version, err: (err as Error).message },
        "deployment: a version could not be loaded",
      );
    });
  }

  /** One prediction from the model's input example, when it has one; a model that fails it is not healthy. */
  private async warmUp(model: HostedModel): Promise<void> {
    const example = model.meta.servingInputExample;
    if (example === undefined) return;
    const body = await readFile(path.join(model.meta.dir, example)).catch(() => undefined);
    if (body === undefined) return;
    const input = await parseInvocation("application/json", body, this.options.maxBodyBytes);
    let last: PredictionResult | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      last = await submitPrediction(model, input, this.options.logger).result;
      // A 4xx says the example does not fit the signature, not that the model is unwell.
      if (last.ok || last.error.status < 500) return;
    }
    if (last !== undefined && !last.ok) {
      await model.runtime.close();
      throw new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `version ${model.version} failed its warm-up prediction: ${last.error.message}`,
      );
    }
  }

  /** Unloads, after a grace period and once idle, the versions the served snapshot no longer names. */
  private scheduleUnload(): void {
    const timer = setTimeout(() => void this.unloadUnnamed(), this.options.unloadGraceMs ?? 5000);
    timer.unref();
  }

  private async unloadUnnamed(): Promise<void> {
    const active = this.active;
    if (active === undefined || this.closed) return;
    const named = new Set([active.snapshot, this.desired].flatMap((s) => (s ? [...namedKeys(s)] : [])));
    for (const [k, model] of this.loaded) {
      if (named.has(k)) continue;
      if ((this.inFlight.get(model) ?? 0) > 0 || model.batcher.queued > 0) {
        this.scheduleUnload();
        continue;
      }
      this.loaded.delete(k);
      this.pool.delete(k);
      this.inFlight.delete(model);
      this.options.models.remove(model.name, model.version);
      this.options.logger.info(
        { deployment: this.options.deployment, version: model.version },
        "deployment: version no longer named; unloaded",
      );
      await model.runtime.close().catch(() => undefined);
    }
  }

  /** Routes one request by the served snapshot (503 while none is). */
  route(request: RoutableRequest): RoutedRequest {
    const active = this.active;
    if (active === undefined) {
      throw new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `Deployment ${this.options.deployment} is not loaded yet; retry shortly.`,
      );
    }
    const decision = routeRequest(active.snapshot, request);
    const model = active.routable.get(decision.version);
    if (model === undefined) {
      // Only a snapshot whose routes all weigh 0 gets here: nothing is meant to answer.
      throw new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `Deployment ${this.options.deployment} revision ${active.snapshot.revision} routes no traffic to any version.`,
      );
    }
    return { decision, model, snapshot: active.snapshot };
  }

  /**
   * Scores a routed request: the policy's params or decision applied, its outcome recorded for the window and
   * the metrics. `afterReply` (call once the answer is sent), there when the request is in the shadow's sample,
   * mirrors it to the shadow.
   */
  async score(
    routed: RoutedRequest,
    requestId: string,
    input: ModelInput,
    awaitPrediction: AwaitPrediction,
    log: Logger | { warn(obj: object, msg?: string): void },
  ): Promise<{ result: PredictionResult; afterReply?: () => void }> {
    const { model, snapshot, decision } = routed;
    const policy = snapshot.policy;
    const declared = model.meta.signature.params;
    const prepared: ModelInput =
      policy === undefined ? input : { ...input, params: policyParams(policy, declared, input.params) };
    const started = performance.now();
    this.inFlight.set(model, (this.inFlight.get(model) ?? 0) + 1);
    let result: PredictionResult;
    // Signature enforcement throws before the request is submitted: such a refusal is not the version's failure.
    let reachedModel = false;
    try {
      const submitted = submitPrediction(model, prepared, log);
      reachedModel = true;
      result = await awaitPrediction(submitted);
      if (result.ok && decidesInServing(policy, declared)) {
        result = { ok: true, predictions: applyDecision(result.predictions, policy) };
      }
    } catch (err) {
      if (!(err instanceof FlowgateError)) throw err;
      result = { ok: false, error: err };
    } finally {
      this.inFlight.set(model, (this.inFlight.get(model) ?? 1) - 1);
    }
    const ms = performance.now() - started;
    const status = result.ok ? 200 : result.error.status;
    this.recorder.record(
      decision.version,
      decision.role,
      result.ok ? "answered" : reachedModel || status >= 500 ? "failed" : "refused",
      ms,
      result.ok ? result.predictions : undefined,
    );
    const labels = { deployment: this.options.deployment, version: decision.version, role: decision.role };
    this.options.metrics.requests.inc({ ...labels, status: String(status) });
    this.options.metrics.latency.observe(labels, ms / 1000);
    if (result.ok) {
      // Synchronous and O(1): references into a bounded queue; the flusher encodes them later.
      this.options.predictionLog?.record(snapshot.predictionLog, {
        requestId,
        version: decision.version,
        role: decision.role,
        latencyMs: ms,
        input,
        predictions: result.predictions,
      });
    }
    const shadow = snapshot.shadow;
    if (!result.ok || shadow === undefined || decision.role === "preview") return { result };
    if (!ShadowMirror.sampled(requestId, shadow.percent)) return { result };
    const shadowModel = this.loaded.get(key(snapshot.model, shadow.version));
    if (shadowModel === undefined) return { result }; // still loading: nothing to compare with yet
    const primaryAnswer = result.predictions;
    const afterReply = (): void => {
      this.shadow.mirror(
        {
          version: shadow.version,
          percent: shadow.percent,
          score: () => {
            const shadowDeclared = shadowModel.meta.signature.params;
            const shadowInput: ModelInput =
              policy === undefined
                ? input
                : { ...input, params: policyParams(policy, shadowDeclared, input.params) };
            return submitPrediction(shadowModel, shadowInput, this.options.logger).result.then((r) =>
              r.ok && decidesInServing(policy, shadowDeclared)
                ? { ok: true, predictions: applyDecision(r.predictions, policy) }
                : r,
            );
          },
        },
        primaryAnswer,
      );
    };
    return { result, afterReply };
  }

  /** The window since the last call, for the reporter (undefined before a snapshot is served). */
  takeWindow(replica: string): ObservationWindow | undefined {
    const active = this.active;
    if (active === undefined) return undefined;
    return this.recorder.take(
      { deployment: this.options.deployment, replica, revision: active.snapshot.revision },
      this.shadow.takeWindow(),
    );
  }

  /** What /health says: "serving revision 7" (+ ", control plane unreachable since …"). */
  statusText(): string {
    const active = this.active;
    const plane = this.options.controlPlane?.();
    const outage =
      plane !== undefined && !plane.reachable && plane.unreachableSince !== undefined
        ? `, control plane unreachable since ${new Date(plane.unreachableSince).toISOString()}`
        : "";
    if (active === undefined) {
      return `deployment ${this.options.deployment}: no revision loaded yet${outage}`;
    }
    return `serving revision ${active.snapshot.revision}${outage}`;
  }

  isServing(): boolean {
    return this.active !== undefined;
  }

  /** For /metadata: the deployment, the served snapshot and the control plane's state. */
  describe(): Record<string, unknown> {
    const plane = this.options.controlPlane?.();
    return {
      deployment: {
        name: this.options.deployment,
        status: this.statusText(),
        revision: this.active?.snapshot.revision ?? null,
        routing: this.active?.snapshot ?? null,
        loaded: [...this.loaded.values()].map((m) => m.version),
        control_plane: plane
          ? {
              reachable: plane.reachable,
              ...(plane.unreachableSince !== undefined
                ? { unreachable_since: new Date(plane.unreachableSince).toISOString() }
                : {}),
              ...(plane.lastError !== undefined ? { last_error: plane.lastError } : {}),
            }
          : null,
        shadow_in_flight: this.shadow.pending,
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.applying?.catch(() => undefined);
    await Promise.allSettled([...this.pool.values()]);
    await Promise.all([...this.loaded.values()].map((m) => m.runtime.close().catch(() => undefined)));
  }

  private cacheFile(): string {
    return path.join(this.options.snapshotDir, `${encodeURIComponent(this.options.deployment)}.json`);
  }

  /** Written to a temporary file and renamed, so a crash never leaves half a snapshot. */
  private async saveSnapshot(snapshot: RoutingSnapshot): Promise<void> {
    try {
      await mkdir(this.options.snapshotDir, { recursive: true, mode: 0o700 });
      const file = this.cacheFile();
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(snapshot), { mode: 0o600 });
      await rename(tmp, file);
    } catch (err) {
      this.options.logger.warn(
        { deployment: this.options.deployment, err: (err as Error).message },
        "deployment: could not cache the routing snapshot on disk",
      );
    }
  }
}

/**
 * Each routed version's batcher runs at most its share of its runtime's slots (weight / 100, at least one); the
 * other loaded versions (shadow, warm) keep all of theirs.
 */
export function shareSlots(
  snapshot: RoutingSnapshot,
  routable: ReadonlyMap<string, HostedModel>,
  loaded: Iterable<HostedModel>,
): void {
  const routed = new Set(routable.values());
  for (const model of loaded) if (!routed.has(model)) model.batcher.limitSlots(Infinity);
  for (const [version, model] of routable) {
    const weight = snapshot.routes.filter((r) => r.version === version).reduce((n, r) => n + r.weight, 0);
    model.batcher.limitSlots(Math.round((model.runtime.slots * weight) / 100));
  }
}

function key(model: string, version: string): string {
  return `${model}/${version}`;
}

/** The versions a snapshot routes requests to (must be ready before it is served), and all it keeps loaded. */
export function versionsOf(snapshot: RoutingSnapshot): { mustServe: string[]; keep: string[] } {
  const mustServe = new Set(snapshot.routes.filter((r) => r.weight > 0).map((r) => r.version));
  if (snapshot.preview !== undefined) mustServe.add(snapshot.preview.version);
  const keep = new Set([
    ...mustServe,
    ...snapshot.routes.map((r) => r.version),
    ...(snapshot.shadow ? [snapshot.shadow.version] : []),
    ...snapshot.warm,
  ]);
  return { mustServe: [...mustServe], keep: [...keep] };
}

function namedKeys(snapshot: RoutingSnapshot): string[] {
  return versionsOf(snapshot).keep.map((v) => key(snapshot.model, v));
}

/** The parts of a Fastify request routing reads. */
export function routableOf(
  request: { id: string; headers: RoutableRequest["headers"]; query: unknown },
  json: () => unknown,
): RoutableRequest {
  const query = request.query;
  return {
    id: request.id,
    headers: request.headers,
    query: query !== null && typeof query === "object" ? (query as Record<string, unknown>) : {},
    json,
  };
}
