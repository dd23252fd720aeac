// Small SVG charts (no chart library): metric histories as lines, overlaid per run; a metric's value across
// runs as bars; a metric against a parameter as a scatter. Each chart is drawn at the pixel width of its box
// (not scaled from a fixed viewBox), so labels stay 12 px at any width. A series carries its run's colour.
// Non-finite values are skipped and counted in the caption.
import { useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { formatNumber } from "../lib/format";
import { paletteColor } from "../lib/run-color";

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  /** The run's colour; the palette by position when absent. */
  color?: string;
}

const H = 260;
const FONT = 12;
const PAD = { l: 64, r: 16, t: 12, b: 40 };

/** The content width of an element, following resizes (the chart's own box decides its size). */
function useWidth(initial = 480): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.max(240, Math.floor(el.clientWidth)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

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

function scales(width: number, xs: [number, number], ys: [number, number]) {
  return {
    sx: (x: number) => PAD.l + ((x - xs[0]) / (xs[1] - xs[0])) * (width - PAD.l - PAD.r),
    sy: (y: number) => H - PAD.b - ((y - ys[0]) / (ys[1] - ys[0])) * (H - PAD.t - PAD.b),
  };
}

function Axes(props: {
  width: number;
  xs: [number, number];
  ys: [number, number];
  xLabel: string;
  xCategories?: string[];
}) {
  const { xs, ys, width } = props;
  const { sx, sy } = scales(width, xs, ys);
  const xTicks = width < 400 ? 3 : 5;
  return (
    <g className="axes" fontSize={FONT} fill="#475569">
      <line x1={PAD.l} y1={H - PAD.b} x2={width - PAD.r} y2={H - PAD.b} stroke="#94a3b8" />
      <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} stroke="#94a3b8" />
      {ticks(ys).map((t, i) => (
        <g key={`y${i}`}>
          <line x1={PAD.l} x2={width - PAD.r} y1={sy(t)} y2={sy(t)} stroke="#e2e8f0" />
          <text x={PAD.l - 6} y={sy(t) + 4} textAnchor="end">
            {formatNumber(t)}
          </text>
        </g>
      ))}
      {props.xCategories
        ? props.xCategories.map((c, i) => (
            <text key={`x${i}`} x={sx(i)} y={H - PAD.b + 16} textAnchor="middle">
              {c.length > 14 ? `${c.slice(0, 13)}…` : c}
            </text>
          ))
        : ticks(xs, xTicks).map((t, i) => (
            <text key={`x${i}`} x={sx(t)} y={H - PAD.b + 16} textAnchor="middle">
              {formatNumber(Number.isInteger(xs[0]) && Number.isInteger(xs[1]) ? Math.round(t) : t)}
            </text>
          ))}
      <text x={width - PAD.r} y={H - 4} textAnchor="end">
        {props.xLabel}
      </text>
    </g>
  );
}

function Figure(props: { title: string; caption?: ReactNode; children: (width: number) => ReactNode }) {
  const [ref, width] = useWidth();
  return (
    <figure className="chart" ref={ref}>
      {props.children(width)}
      <figcaption>
        <strong>{props.title}</strong>
        {props.caption}
      </figcaption>
    </figure>
  );
}

export function LineChart(props: { title: string; series: Series[]; xLabel?: string }) {
  const finite = props.series.map((s, i) => ({
    ...s,
    color: s.color ?? paletteColor(i),
    points: s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)).sort((a, b) => a.x - b.x),
  }));
  const skipped =
    props.series.reduce((n, s) => n + s.points.length, 0) - finite.reduce((n, s) => n + s.points.length, 0);
  const xs = extent(finite.flatMap((s) => s.points.map((p) => p.x)));
  const ys = extent(finite.flatMap((s) => s.points.map((p) => p.y)));
  return (
    <Figure
      title={props.title}
      caption={
        <>
          {props.series.length > 1 &&
            finite.map((s) => (
              <span key={s.label} className="legend">
                <i style={{ background: s.color }} /> {s.label}
              </span>
            ))}
          {skipped > 0 && <span className="muted"> ({skipped} non-finite values not drawn)</span>}
        </>
      }
    >
      {(width) => {
        const { sx, sy } = scales(width, xs, ys);
        return (
          <svg width={width} height={H} role="img" aria-label={`${props.title}: line chart`}>
            <Axes width={width} xs={xs} ys={ys} xLabel={props.xLabel ?? "step"} />
            {finite.map((s) => (
              <g key={s.label} stroke={s.color} fill={s.color}>
                <polyline
                  fill="none"
                  strokeWidth="2"
                  points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" ")}
                />
                {s.points.length <= 60 &&
                  s.points.map((p, j) => (
                    <circle key={j} cx={sx(p.x)} cy={sy(p.y)} r="3">
                      <title>{`${s.label} · ${props.xLabel ?? "step"} ${p.x}: ${formatNumber(p.y)}`}</title>
                    </circle>
                  ))}
              </g>
            ))}
          </svg>
        );
      }}
    </Figure>
  );
}

