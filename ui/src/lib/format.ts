// Display formatting shared by every page.

export function formatTime(ms: number | string | undefined): string {
  if (ms === undefined || ms === "" || ms === null) return "–";
  const n = typeof ms === "number" ? ms : Number(ms);
  if (!Number.isFinite(n) || n <= 0) return "–";
  return new Date(n).toISOString().replace("T", " ").slice(0, 19);
}

export function formatDuration(start: number | string | undefined, end: number | string | undefined): string {
  const s = Number(start);
  const e = Number(end);
  if (!Number.isFinite(s) || !Number.isFinite(e) || e < s || s === 0 || e === 0) return "–";
  const sec = (e - s) / 1000;
  if (sec < 60) return `${sec.toFixed(1)} s`;
  if (sec < 3600) return `${(sec / 60).toFixed(1)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}

export function formatNumber(value: number | string | undefined): string {
  if (value === undefined) return "";
  const n = typeof value === "number" ? value : Number(value);
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "∞" : "-∞";
  if (Number.isInteger(n) && Math.abs(n) < 1e12) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return n.toExponential(3);
  return String(Number(n.toPrecision(5)));
}

export function formatBytes(value: number | string | undefined): string {
  const n = Number(value);
  if (!Number.isFinite(n)) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Quote a key for the MLflow search grammar (backticks allow any character but a backtick). */
export function quoteKey(key: string): string {
  return /^[A-Za-z_][\w.]*$/.test(key) ? key : `\`${key}\``;
}

const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600e3],
  ["month", 30 * 24 * 3600e3],
  ["week", 7 * 24 * 3600e3],
  ["day", 24 * 3600e3],
  ["hour", 3600e3],
  ["minute", 60e3],
];

/** "3 minutes ago", "yesterday", "2 months ago"; "just now" under a minute. Pair with formatTime in a title. */
export function formatRelative(ms: number | string | undefined, now = Date.now()): string {
  const n = Number(ms);
  if (ms === undefined || !Number.isFinite(n) || n <= 0) return "–";
  const diff = n - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return RELATIVE.format(Math.round(diff / size), unit);
  }
  return "just now";
}
