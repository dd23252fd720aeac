// One colour per run, kept in this browser (as MLflow's UI keeps its run colours), so a run has the same
// colour in the runs table, the chart view, the compare page and its own page. The runs page hands out
// colours in list order, avoiding those already on screen; a run never listed there gets one from its id.

const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#65a30d",
  "#b45309",
  "#475569",
  "#4f46e5",
  "#0d9488",
];
const STORAGE_KEY = "flowgate.run-colors";
/** Assignments kept; the oldest are dropped past this. */
const MAX_KEPT = 5000;

/** The i-th colour of the palette (for series that are not runs, e.g. groups). */
export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length] ?? "#000";
}

function hashColor(runId: string): string {
  let h = 2166136261;
  for (let i = 0; i < runId.length; i++) h = Math.imul(h ^ runId.charCodeAt(i), 16777619) >>> 0;
  return paletteColor(h % PALETTE.length);
}

let assigned: Map<string, string> | undefined;

function stored(): Map<string, string> {
  if (!assigned) {
    assigned = new Map();
    try {
      const raw = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]") as [string, string][];
      for (const [id, color] of raw) assigned.set(id, color);
    } catch {
      /* no storage or a damaged entry: start afresh */
    }
  }
  return assigned;
}

export function runColor(runId: string): string {
  return stored().get(runId) ?? hashColor(runId);
}

/** Gives each run in `runIds` (in order) a colour if it has none, preferring colours not used by the others. */
export function assignRunColors(runIds: string[]): void {
  const map = stored();
  const fresh = runIds.filter((id) => !map.has(id));
  if (fresh.length === 0) return;
  const uses = new Map(PALETTE.map((c) => [c, 0]));
  for (const id of runIds) {
    const c = map.get(id);
    if (c !== undefined) uses.set(c, (uses.get(c) ?? 0) + 1);
  }
  for (const id of fresh) {
    // The least used colour, earliest in the palette on a tie.
    let best = PALETTE[0] ?? "#000";
    for (const c of PALETTE) if ((uses.get(c) ?? 0) < (uses.get(best) ?? 0)) best = c;
    map.set(id, best);
    uses.set(best, (uses.get(best) ?? 0) + 1);
  }
  const entries = [...map.entries()].slice(-MAX_KEPT);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(entries));
  } catch {
    /* storage full or disabled: colours last for this page view */
  }
}
