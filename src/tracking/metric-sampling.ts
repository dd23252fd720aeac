// MLflow's sampling of metric histories for the UI's charts (get-history-bulk-interval): the steps to show
// are chosen once across all requested runs, so every run's line is drawn at the same steps, and each run's
// first and last step is always kept. This is the step sampling MLflow's handler did through 2.x and its
// tracking stores' shared implementation still does; over steps 0–9 with max_results=5 it keeps
// [0, 2, 4, 6, 8, 9].
import type { Metric } from "./entities.js";

export interface StepRange {
  start: number;
  end: number;
}

/** The first index in sorted `steps` whose step is ≥ `step` (Python's bisect_left). */
function bisectLeft(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((steps[mid] as number) < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in sorted `steps` whose step is > `step` (Python's bisect_right). */
function bisectRight(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (step < (steps[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Python's round(): halves go to the even neighbour, so the picked indices are the ones MLflow picks. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** At most `max` evenly spaced indices into `total` items, first and last included. */
export function evenlySpacedIndices(total: number, max: number): number[] {
  if (total <= 0) return [];
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  if (max === 1) return [total - 1];
  const stride = (total - 1) / (max - 1);
  const picked = new Set(Array.from({ length: max }, (_, i) => roundHalfEven(i * stride)));
  return [...picked].sort((a, b) => a - b);
}

/**
 * The steps to return: about `maxResults` of the distinct steps logged by any run (within `range`, which
 * defaults to 0 … the last step), plus each run's own first and last step when they fall in the range.
 */
export function sampledSteps(
  stepsPerRun: readonly (readonly number[])[],
  maxResults: number,
  range: StepRange | undefined,
): number[] {
  const allSteps = [...new Set(stepsPerRun.flat())].sort((a, b) => a - b);
  const { start, end } = range ?? { start: 0, end: allSteps[allSteps.length - 1] ?? 0 };
  const bounds = new Set<number>();
  for (const steps of stepsPerRun) {
    if (steps.length === 0) continue;
    for (const s of [Math.min(...steps), Math.max(...steps)]) if (start <= s && s <= end) bounds.add(s);
  }
  const from = bisectLeft(allSteps, start);
  const to = bisectRight(allSteps, end);
  const picked = new Set<number>();
  if (to - from <= maxResults) {
    for (const s of allSteps.slice(from, to)) picked.add(s);
  } else {
    const interval = (to - from) / maxResults;
    for (let i = 0; i < maxResults; i++) {
      const index = from + Math.floor(i * interval);
      if (index < to) picked.add(allSteps[index] as number);
    }
    picked.add(allSteps[to - 1] as number);
  }
  return [...new Set([...picked, ...bounds])].sort((a, b) => a - b);
}

/**
 * Each run's points at the sampled steps, in (step, timestamp) order. A run that logged many values at one
 * step is thinned evenly so no run returns more than max(maxResults, number of sampled steps) points.
 */
export function sampleMetricHistories(
  histories: ReadonlyMap<string, readonly Metric[]>,
  runIds: readonly string[],
  maxResults: number,
  range: StepRange | undefined,
): Metric[] {
  const perRun = Math.max(1, maxResults);
  const present = runIds.map((id) => histories.get(id) ?? []);
  const steps = sampledSteps(
    present.map((history) => history.map((m) => m.step)),
    perRun,
    range,
  );
  const keep = new Set(steps);
  const cap = Math.max(perRun, steps.length);
  return present.flatMap((history) => {
    const points = history
      .filter((m) => keep.has(m.step))
      .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    return evenlySpacedIndices(points.length, cap).map((i) => points[i] as Metric);
  });
}
