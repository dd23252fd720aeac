// What this replica saw per version (requests, failures, latency, predictions) since the last window, and the reporter
// that sends one ObservationWindow per interval to the control plane. Recording is a few counter updates on the
// request path; sending happens on a timer, and while the server is down windows wait in a bounded buffer (the
// oldest are dropped first) so an outage costs memory once, not forever.
import type { ObservationWindow, ShadowWindow, VersionWindow } from "../delivery/observation.js";
import type { Logger } from "../core/logger.js";
import { LatencyWindow, PredictionWindow } from "./window-stats.js";

/**
 * How a scored request ended. `refused`: turned away before it reached the model (its input did not fit the
 * signature), the client's mistake. `failed`: the model ran and failed — whatever status it is answered with, a
 * plain exception in a pyfunc is answered 400 like MLflow does — or the answer was a 5xx. Only `failed` is an
 * error of the version: a canary whose model raises must be rolled back, not promoted.
 */
export type ScoredOutcome = "answered" | "refused" | "failed";

class VersionCounts {
  requests = 0;
  errors = 0;
  readonly latency = new LatencyWindow();
  readonly predictions = new PredictionWindow();

  constructor(
    readonly version: string,
    readonly role: VersionWindow["role"],
  ) {}
}

export class ObservationRecorder {
  private versions = new Map<string, VersionCounts>();
  private startedAt: number;

  constructor(private readonly clock: () => number = Date.now) {
    this.startedAt = clock();
  }

  /** One scored request: how it ended, its latency and (when it succeeded) the predictions' JSON text. */
  record(
    version: string,
    role: VersionWindow["role"],
    outcome: ScoredOutcome,
    latencyMs: number,
    predictions?: string,
  ): void {
    const key = `${role}\n${version}`;
    let counts = this.versions.get(key);
    if (counts === undefined) {
      counts = new VersionCounts(version, role);
      this.versions.set(key, counts);
    }
    counts.requests++;
    if (outcome === "failed") counts.errors++;
    counts.latency.add(latencyMs);
    if (predictions !== undefined) counts.predictions.add(predictions);
  }

  /** The window since the last call; the next one starts now. */
  take(
    identity: { deployment: string; replica: string; revision: number },
    shadow: ShadowWindow | undefined,
  ): ObservationWindow {
    const endedAt = this.clock();
    const versions: VersionWindow[] = [...this.versions.values()].map((c) => ({
      version: c.version,
      role: c.role,
      requests: c.requests,
      errors: c.errors,
      latencyMs: c.latency.summary(),
      predictions: c.predictions.summary(),
    }));
    const window: ObservationWindow = {
      ...identity,
      startedAt: this.startedAt,
      endedAt,
      versions,
      ...(shadow ? { shadow } : {}),
    };
    this.versions = new Map();
    this.startedAt = endedAt;
    return window;
  }
}

export interface ReporterOptions {
  trackingUri: string;
  deployment: string;
  authorization: string | undefined;
  intervalMs: number;
  /** Builds the window that just ended (undefined: nothing to report yet, e.g. no revision served). */
  takeWindow: () => ObservationWindow | undefined;
  logger: Logger;
  /** Windows kept while the server cannot be reached (default 600: ten minutes of 1 s windows). */
  maxBuffered?: number;
}

export class ObservationReporter {
  private readonly buffer: ObservationWindow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  dropped = 0;

  constructor(private readonly options: ReporterOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Ends the current window and sends what is buffered (also called once more on stop). */
  tick(): Promise<void> {
    const window = this.options.takeWindow();
    if (window !== undefined && (window.versions.length > 0 || window.shadow !== undefined)) {
      this.buffer.push(window);
      const max = this.options.maxBuffered ?? 600;
      while (this.buffer.length > max) {
        this.buffer.shift();
        this.dropped++;
      }
    }
    this.sending ??= this.flush().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.sending;
    await this.tick();
  }

  private async flush(): Promise<void> {
    const base = this.options.trackingUri.replace(/\/+$/, "");
    const url = `${base}/api/flowgate/v1/deployments/${encodeURIComponent(this.options.deployment)}/observations`;
    while (this.buffer.length > 0) {
      const window = this.buffer[0] as ObservationWindow;
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(this.options.authorization ? { authorization: this.options.authorization } : {}),
          },
          body: JSON.stringify(window),
          signal: AbortSignal.timeout(5000),
        });
        await response.text();
      } catch {
        return; // unreachable: keep the window for the next tick
      }
      if (response.status >= 500 || response.status === 429) return;
      if (!response.ok) {
        // A refusal (bad window, no permission) will not change by retrying: say so and move on.
        this.options.logger.warn(
          { status: response.status, deployment: this.options.deployment },
          "the control plane refused an observation window; it is dropped",
        );
      }
      this.buffer.shift();
    }
  }
}
