// Small SVG charts (no chart library): metric histories as lines, overlaid per run, and a scatter of a
// metric against a parameter. Non-finite values are skipped and counted in the caption.
import { formatNumber } from "../lib/format";

export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

const COLORS = [
  "#2563eb",
  "#dc2626",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#4d7c0f",
  "#7c2d12",
  "#475569",
];

export function seriesColor(i: number): string {
  return COLORS[i % COLORS.length] ?? "#000";
}

const W = 560;
const H = 220;
const PAD = { l: 56, r: 12, t: 10, b: 28 };

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

function ticks([lo, hi]: [number, number], n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

function Axes(props: { xs: [number, number]; ys: [number, number]; xLabel: string; xCategories?: string[] }) {
  const { xs, ys } = props;
  const sx = (x: number) => PAD.l + ((x - xs[0]) / (xs[1] - xs[0])) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - ys[0]) / (ys[1] - ys[0])) * (H - PAD.t - PAD.b);
  return (
    <g className="axes" fontSize="10" fill="#475569">
      <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} stroke="#94a3b8" />
      <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} stroke="#94a3b8" />
      {ticks(ys).map((t, i) => (
        <g key={`y${i}`}>
          <line x1={PAD.l} x2={W - PAD.r} y1={sy(t)} y2={sy(t)} stroke="#e2e8f0" />
          <text x={PAD.l - 4} y={sy(t) + 3} textAnchor="end">
            {formatNumber(t)}
          </text>
        </g>
      ))}
      {props.xCategories
        ? props.xCategories.map((c, i) => (
            <text key={`x${i}`} x={sx(i)} y={H - PAD.b + 14} textAnchor="middle">
              {c.length > 12 ? `${c.slice(0, 11)}…` : c}
            </text>
          ))
        : ticks(xs).map((t, i) => (
            <text key={`x${i}`} x={sx(t)} y={H - PAD.b + 14} textAnchor="middle">
              {formatNumber(Number.isInteger(xs[0]) && Number.isInteger(xs[1]) ? Math.round(t) : t)}
            </text>
          ))}
      <text x={W - PAD.r} y={H - 2} textAnchor="end">
        {props.xLabel}
      </text>
    </g>
  );
}

export function LineChart(props: { title: string; series: Series[]; xLabel?: string }) {
  const finite = props.series.map((s) => ({
    ...s,
    points: s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)).sort((a, b) => a.x - b.x),
  }));
  const skipped =
    props.series.reduce((n, s) => n + s.points.length, 0) - finite.reduce((n, s) => n + s.points.length, 0);
  const xs = extent(finite.flatMap((s) => s.points.map((p) => p.x)));
  const ys = extent(finite.flatMap((s) => s.points.map((p) => p.y)));
  const sx = (x: number) => PAD.l + ((x - xs[0]) / (xs[1] - xs[0])) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - ys[0]) / (ys[1] - ys[0])) * (H - PAD.t - PAD.b);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${props.title}: line chart`}>
        <Axes xs={xs} ys={ys} xLabel={props.xLabel ?? "step"} />
        {finite.map((s, i) => (
          <g key={s.label} stroke={seriesColor(i)} fill={seriesColor(i)}>
            <polyline
              fill="none"
              strokeWidth="1.5"
              points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ")}
            />
            {s.points.length <= 60 &&
              s.points.map((p, j) => (
                <circle key={j} cx={sx(p.x)} cy={sy(p.y)} r="2.5">
                  <title>{`${s.label} · step ${p.x}: ${formatNumber(p.y)}`}</title>
                </circle>
              ))}
          </g>
        ))}
      </svg>
      <figcaption>
        <strong>{props.title}</strong>
        {props.series.length > 1 &&
          props.series.map((s, i) => (
            <span key={s.label} className="legend">
              <i style={{ background: seriesColor(i) }} /> {s.label}
            </span>
          ))}
        {skipped > 0 && <span className="muted"> ({skipped} non-finite values not drawn)</span>}
      </figcaption>
    </figure>
  );
}

export function ScatterChart(props: {
  title: string;
  xLabel: string;
  points: { x: number | string; y: number; label: string }[];
}) {
  const numeric = props.points.every((p) => typeof p.x === "number" && Number.isFinite(p.x));
  const categories = numeric ? undefined : [...new Set(props.points.map((p) => String(p.x)))].sort();
  const xOf = (p: { x: number | string }) => (categories ? categories.indexOf(String(p.x)) : (p.x as number));
  const pts = props.points.filter((p) => Number.isFinite(p.y));
  const xs: [number, number] = categories
    ? [-0.5, Math.max(categories.length - 0.5, 0.5)]
    : extent(pts.map((p) => p.x as number));
  const ys = extent(pts.map((p) => p.y));
  const sx = (x: number) => PAD.l + ((x - xs[0]) / (xs[1] - xs[0])) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - ys[0]) / (ys[1] - ys[0])) * (H - PAD.t - PAD.b);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${props.title}: scatter plot`}>
        <Axes xs={xs} ys={ys} xLabel={props.xLabel} {...(categories ? { xCategories: categories } : {})} />
        {pts.map((p, i) => (
          <circle key={i} cx={sx(xOf(p))} cy={sy(p.y)} r="4" fill={seriesColor(i)}>
            <title>{`${p.label}: ${props.xLabel}=${String(p.x)}, ${formatNumber(p.y)}`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        <strong>{props.title}</strong>
      </figcaption>
    </figure>
  );
}
