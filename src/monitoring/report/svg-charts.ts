// The report's two charts as SVG text, drawn on the server so the HTML file needs no script: a column's
// reference and current distributions as paired bars (shares, so sides of different sizes compare), and its
// drift score per window as a line with the alert and warn thresholds. Every text goes through `escapeHtml`.
import type { DriftLevel } from "../monitoring.js";
import { shares } from "./histograms.js";
import type { DriftPoint, Histogram } from "./report.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe in HTML content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export function formatValue(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "∞" : "-∞";
  if (Number.isInteger(n) && Math.abs(n) < 1e12) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}

export const LEVEL_COLORS: Record<DriftLevel, string> = { ok: "#16a34a", warn: "#d97706", alert: "#dc2626" };
export const REFERENCE_COLOR = "#64748b";
export const CURRENT_COLOR = "#2563eb";

const W = 560;
const H = 220;
const PAD = { l: 48, r: 12, t: 12, b: 44 };

/** Labels of a histogram's bars: bin ranges or categories, then "other" for a categorical one. */
export function barLabels(h: Histogram): string[] {
  if (h.kind === "categorical") return [...h.categories, "(other)"];
  return h.counts.map(
    (_, i) => `${formatValue(h.binEdges[i] ?? NaN)}–${formatValue(h.binEdges[i + 1] ?? NaN)}`,
  );
}

function short(label: string, max = 12): string {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

/** Paired bars per bin: reference (grey) and current (blue), as shares of each side's values. */
export function distributionSvg(title: string, reference?: Histogram, current?: Histogram): string {
  const base = reference ?? current;
  if (!base) return "";
  const labels = barLabels(base);
  const ref = reference ? shares(reference) : [];
  const cur = current ? shares(current) : [];
  const top = Math.max(0.01, ...ref, ...cur);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const slot = plotW / Math.max(1, labels.length);
  const bar = Math.max(1, slot * 0.4);
  const y = (v: number) => PAD.t + plotH - (v / top) * plotH;
  const every = Math.ceil(labels.length / 10);
  const parts: string[] = [];
  labels.forEach((label, i) => {
    const x = PAD.l + i * slot + slot * 0.1;
    const sides: [string, number[], string][] = [
      ["reference", ref, REFERENCE_COLOR],
      ["current", cur, CURRENT_COLOR],
    ];
    sides.forEach(([side, values, color], k) => {
      const v = values[i];
      if (v === undefined) return;
      parts.push(
        `<rect x="${(x + k * bar).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bar.toFixed(1)}" height="${(PAD.t + plotH - y(v)).toFixed(1)}" fill="${color}"><title>${escapeHtml(`${side} ${label}: ${(100 * v).toFixed(1)}%`)}</title></rect>`,
      );
    });
    if (i % every === 0) {
      parts.push(
        `<text x="${(x + bar).toFixed(1)}" y="${H - PAD.b + 14}" text-anchor="middle">${escapeHtml(short(label))}</text>`,
      );
    }
  });
  const axis = [0, top / 2, top].map(
    (t) =>
      `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e2e8f0"/>` +
      `<text x="${PAD.l - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${(100 * t).toFixed(0)}%</text>`,
  );
  return (
    `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" ` +
    `aria-label="${escapeHtml(`${title}: reference vs current distribution`)}" font-size="11" fill="#334155">` +
    axis.join("") +
    parts.join("") +
    `<rect x="${PAD.l}" y="${H - 16}" width="10" height="10" fill="${REFERENCE_COLOR}"/>` +
    `<text x="${PAD.l + 14}" y="${H - 7}">reference</text>` +
    `<rect x="${PAD.l + 90}" y="${H - 16}" width="10" height="10" fill="${CURRENT_COLOR}"/>` +
    `<text x="${PAD.l + 104}" y="${H - 7}">current</text>` +
    `</svg>`
  );
}

/** The drift score per window (points coloured by level) with the alert threshold (red) and warn (amber). */
export function driftOverTimeSvg(
  title: string,
  points: DriftPoint[],
  timeLabel: (t: number) => string,
): string {
  if (points.length === 0) return "";
  const values = points.flatMap((p) => [p.score, p.threshold, p.warnThreshold]).filter(Number.isFinite);
  const top = Math.max(1e-9, ...values) * 1.1;
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const x = (i: number) => PAD.l + (points.length === 1 ? plotW / 2 : (i / (points.length - 1)) * plotW);
  const y = (v: number) => PAD.t + plotH - (Math.min(Math.max(v, 0), top) / top) * plotH;
  const last = points[points.length - 1] as DriftPoint;
  const line = (v: number, color: string, name: string) =>
    `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${color}" stroke-dasharray="5 4"><title>${escapeHtml(`${name} ${formatValue(v)}`)}</title></line>`;
  const finite = points.map((p, i) => ({ p, i })).filter(({ p }) => Number.isFinite(p.score));
  const polyline = finite.map(({ p, i }) => `${x(i).toFixed(1)},${y(p.score).toFixed(1)}`).join(" ");
  const dots = finite.map(
    ({ p, i }) =>
      `<circle cx="${x(i).toFixed(1)}" cy="${y(p.score).toFixed(1)}" r="3" fill="${LEVEL_COLORS[p.level]}"><title>${escapeHtml(`${timeLabel(p.start)}: ${p.method} ${formatValue(p.score)} (${p.level})`)}</title></circle>`,
  );
  const axis = [0, top / 2, top].map(
    (t) => `<text x="${PAD.l - 4}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatValue(t)}</text>`,
  );
  const ends = [
    `<text x="${PAD.l}" y="${H - PAD.b + 14}">${escapeHtml(timeLabel((points[0] as DriftPoint).start))}</text>`,
    points.length > 1
      ? `<text x="${W - PAD.r}" y="${H - PAD.b + 14}" text-anchor="end">${escapeHtml(timeLabel(last.start))}</text>`
      : "",
  ];
  const pValue = ["ks", "chisquare", "z"].includes(last.method);
  return (
    `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" ` +
    `aria-label="${escapeHtml(`${title}: drift score over time`)}" font-size="11" fill="#334155">` +
    `<line x1="${PAD.l}" x2="${PAD.l}" y1="${PAD.t}" y2="${PAD.t + plotH}" stroke="#94a3b8"/>` +
    `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${PAD.t + plotH}" y2="${PAD.t + plotH}" stroke="#94a3b8"/>` +
    axis.join("") +
    line(last.warnThreshold, LEVEL_COLORS.warn, "warn threshold") +
    line(last.threshold, LEVEL_COLORS.alert, "alert threshold") +
    (finite.length > 1
      ? `<polyline fill="none" stroke="#334155" stroke-width="1.5" points="${polyline}"/>`
      : "") +
    dots.join("") +
    ends.join("") +
    `<text x="${PAD.l}" y="${H - 7}">${escapeHtml(
      `${last.method} ${pValue ? "p-value: drift below the red line" : "distance: drift at or above the red line"}`,
    )}</text>` +
    `</svg>`
  );
}
