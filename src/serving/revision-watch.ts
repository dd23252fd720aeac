// Follows a deployment's routing snapshot on the control plane: a long-poll (GET …/routing?wait=25 with
// If-None-Match) answers the moment the snapshot changes, so a change reaches serving within a round trip; after a
// failure it retries every second (a poll) until the server answers again, and says since when it could not.
import type { RoutingSnapshot } from "../delivery/deployment.js";
import type { Logger } from "../core/logger.js";

export interface RevisionWatchOptions {
  trackingUri: string;
  deployment: string;
  authorization: string | undefined;
  logger: Logger;
  /** Seconds the server may hold a long-poll open (≤ 30). */
  waitSeconds?: number;
  /** Pause after a failed request before the next (ms). */
  retryMs?: number;
  onSnapshot: (snapshot: RoutingSnapshot) => void;
}

export interface ControlPlaneStatus {
  reachable: boolean;
  /** Epoch ms of the first failure in the current run of failures. */
  unreachableSince?: number;
  /** What the last failure was (network error, HTTP status and message). */
  lastError?: string;
}

export class RevisionWatch {
  private etag: string | undefined;
  private stopped = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  status: ControlPlaneStatus = { reachable: false };
  /** Resolves after the first request finished, successfully or not (start-up decides on it). */
  readonly firstAttempt: Promise<void>;
  private settleFirst!: () => void;

  constructor(private readonly options: RevisionWatchOptions) {
    this.firstAttempt = new Promise((resolve) => (this.settleFirst = resolve));
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
  }

  private url(wait: number): string {
    const base = this.options.trackingUri.replace(/\/+$/, "");
    return `${base}/api/flowgate/v1/deployments/${encodeURIComponent(this.options.deployment)}/routing?wait=${wait}`;
  }

  private async run(): Promise<void> {
    const wait = this.options.waitSeconds ?? 25;
    let first = true;
    while (!this.stopped) {
      // The first request does not wait: a replica starting up wants the current snapshot now.
      const ok = await this.once(first ? 0 : wait);
      if (first) {
        first = false;
        this.settleFirst();
      }
      if (!ok && !this.stopped) await this.sleep(this.options.retryMs ?? 1000);
    }
    this.settleFirst();
  }

  /** One request; false when it failed (the caller pauses before the next). */
  private async once(wait: number): Promise<boolean> {
    this.abort = new AbortController();
    const timer = setTimeout(() => this.abort?.abort(), (wait + 10) * 1000);
    try {
      const response = await fetch(this.url(wait), {
        headers: {
          accept: "application/json",
          ...(this.etag ? { "if-none-match": this.etag } : {}),
          ...(this.options.authorization ? { authorization: this.options.authorization } : {}),
        },
        signal: this.abort.signal,
      });
      const text = await response.text();
      if (response.status === 304) return this.reached();
      if (!response.ok) return this.failed(`HTTP ${response.status}: ${text.slice(0, 300)}`);
      const snapshot = JSON.parse(text) as RoutingSnapshot;
      this.etag = response.headers.get("etag") ?? snapshot.etag;
      this.reached();
      this.options.onSnapshot(snapshot);
      return true;
    } catch (err) {
      if (this.stopped) return true;
      return this.failed((err as Error).cause ? String((err as Error).cause) : (err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private reached(): boolean {
    if (!this.status.reachable && this.status.unreachableSince !== undefined) {
      this.options.logger.info({ deployment: this.options.deployment }, "control plane reachable again");
    }
    this.status = { reachable: true };
    return true;
  }

  private failed(why: string): boolean {
    if (this.status.reachable || this.status.unreachableSince === undefined) {
      this.options.logger.warn(
        { deployment: this.options.deployment, err: why },
        "control plane unreachable; serving the last routing snapshot",
      );
      this.status = { reachable: false, unreachableSince: Date.now(), lastError: why };
    } else {
      this.status = { ...this.status, lastError: why };
    }
    return false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
