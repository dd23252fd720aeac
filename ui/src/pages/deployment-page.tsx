// One deployment, live: where traffic goes now, the strategy's progress with every analysis measurement and
// its threshold, the serving metrics per version and the shadow's agreement, the revision history with
// diffs, and the actions (pause, resume, promote, abort, rollback) the server allows this user now.
import { useState } from "react";
import { getDeployment, listRevisions } from "../api/deployments-api";
import { PhaseBadge } from "../components/badges";
import { DeploymentActions } from "../components/deployment-actions";
import { DeploymentCharts } from "../components/deployment-charts";
import { RevisionHistory } from "../components/revision-history";
import { RolloutProgress } from "../components/rollout-progress";
import { Async } from "../components/states";
import { TrafficSplit } from "../components/traffic-split";
import { formatRelative, formatTime } from "../lib/format";
import { Link, navigate, pathOf, useLocation } from "../lib/router";
import { useAsync } from "../lib/use-async";
import { usePolling } from "../lib/use-polling";
import { DeploymentMonitoring } from "./deployment-monitoring";

function strategyName(spec: { strategy?: object }): string {
  const s = spec.strategy;
  if (!s) return "none (primary only)";
  if ("canary" in s) return "canary";
  if ("abTest" in s) return "A/B test";
  return "blue/green";
}

export function DeploymentPage({ name }: { name: string }) {
  const state = usePolling(() => getDeployment(name), [name], 2000);
  // The history changes only with a new revision: load it again when the revision number moves.
  const revision = state.data?.revision;
  const revisions = useAsync(
    () => (revision === undefined ? Promise.resolve([]) : listRevisions(name)),
    [name, revision],
  );
  const [notice, setNotice] = useState<string>();
  // The Monitoring tab is in the URL (?tab=monitoring), so a link can open it.
  const tab = useLocation().query.get("tab") === "monitoring" ? "monitoring" : "overview";

  return (
    <Async state={state} what="Deployment">
      {(view) => (
        <article aria-labelledby="h-deployment">
          <nav className="crumbs" aria-label="Breadcrumb">
            <Link to="/deployments">Deployments</Link> /
          </nav>
          <h1 id="h-deployment">
            {view.name} <PhaseBadge phase={view.status.phase} />
          </h1>
          <dl className="facts">
            <dt>Model</dt>
            <dd>
              <Link to={pathOf("models", view.model)}>{view.model}</Link>
            </dd>
            <dt>Primary</dt>
            <dd>
              <Link to={pathOf("models", view.model, "versions", view.spec.primary)}>
                version {view.spec.primary}
              </Link>
              {view.spec.track && <span className="muted"> (tracks @{view.spec.track.alias})</span>}
            </dd>
            <dt>Strategy</dt>
            <dd>{strategyName(view.spec)}</dd>
            <dt>Revision</dt>
            <dd>
              {view.revision}{" "}
              <span className="muted" title={formatTime(view.updatedAt)}>
                updated {formatRelative(view.updatedAt)} by {view.updatedBy}
              </span>
            </dd>
            <dt>Created</dt>
            <dd>
              {formatTime(view.createdAt)} <span className="muted">by {view.createdBy}</span>
            </dd>
          </dl>

          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          <DeploymentActions
            view={view}
            revisions={revisions.data ?? []}
            onDone={(message) => {
              setNotice(message);
              state.reload();
            }}
          />

          <div className="segmented tabs" role="tablist" aria-label="Deployment views">
            {(["overview", "monitoring"] as const).map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? undefined : "secondary"}
                onClick={() =>
                  navigate(
                    `${pathOf("deployments", view.name)}${t === "monitoring" ? "?tab=monitoring" : ""}`,
                    {
                      replace: true,
                    },
                  )
                }
              >
                {t === "overview" ? "Overview" : "Monitoring"}
              </button>
            ))}
          </div>

          {tab === "monitoring" ? (
            <section role="tabpanel" aria-label="Monitoring">
              <h2>Monitoring</h2>
              <DeploymentMonitoring name={view.name} />
            </section>
          ) : (
            <section role="tabpanel" aria-label="Overview">
              <h2>Traffic</h2>
              <TrafficSplit routing={view.routing} />

              <h2>Progress</h2>
              <RolloutProgress spec={view.spec} status={view.status} />

              <h2>Serving metrics</h2>
              <DeploymentCharts name={view.name} />

              <h2>Revision history</h2>
              <Async state={revisions} what="Revisions">
                {(list) => <RevisionHistory revisions={list} current={view.revision} />}
              </Async>
            </section>
          )}
        </article>
      )}
    </Async>
  );
}
