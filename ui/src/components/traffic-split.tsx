// Where a deployment's live traffic goes now: one bar whose segments are the routes' weights, a legend
// that says the same in words, and what takes no live share (the shadow copy, the preview header, the warm
// versions kept loaded for an instant rollback). A version keeps its colour on every chart of the page.
import type { RoutingSnapshot } from "../api/deployments-api";

// No red: on a deployment page red means failure, and a healthy primary must not look like one.
const VERSION_PALETTE = [
  "#2563eb",
  "#16a34a",
  "#9333ea",
  "#ea580c",
  "#0891b2",
  "#be185d",
  "#65a30d",
  "#4f46e5",
  "#0d9488",
  "#475569",
];

/** A version's colour, from its number, so it is the same in the bar, the charts and the list. */
export function versionColor(version: string): string {
  const n = Number(version);
  const i = Number.isInteger(n) && n > 0 ? n - 1 : version.length;
  return VERSION_PALETTE[i % VERSION_PALETTE.length] ?? "#475569";
}

/** "v3 90% · v4 10%" */
export function splitText(routing: RoutingSnapshot): string {
  return routing.routes.map((r) => `v${r.version} ${r.weight}%`).join(" · ");
}

export function TrafficSplit({ routing, compact = false }: { routing: RoutingSnapshot; compact?: boolean }) {
  const routes = routing.routes.filter((r) => r.weight > 0);
  const label = `Traffic split: ${routing.routes
    .map((r) => `version ${r.version} (${r.role}) ${r.weight}%`)
    .join(", ")}`;
  return (
    <div className={compact ? "split compact" : "split"}>
      <div className="split-bar" role="img" aria-label={label}>
        {routes.map((r) => (
          <span
            key={r.version}
            style={{ width: `${r.weight}%`, background: versionColor(r.version) }}
            title={`version ${r.version} (${r.role}): ${r.weight}%`}
          >
            {!compact && r.weight >= 8 ? `v${r.version} ${r.weight}%` : ""}
          </span>
        ))}
      </div>
      {compact ? (
        <span className="small">{splitText(routing)}</span>
      ) : (
        <ul className="split-legend">
          {routing.routes.map((r) => (
            <li key={r.version}>
              <i className="swatch" style={{ background: versionColor(r.version) }} />
              Version {r.version} <span className="muted">({r.role})</span>: <strong>{r.weight}%</strong>
            </li>
          ))}
          {routing.shadow && (
            <li>
              <i className="swatch shadow" />
              Shadow: version {routing.shadow.version} gets a copy of {routing.shadow.percent}% of requests{" "}
              <span className="muted">(callers never see its answers)</span>
            </li>
          )}
          {routing.preview && (
            <li>
              Preview: version {routing.preview.version}, only for requests with header{" "}
              <code>{routing.preview.header}</code>
            </li>
          )}
          {routing.warm.length > 0 && (
            <li className="muted">
              Kept warm for rollback: {routing.warm.map((v) => `version ${v}`).join(", ")}
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
