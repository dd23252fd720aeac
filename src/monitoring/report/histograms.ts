// A reference profile's column and the current one as two histograms on the same bins, so a chart can draw
// them side by side. Numeric columns: the current profile was counted on the reference's edges, so the bins
// are the reference's. Categorical: the categories of either side, the reference's most frequent first, at
// most MAX_CATEGORIES of them drawn; the rest are summed as "other" on both sides alike.
import type { ColumnProfile } from "../monitoring.js";
import type { Histogram } from "./report.js";

/** Bars a categorical chart can still label. */
export const MAX_CATEGORIES = 30;

function numeric(profile: Extract<ColumnProfile, { kind: "numeric" }>): Histogram {
  return {
    kind: "numeric",
    binEdges: [...profile.binEdges],
    counts: [...profile.binCounts],
    missing: profile.missing,
  };
}

function categorical(
  profile: Extract<ColumnProfile, { kind: "categorical" }>,
  categories: string[],
): Histogram {
  const kept = new Set(categories);
  let other = profile.other;
  for (const [category, count] of Object.entries(profile.frequencies))
    if (!kept.has(category)) other += count;
  return {
    kind: "categorical",
    categories,
    counts: categories.map((c) => profile.frequencies[c] ?? 0),
    other,
    missing: profile.missing,
  };
}

/** The categories drawn for a column: by reference count, then by current count, then by name. */
function categoriesOf(profiles: (ColumnProfile | undefined)[]): string[] {
  const rank = new Map<string, [number, number]>();
  profiles.forEach((p, side) => {
    if (p?.kind !== "categorical") return;
    for (const [category, count] of Object.entries(p.frequencies)) {
      const r = rank.get(category) ?? [0, 0];
      r[side] = count;
      rank.set(category, r);
    }
  });
  return [...rank.entries()]
    .sort(([a, [ra, ca]], [b, [rb, cb]]) => rb - ra || cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_CATEGORIES)
    .map(([c]) => c);
}

/** Histograms of the reference and current profiles of one column (either may be absent). */
export function histogramPair(
  reference: ColumnProfile | undefined,
  current: ColumnProfile | undefined,
): { reference?: Histogram; current?: Histogram } {
  const kind = reference?.kind ?? current?.kind;
  if (kind === "numeric") {
    // A current column of another kind than the reference's cannot share its bins: it is left out.
    return {
      ...(reference?.kind === "numeric" ? { reference: numeric(reference) } : {}),
      ...(current?.kind === "numeric" && (reference === undefined || reference.kind === "numeric")
        ? { current: numeric(current) }
        : {}),
    };
  }
  const categories = categoriesOf([reference, current]);
  return {
    ...(reference?.kind === "categorical" ? { reference: categorical(reference, categories) } : {}),
    ...(current?.kind === "categorical" ? { current: categorical(current, categories) } : {}),
  };
}

/** Each bar's share of the histogram's values (missing ones excluded), so sides of different sizes compare. */
export function shares(h: Histogram): number[] {
  const all = [...h.counts, ...(h.kind === "categorical" ? [h.other] : [])];
  const total = all.reduce((a, b) => a + b, 0);
  return all.map((c) => (total > 0 ? c / total : 0));
}