/** One horizontal bar per run (or group): a metric's latest value across runs, as MLflow's chart view shows it. */
export function BarChart(props: { title: string; bars: { label: string; value: number; color: string }[] }) {
  const bars = props.bars.filter((b) => Number.isFinite(b.value));
  const skipped = props.bars.length - bars.length;
  const row = 26;
  const labelWidth = 150;
  const height = Math.max(1, bars.length) * row + 28;
  const [lo, hi] = extent([0, ...bars.map((b) => b.value)]);
  return (
    <Figure
      title={props.title}
      caption={skipped > 0 && <span className="muted"> ({skipped} non-finite values not drawn)</span>}
    >
      {(width) => {
        const plot = width - labelWidth - 70;
        const sx = (v: number) => labelWidth + ((v - lo) / (hi - lo)) * plot;
        return (
          <svg width={width} height={height} role="img" aria-label={`${props.title}: bar chart`}>
            <g fontSize={FONT} fill="#334155">
              {bars.map((b, i) => {
                const y = 8 + i * row;
                const x0 = sx(Math.max(lo, Math.min(0, hi)));
                const x1 = sx(b.value);
                return (
                  <g key={`${b.label}-${i}`}>
                    <text x={labelWidth - 8} y={y + 14} textAnchor="end">
                      {b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label}
                    </text>
                    <rect
                      x={Math.min(x0, x1)}
                      y={y + 2}
                      width={Math.max(1, Math.abs(x1 - x0))}
                      height={row - 8}
                      fill={b.color}
                      rx="2"
                    >
                      <title>{`${b.label}: ${formatNumber(b.value)}`}</title>
                    </rect>
                    <text x={Math.max(x0, x1) + 6} y={y + 14}>
                      {formatNumber(b.value)}
                    </text>
                  </g>
                );
              })}
            </g>
          </svg>
        );
      }}
    </Figure>
  );
}

export function ScatterChart(props: {
  title: string;
  xLabel: string;
  points: { x: number | string; y: number; label: string; color?: string }[];
}) {
  const numeric = props.points.every((p) => typeof p.x === "number" && Number.isFinite(p.x));
  const categories = numeric ? undefined : [...new Set(props.points.map((p) => String(p.x)))].sort();
  const xOf = (p: { x: number | string }) => (categories ? categories.indexOf(String(p.x)) : (p.x as number));
  const pts = props.points.filter((p) => Number.isFinite(p.y));
  const xs: [number, number] = categories
    ? [-0.5, Math.max(categories.length - 0.5, 0.5)]
    : extent(pts.map((p) => p.x as number));
  const ys = extent(pts.map((p) => p.y));
  return (
    <Figure title={props.title}>
      {(width) => {
        const { sx, sy } = scales(width, xs, ys);
        return (
          <svg width={width} height={H} role="img" aria-label={`${props.title}: scatter plot`}>
            <Axes
              width={width}
              xs={xs}
              ys={ys}
              xLabel={props.xLabel}
              {...(categories ? { xCategories: categories } : {})}
            />
            {pts.map((p, i) => (
              <circle key={i} cx={sx(xOf(p))} cy={sy(p.y)} r="5" fill={p.color ?? paletteColor(i)}>
                <title>{`${p.label}: ${props.xLabel}=${String(p.x)}, ${formatNumber(p.y)}`}</title>
              </circle>
            ))}
          </svg>
        );
      }}
    </Figure>
  );
}
