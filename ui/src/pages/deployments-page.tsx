// Every deployment (or one model's, with ?model=): which version is primary, where live traffic goes now,
// the rollout's phase and revision. Polled, so a running canary's split moves here too.
import { listDeployments } from "../api/deployments-api";
import { PhaseBadge } from "../components/badges";
import { Async, CodeHint, Empty } from "../components/states";
import { TrafficSplit } from "../components/traffic-split";
import { formatRelative, formatTime } from "../lib/format";
import { Link, navigate, pathOf, type Location } from "../lib/router";
import { usePolling } from "../lib/use-polling";

export function DeploymentsPage({ location }: { location: Location }) {
  const model = location.query.get("model") ?? undefined;
  const token = location.query.get("page") ?? undefined;
  const state = usePolling(
    () => listDeployments({ ...(model ? { model } : {}), ...(token ? { pageToken: token } : {}) }),
    [model, token],
    5000,
  );
  const nextPage = (next: string) => {
    const qs = new URLSearchParams(location.query);
    qs.set("page", next);
    navigate(`/deployments?${qs.toString()}`);
  };
  return (
    <section aria-labelledby="h-deployments">
      <h1 id="h-deployments">Deployments{model && <> of {model}</>}</h1>
      {model && (
        <p className="small">
          Showing the deployments of <Link to={pathOf("models", model)}>{model}</Link>.{" "}
          <Link to="/deployments">Show all</Link>
        </p>
      )}
      <Async state={state} what="Deployments">
        {({ deployments, nextPageToken }) =>
          deployments.length === 0 && !token ? (
            <Empty title={model ? `${model} has no deployments.` : "No deployments yet."}>
              <p>
                A deployment pins model versions behind a traffic policy (shadow, canary, A/B, blue/green).
                Create one with the CLI:
              </p>
              <CodeHint>{`flowgate deployments create fraud --model ${model ?? "fraud-detector"} --primary @champion --reason "First deployment"`}</CodeHint>
            </Empty>
          ) : (
            <>
              <div className="table-scroll">
                <table className="grid stack-narrow deployments">
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Model</th>
                      <th scope="col">Primary</th>
                      <th scope="col">Traffic now</th>
                      <th scope="col">Phase</th>
                      <th scope="col">Revision</th>
                      <th scope="col">Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {deployments.map((d) => (
                      <tr key={d.name}>
                        <td data-label="Name">
                          <Link to={pathOf("deployments", d.name)}>{d.name}</Link>
                        </td>
                        <td data-label="Model">
                          <Link to={pathOf("models", d.model)}>{d.model}</Link>
                        </td>
                        <td data-label="Primary">
                          <Link to={pathOf("models", d.model, "versions", d.spec.primary)}>
                            version {d.spec.primary}
                          </Link>
                        </td>
                        <td data-label="Traffic now">
                          <TrafficSplit routing={d.routing} compact />
                        </td>
                        <td data-label="Phase">
                          <PhaseBadge phase={d.status.phase} />
                        </td>
                        <td data-label="Revision" className="num">
                          {d.revision}
                        </td>
                        <td data-label="Updated" className="nowrap" title={formatTime(d.updatedAt)}>
                          {formatRelative(d.updatedAt)} <span className="muted">by {d.updatedBy}</span>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="pager">
                {token && (
                  <button type="button" className="secondary" onClick={() => window.history.back()}>
                    Previous page
                  </button>
                )}
                {nextPageToken && (
                  <button type="button" onClick={() => nextPage(nextPageToken)}>
                    Next page
                  </button>
                )}
              </div>
            </>
          )
        }
      </Async>
    </section>
  );
}
