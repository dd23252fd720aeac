// One colour per run, derived from its id, so a run keeps its colour in the runs table, the chart view, the
// compare page and its own page, whatever order or subset of runs a page shows.

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#4d7c0f",
  "#b45309",
  "#475569",
  "#4f46e5",
  "#0d9488",
];

/** The i-th colour of the palette (for series that are not runs, e.g. groups). */
export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] ?? "#000";
}

/** A hue spread from a hash of the id (a continuous wheel, so two runs rarely share a colour). */
export function runColor(runId: string): string {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619) >>> 0;
  return `hsl(${h % 360} 72% 40%)`;
}
