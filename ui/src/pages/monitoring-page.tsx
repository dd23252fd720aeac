// Monitoring across deployments: the alerts firing now and the latest ones resolved, each linking to its
// deployment's Monitoring tab (drift heatmap, distributions, quality), and the alert rules in force.
import { listAlertRules, listAlerts } from "../api/monitoring-api";
import { AlertsTable } from "../components/monitoring-alerts";
import { Async, CodeHint } from "../components/states";
import { Link, pathOf } from "../lib/router";
import { usePolling } from "../lib/use-polling";

export function MonitoringPage() {
  const state = usePolling(
    async () => {
      const [firing, recent, rules] = await Promise.all([
        listAlerts({ state: "firing" }),
        listAlerts({ state: "resolved", maxResults: 50 }),
        listAlertRules(),
      ]);
      return { firing, recent, rules };
    },
    [],
    10_000,
  );
  return (
    <section aria-labelledby="h-monitoring">
      <h1 id="h-monitoring">Monitoring</h1>
      <p className="small">
        Every deployment logs its predictions and is checked against its versions' baselines, window by
        window. Open a deployment&apos;s Monitoring tab from <Link to="/deployments">Deployments</Link> for
        its drift heatmap, distributions and quality.
      </p>
      <Async state={state} what="Alerts">
        {({ firing, recent, rules }) => (
          <>
            <h2>Firing now</h2>
            <AlertsTable alerts={firing} empty="No alert is firing." withDeployment />
            <h2>Recently resolved</h2>
            <AlertsTable alerts={recent} empty="No alert has resolved yet." withDeployment />
            <h2>Alert rules</h2>
            {rules.length === 0 ? (
              <>
                <p className="muted">No alert rules yet. Start from the defaults for a deployment:</p>
                <CodeHint>{"flowgate monitor alerts preset --deployment <name>"}</CodeHint>
              </>
            ) : (
              <table className="grid compact" aria-label="Alert rules">
                <thead>
                  <tr>
                    <th scope="col">Rule</th>
                    <th scope="col">Applies to</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Threshold</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Canary rollback</th>
                  </tr>
                </thead>
                <tbody>
                  {rules.map((r) => (
                    <tr key={r.id}>
                      <td>{r.name}</td>
                      <td>
                        {r.deployment !== undefined ? (
                          <Link to={`${pathOf("deployments", r.deployment)}?tab=monitoring`}>
                            {r.deployment}
                          </Link>
                        ) : (
                          <>
                            every deployment of <Link to={pathOf("models", r.model ?? "")}>{r.model}</Link>
                          </>
                        )}
                      </td>
                      <td className="mono">
                        {r.kind}
                        {r.method && ` (${r.method}${r.column ? ` on ${r.column}` : ""})`}
                        {r.metric && ` (${r.metric})`}
                      </td>
                      <td className="num">{r.threshold}</td>
                      <td>{r.severity}</td>
                      <td>{r.rollbackCanary ? "yes" : "no"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Async>
    </section>
  );
}
