// The Monitoring tab's pictures: the drift heatmap (features × windows, each cell a window's decision for a
// column, coloured by level and said in words to screen readers), and a column's reference vs current
// distribution as paired bars (shares, so a baseline of 100 000 rows compares with a window of 500).
import type { ColumnReport, DriftLevel, Histogram, VersionReport } from "../api/monitoring-api";
import { formatNumber, formatTime } from "../lib/format";

export const LEVEL_COLORS: Record<DriftLevel, string> = { ok: "#16a34a", warn: "#d97706", alert: "#dc2626" };
const REFERENCE = "#64748b";
const CURRENT = "#2563eb";

export function LevelBadge({ level }: { level: DriftLevel }) {
  const cls = level === "alert" ? "danger" : level;
  return <span className={`badge ${cls}`}>{level}</span>;
}

const columnName = (c: ColumnReport) => (c.role === "prediction" ? `prediction: ${c.column}` : c.column);
const shortTime = (ms: number) => formatTime(ms).slice(5, 16);

/** Rows are columns (inputs, then predictions), columns are the version's windows, oldest first. */
export function DriftHeatmap({ version }: { version: VersionReport }) {
  const windows = version.windows.filter((w) => w.drift !== undefined);
  const columns = version.columns.filter((c) => c.overTime.length > 0);
  if (windows.length === 0 || columns.length === 0)
    return <p className="muted">No window of version {version.version} was tested for drift yet.</p>;
  return (
    <>
      <p className="small muted">
        Each cell is one window&apos;s decision for a column: <LevelBadge level="ok" />{" "}
        <LevelBadge level="warn" /> <LevelBadge level="alert" />
      </p>
      <div className="table-scroll">
        <table
          className="grid compact heatmap"
          aria-label={`Drift heatmap of version ${version.version}`}
          // As wide as its windows: a few windows stay small squares instead of bands across the page.
          style={{ width: "auto" }}
        >
          <thead>
            <tr>
              <th scope="col">Feature</th>
              {windows.map((w) => (
                <th scope="col" key={w.start} className="small nowrap" title={formatTime(w.start)}>
                  {shortTime(w.start)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {columns.map((c) => {
              const byStart = new Map(c.overTime.map((p) => [p.start, p]));
              return (
                <tr key={`${c.role}-${c.column}`}>
                  <th scope="row" className="nowrap">
                    {columnName(c)}
                  </th>
                  {windows.map((w) => {
                    const p = byStart.get(w.start);
                    const label = p
                      ? `${columnName(c)}, window ${formatTime(w.start)}: ${p.method} ${formatNumber(p.score)} (threshold ${formatNumber(p.threshold)}), ${p.level}`
                      : `${columnName(c)}, window ${formatTime(w.start)}: not tested`;
                    return (
                      <td
                        key={w.start}
                        title={label}
                        data-level={p?.level ?? "none"}
                        style={{ background: p ? LEVEL_COLORS[p.level] : "#f1f5f9", minWidth: "1.6rem" }}
                      >
                        <span className="sr-only">{label}</span>
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function labelsOf(h: Histogram): string[] {
  if (h.kind === "categorical") return [...h.categories, "(other)"];
  return h.counts.map((_, i) => `${formatNumber(h.binEdges[i])}–${formatNumber(h.binEdges[i + 1])}`);
}

function sharesOf(h: Histogram | undefined): number[] {
  if (!h) return [];
  const all = [...h.counts, ...(h.kind === "categorical" ? [h.other] : [])];
  const total = all.reduce((a, b) => a + b, 0);
  return all.map((c) => (total > 0 ? c / total : 0));
}

/** Paired bars per bin or category: the baseline (grey) and everything logged in the range (blue). */
export function DistributionChart({ column, title }: { column: ColumnReport; title: string }) {
  const base = column.reference ?? column.current;
  if (!base)
    return (
      <p className="muted">No distribution for {columnName(column)}: the baseline has no such column.</p>
    );
  const labels = labelsOf(base);
  const ref = sharesOf(column.reference);
  const cur = sharesOf(column.current);
  const W = 640;
  const H = 240;
  const pad = { l: 44, r: 8, t: 10, b: 42 };
  const top = Math.max(0.01, ...ref, ...cur);
  const slot = (W - pad.l - pad.r) / Math.max(1, labels.length);
  const bar = Math.max(1, slot * 0.4);
  const plotH = H - pad.t - pad.b;
  const y = (v: number) => pad.t + plotH - (v / top) * plotH;
  const every = Math.ceil(labels.length / 10);
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-label={`${title}: reference vs current distribution`}
        fontSize="12"
        fill="#334155"
      >
        {[0, top / 2, top].map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} stroke="#e2e8f0" />
            <text x={pad.l - 4} y={y(t) + 4} textAnchor="end">{`${(100 * t).toFixed(0)}%`}</text>
          </g>
        ))}
        {labels.map((label, i) => {
          const x = pad.l + i * slot + slot * 0.1;
          return (
            <g key={`${label}-${i}`}>
              {(
                [
                  ["reference", ref[i], REFERENCE],
                  ["current", cur[i], CURRENT],
                ] as const
              ).map(([side, v, color], k) =>
                v === undefined ? null : (
                  <rect
                    key={side}
                    x={x + k * bar}
                    y={y(v)}
                    width={bar}
                    height={pad.t + plotH - y(v)}
                    fill={color}
                  >
                    <title>{`${side} ${label}: ${(100 * v).toFixed(1)}%`}</title>
                  </rect>
                ),
              )}
              {i % every === 0 && (
                <text x={x + bar} y={H - pad.b + 16} textAnchor="middle">
                  {label.length > 12 ? `${label.slice(0, 11)}…` : label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>{title}</strong>
        <span className="legend">
          <i style={{ background: REFERENCE }} /> reference
        </span>
        <span className="legend">
          <i style={{ background: CURRENT }} /> current {column.current ? "" : "(nothing logged)"}
        </span>
        {column.range && (
          <span className="small">
            whole range: {column.range.method} {formatNumber(column.range.score)} (threshold{" "}
            {formatNumber(column.range.threshold)}) <LevelBadge level={column.range.level} />
          </span>
        )}
      </figcaption>
    </figure>
  );
}
