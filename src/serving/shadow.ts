// Shadow traffic: after the caller has its answer, a sampled copy of the request goes to the shadow version and
// the two answers are compared. The caller never waits for the shadow and never sees its errors: mirroring
// starts after the reply, runs on the shadow's own batcher, and beyond a fixed number of shadow requests in
// flight a request is not mirrored at all (dropped and counted), so a slow shadow cannot pile up work.
import type { ShadowWindow } from "../delivery/observation.js";
import { bucketOf } from "../delivery/router.js";
import type { PredictionResult } from "./runtime.js";
import { LatencyWindow } from "./window-stats.js";

/** Default bound on shadow requests in flight (per serving process). */
export const DEFAULT_SHADOW_BUDGET = 64;

export interface ShadowTarget {
  version: string;
  /** Percent of requests mirrored (0–100). */
  percent: number;
  /** Runs the mirrored request on the shadow version; may be slow or fail — nobody waits for it. */
  score: () => Promise<PredictionResult>;
}

export interface ShadowOutcome {
  outcome: "answered" | "error" | "dropped";
  latencyMs?: number;
}

export class ShadowMirror {
  private inFlight = 0;
  private window: WindowCounts;

  constructor(
    private readonly budget = DEFAULT_SHADOW_BUDGET,
    private readonly onOutcome: (version: string, outcome: ShadowOutcome) => void = () => undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.window = new WindowCounts();
  }

  /** Whether a request (by its id) is in the shadow's sample. */
  static sampled(requestId: string, percent: number): boolean {
    return percent >= 100 || bucketOf(`shadow\n${requestId}`) < percent * 100;
  }

  /**
   * Mirrors one answered request (call after the reply is sent): `primary` is the JSON text of the primary's
   * predictions. Returns at once; the comparison lands in the current window when the shadow answers.
   */
  mirror(target: ShadowTarget, primary: string): void {
    if (this.inFlight >= this.budget) {
      this.window.forVersion(target.version).dropped++;
      this.onOutcome(target.version, { outcome: "dropped" });
      return;
    }
    this.inFlight++;
    const started = this.now();
    let answer: Promise<PredictionResult>;
    try {
      answer = target.score();
    } catch (err) {
      answer = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    answer
      .then(
        (result) => {
          // Counted in the window in which the shadow answered (an earlier one may have been reported already).
          const window = this.window.forVersion(target.version);
          const ms = this.now() - started;
          window.latency.add(ms);
          // Every finished copy is a request, failed ones too: the error rate is errors / requests.
          window.requests++;
          if (!result.ok) {
            window.errors++;
            this.onOutcome(target.version, { outcome: "error", latencyMs: ms });
            return;
          }
          window.compare(primary, result.predictions);
          this.onOutcome(target.version, { outcome: "answered", latencyMs: ms });
        },
        () => {
          const window = this.window.forVersion(target.version);
          const ms = this.now() - started;
          window.latency.add(ms);
          window.requests++;
          window.errors++;
          this.onOutcome(target.version, { outcome: "error", latencyMs: ms });
        },
      )
      .finally(() => {
        this.inFlight--;
      });
  }

  get pending(): number {
    return this.inFlight;
  }

  /** The comparison since the last call (undefined when nothing was mirrored or dropped), and a fresh window. */
  takeWindow(): ShadowWindow | undefined {
    const done = this.window;
    this.window = new WindowCounts();
    return done.summary();
  }
}

class VersionCounts {
  requests = 0;
  dropped = 0;
  errors = 0;
  compared = 0;
  agreed = 0;
  diffSum = 0;
  diffCount = 0;
  maxAbsDiff = 0;
  readonly latency = new LatencyWindow();

  constructor(readonly version: string) {}

  compare(primaryText: string, shadowText: string): void {
    const result = compareAnswers(primaryText, shadowText);
    this.compared++;
    if (result.agreed) this.agreed++;
    this.diffSum += result.diffSum;
    this.diffCount += result.diffCount;
    if (result.maxAbsDiff > this.maxAbsDiff) this.maxAbsDiff = result.maxAbsDiff;
  }
}

class WindowCounts {
  private current: VersionCounts | undefined;

  forVersion(version: string): VersionCounts {
    // A window is about one shadow version; a new shadow version starts its own (the old one's counts go).
    if (this.current?.version !== version) this.current = new VersionCounts(version);
    return this.current;
  }

  summary(): ShadowWindow | undefined {
    const c = this.current;
    if (c === undefined) return undefined;
    return {
      version: c.version,
      requests: c.requests,
      dropped: c.dropped,
      errors: c.errors,
      latencyMs: c.latency.summary(),
      compared: c.compared,
      agreed: c.agreed,
      meanAbsDiff: c.diffCount === 0 ? 0 : c.diffSum / c.diffCount,
      maxAbsDiff: c.maxAbsDiff,
    };
  }
}

export interface AnswerComparison {
  /** Every label (non-numeric or integer leaf) equal and the same shape. */
  agreed: boolean;
  diffSum: number;
  diffCount: number;
  maxAbsDiff: number;
}

/**
 * Compares two `predictions` values leaf by leaf: integers, strings and booleans are labels that must be equal
 * for the answers to agree; floats are scores whose absolute differences are summed (a regression agrees when
 * its shape does; how far apart it is says meanAbsDiff/maxAbsDiff).
 */
export function compareAnswers(primaryText: string, shadowText: string): AnswerComparison {
  const out: AnswerComparison = { agreed: true, diffSum: 0, diffCount: 0, maxAbsDiff: 0 };
  let a: unknown;
  let b: unknown;
  try {
    a = JSON.parse(primaryText);
    b = JSON.parse(shadowText);
  } catch {
    return { ...out, agreed: false };
  }
  const walk = (x: unknown, y: unknown): void => {
    if (typeof x === "number" && typeof y === "number") {
      const d = Math.abs(x - y);
      out.diffSum += d;
      out.diffCount++;
      if (d > out.maxAbsDiff) out.maxAbsDiff = d;
      if (Number.isInteger(x) && Number.isInteger(y) && x !== y) out.agreed = false;
      return;
    }
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) out.agreed = false;
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i]);
      return;
    }
    if (isRecord(x) && isRecord(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) {
        if (!Object.hasOwn(x, k) || !Object.hasOwn(y, k)) out.agreed = false;
        else walk(x[k], y[k]);
      }
      return;
    }
    if (x !== y) out.agreed = false;
  };
  walk(a, b);
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
