// The alerts table of the Monitoring tab and of the Monitoring overview: each firing or resolved alert with its
// rule, the value that crossed the threshold, and whether it rolled a canary back.
import type { Alert } from "../api/monitoring-api";
import { formatNumber, formatRelative, formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";

/** Alerts newest first; with `withDeployment`, a column linking each to its deployment's Monitoring tab. */
export function AlertsTable({
  alerts,
  empty,
  withDeployment = false,
}: {
  alerts: Alert[];
  empty: string;
  withDeployment?: boolean;
}) {
  if (alerts.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="grid compact" aria-label="Alerts">
      <thead>
        <tr>
          {withDeployment && <th scope="col">Deployment</th>}
          <th scope="col">Rule</th>
          <th scope="col">State</th>
          <th scope="col">Severity</th>
          <th scope="col">Version</th>
          <th scope="col">Value / threshold</th>
          <th scope="col">Fired</th>
          <th scope="col">Resolved</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.id}>
            {withDeployment && (
              <td>
                <Link to={`${pathOf("deployments", a.deployment)}?tab=monitoring`}>{a.deployment}</Link>
              </td>
            )}
            <td>{a.ruleName}</td>
            <td>
              <span className={`badge ${a.state === "firing" ? "danger" : "ok"}`}>{a.state}</span>
            </td>
            <td>{a.severity}</td>
            <td>v{a.version}</td>
            <td className="num">
              {formatNumber(a.value)} / {formatNumber(a.threshold)}
            </td>
            <td title={formatTime(a.firedAt)}>{formatRelative(a.firedAt)}</td>
            <td title={formatTime(a.resolvedAt)}>
              {a.resolvedAt === undefined ? "–" : formatRelative(a.resolvedAt)}
            </td>
            <td>
              {a.message}
              {a.rolledBack && <span className="muted"> (canary rolled back)</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
