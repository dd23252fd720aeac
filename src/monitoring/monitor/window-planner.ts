// Which monitoring windows are closed and still to compute, pure (the clock is an argument). Time windows are
// aligned to multiples of their length since the epoch (hourly windows start on the hour, on every server);
// row windows are chunks of N logged rows in time order. A window closes only once `graceMs` has passed after
// its end, so the segments serving replicas were still writing (rotated every few seconds) have arrived.
import type { MonitoringSpec } from "../../delivery/deployment.js";

/** [start, end) in ms. */
export interface PlannedWindow {
  start: number;
  end: number;
}

export type WindowSize = NonNullable<MonitoringSpec["window"]>;

/** One hour, as MonitoringSpec documents its default. */
export const DEFAULT_WINDOW: WindowSize = { seconds: 3600 };

/**
 * Closed time windows from `after` on: the one containing `after` when nothing was computed yet (`after` is
 * then the first logged time), else from the last computed end. At most `max` (a long gap is caught up over
 * a few ticks).
 */
export function planTimeWindows(
  seconds: number,
  q: { after: number; now: number; graceMs: number; max: number },
): PlannedWindow[] {
  const size = seconds * 1000;
  const planned: PlannedWindow[] = [];
  for (let start = Math.floor(q.after / size) * size; planned.length < q.max; start += size) {
    const end = start + size;
    if (end + q.graceMs > q.now) break;
    planned.push({ start, end });
  }
  return planned;
}

/**
 * Closed row windows over `times` (the logged rows' times from `after` on, up to the upload cutoff, sorted):
 * each holds `rows` rows, or a few more when rows share the millisecond its last row was logged in (a window
 * is a time range, so rows of one millisecond never split). The rest waits for more rows.
 */
export function planRowWindows(
  times: readonly number[],
  q: { rows: number; after: number; max: number },
): PlannedWindow[] {
  const planned: PlannedWindow[] = [];
  let start = q.after;
  let i = 0;
  while (planned.length < q.max && i + q.rows <= times.length) {
    const end = (times[i + q.rows - 1] as number) + 1;
    i += q.rows;
    while (i < times.length && (times[i] as number) < end) i++;
    planned.push({ start, end });
    start = end;
  }
  return planned;
}
