// Where the controller's measurements come from, behind one interface so the loop is tested with scripted
// readings and served by the real providers (serving observations, Prometheus, a web check) in the server.
import type { MetricProvider } from "../deployment.js";

/**
 * One reading: a number, no data (nothing was measured — judged a failure), or an error (the provider could
 * not answer — counted against consecutiveErrorLimit).
 */
export type MetricReading = { value: number } | { noData: string } | { error: string };

/** What a provider needs to know to measure one deployment over one interval. */
export interface MetricContext {
  deployment: string;
  model: string;
  primary: string;
  /** The version under test (canary, preview, or the first A/B variant); undefined when none. */
  canary?: string | undefined;
  /** The interval measured: fromMs < t <= toMs. */
  fromMs: number;
  toMs: number;
}

export interface MetricSource {
  measure(provider: MetricProvider, ctx: MetricContext): Promise<MetricReading>;
}
