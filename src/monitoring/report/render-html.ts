// The monitoring report as ONE self-contained HTML file: inline CSS and inline SVG, no script, no external
// asset, so it opens from a mail attachment or a CI artifact as it is. A summary first, the alerts, then per
// version its windows, a chart per column (reference vs current, drift over time) and every decision with its
// thresholds. Every name and message in it comes from users or models: all of it is escaped.
import { P_VALUE_METHODS, type Alert, type ColumnDrift, type DriftLevel } from "../monitoring.js";
import type { ColumnReport, MonitoringReport, ReportWindow, VersionReport } from "./report.js";
import {
  LEVEL_COLORS,
  distributionSvg,
  driftOverTimeSvg,
  escapeHtml as e,
  formatValue,
} from "./svg-charts.js";

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#0f172a;margin:0;background:#f8fafc}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0}
h3{font-size:15px;margin:18px 0 6px}
.muted{color:#64748b}
dl.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px;margin:16px 0}
dl.summary div{background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:8px 12px}
dl.summary dt{color:#64748b;font-size:12px}dl.summary dd{margin:0;font-size:18px;font-weight:600}
table{border-collapse:collapse;background:#fff;margin:8px 0;width:100%}
th,td{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;font-size:13px}
th{background:#f1f5f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
.level{display:inline-block;padding:0 6px;border-radius:8px;color:#fff;font-size:12px}
.features{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:12px}
figure.feature{background:#fff;border:1px solid #e2e8f0;border-radius:6px;margin:0;padding:8px}
figure.feature figcaption{font-weight:600;margin-bottom:4px}.small{font-size:12px;margin:2px 0}
details{margin:8px 0}
`;

const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
const shortTime = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace("T", " ");

function level(l: DriftLevel): string {
  return `<span class="level" style="background:${LEVEL_COLORS[l]}">${l}</span>`;
}

function summary(r: MonitoringReport): string {
  const s = r.summary;
  const items: [string, string][] = [
    ["Worst level", level(s.worstLevel)],
    ["Windows", String(s.windows)],
    ["Rows logged", String(s.rows)],
    ["Windows with data drift", String(s.driftedWindows)],
    ["Windows with prediction drift", String(s.predictionDriftWindows)],
    ["Alerts (firing)", `${s.alerts} (${s.firingAlerts})`],
  ];
  return `<dl class="summary">${items.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join("")}</dl>`;
}

function alertsTable(alerts: Alert[]): string {
  if (alerts.length === 0) return `<p class="muted">No alert in this range.</p>`;
  const rows = alerts.map(
    (a) =>
      `<tr><td>${e(a.ruleName)}</td><td>${e(a.severity)}</td><td>${e(a.state)}</td><td>${e(a.version)}</td>` +
      `<td>${e(a.kind)}</td><td class="num">${formatValue(a.value)}</td><td class="num">${formatValue(a.threshold)}</td>` +
      `<td>${time(a.firedAt)}</td><td>${a.resolvedAt === undefined ? "–" : time(a.resolvedAt)}</td>` +
      `<td>${e(a.message)}${a.rolledBack ? " (canary rolled back)" : ""}</td></tr>`,
  );
  return (
    `<table><thead><tr><th>Rule</th><th>Severity</th><th>State</th><th>Version</th><th>Kind</th><th>Value</th>` +
    `<th>Threshold</th><th>Fired</th><th>Resolved</th><th>Message</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
  );
}

function quality(w: ReportWindow): string {
  const q = w.quality;
  if (!q) return "–";
  const metrics = (["accuracy", "precision", "recall", "f1", "auc", "rmse", "mae"] as const)
    .filter((m) => q[m] !== undefined)
    .map((m) => {
      const expected = w.expectedQuality?.[m];
      return `${m} ${formatValue(q[m] as number)}${expected === undefined ? "" : ` (expected ${formatValue(expected)})`}`;
    });
  return `${e(metrics.join(", "))} <span class="muted">on ${q.labelled} labels</span>`;
}

function windowsTable(v: VersionReport): string {
  if (v.windows.length === 0) return `<p class="muted">No window stored for this version in the range.</p>`;
  const rows = v.windows.map((w) => {
    const d = w.drift;
    return (
      `<tr><td>${time(w.start)}</td><td>${time(w.end)}</td><td class="num">${w.rows}</td>` +
      (d
        ? `<td class="num">${d.driftedColumns}/${d.testedColumns} (${formatValue(d.share)} ≥ ${formatValue(d.driftShare)}?)</td>` +
          `<td>${level(d.level)}</td><td>${level(d.predictionLevel)}</td>`
        : `<td colspan="3" class="muted">no baseline: not tested</td>`) +
      `<td>${quality(w)}</td></tr>`
    );
  });
  return (
    `<table><thead><tr><th>Start</th><th>End</th><th>Rows</th><th>Drifted columns (share ≥ drift share?)</th>` +
    `<th>Data drift</th><th>Prediction drift</th><th>Quality</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
  );
}

/** "ks p-value 0.0012 (alert below 0.05)" or "psi 0.31 (alert at 0.1 or more)". */
function decisionText(d: ColumnDrift): string {
  return P_VALUE_METHODS.includes(d.method)
    ? `${d.method} p-value ${formatValue(d.score)} (drifts below ${formatValue(d.threshold)})`
    : `${d.method} ${formatValue(d.score)} (drifts at ${formatValue(d.threshold)} or more)`;
}

function rangeLine(v: VersionReport): string {
  const d = v.rangeDrift;
  if (!d) return "";
  return (
    `<p>Over the whole range: ${d.driftedColumns} of ${d.testedColumns} input columns drift ` +
    `(share ${formatValue(d.share)}, the dataset drifts at ${formatValue(d.driftShare)}): data drift ${level(d.level)}, ` +
    `prediction drift ${level(d.predictionLevel)}</p>`
  );
}

function feature(c: ColumnReport): string {
  const name = c.column;
  const dist = distributionSvg(name, c.reference, c.current);
  const over = driftOverTimeSvg(name, c.overTime, shortTime);
  return (
    `<figure class="feature" data-column="${e(c.column)}" data-role="${c.role}">` +
    `<figcaption>${e(name)} <span class="muted">(${c.role === "prediction" ? "model output, " : ""}${c.kind})</span> ${level(c.worstLevel)}</figcaption>` +
    (c.range ? `<p class="small">Whole range: ${e(decisionText(c.range))} ${level(c.range.level)}</p>` : "") +
    (dist || `<p class="muted">No distribution: the baseline has no such column.</p>`) +
    (over || `<p class="muted">No window tested this column.</p>`) +
    `</figure>`
  );
}

function decisionsTable(v: VersionReport): string {
  const rows = v.columns.flatMap((c) =>
    c.overTime.map(
      (p) =>
        `<tr><td>${time(p.start)}</td><td>${e(c.column)}</td><td>${c.role}</td><td>${e(p.method)}</td>` +
        `<td class="num">${formatValue(p.score)}</td><td class="num">${formatValue(p.threshold)}</td>` +
        `<td class="num">${formatValue(p.warnThreshold)}</td><td>${p.drifted ? "yes" : "no"}</td><td>${level(p.level)}</td></tr>`,
    ),
  );
  if (rows.length === 0) return `<p class="muted">No drift decision in the range.</p>`;
  return (
    `<table class="decisions"><thead><tr><th>Window start</th><th>Column</th><th>Role</th><th>Method</th>` +
    `<th>Score</th><th>Alert threshold</th><th>Warn threshold</th><th>Drifted</th><th>Level</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

function version(v: VersionReport): string {
  const b = v.baseline;
  return (
    `<section class="version" id="version-${e(v.version)}"><h2>Version ${e(v.version)}</h2>` +
    (b
      ? `<p class="muted">Baseline: ${b.rows} rows from ${e(b.source.kind)}${"name" in b.source ? ` ${e(b.source.name)}` : ""}, set ${time(b.createdAt)}. ${v.rows} rows logged in the range.</p>`
      : `<p class="muted">No baseline for this version: set one with <code>flowgate monitor baseline set</code> to test drift.</p>`) +
    rangeLine(v) +
    `<h3>Windows</h3>${windowsTable(v)}` +
    (v.columns.length === 0
      ? ""
      : `<h3>Features</h3><div class="features">${v.columns.map(feature).join("")}</div>` +
        `<h3>Decisions</h3><details open><summary>Every column's decision per window, with its thresholds</summary>${decisionsTable(v)}</details>`) +
    `</section>`
  );
}

export function renderReportHtml(report: MonitoringReport): string {
  const title = `Monitoring report: ${report.deployment}`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${e(title)}</title><style>${CSS}</style></head><body><main>` +
    `<h1>${e(title)}</h1>` +
    `<p class="muted">Model ${e(report.model)}${report.version === undefined ? "" : `, version ${e(report.version)}`} · ` +
    `${time(report.from)} to ${time(report.to)} UTC · generated ${time(report.generatedAt)}</p>` +
    summary(report) +
    `<h2>Alerts</h2>${alertsTable(report.alerts)}` +
    (report.versions.length === 0
      ? `<p class="muted">Nothing was logged or monitored in this range.</p>`
      : report.versions.map(version).join("")) +
    `</main></body></html>\n`
  );
}
