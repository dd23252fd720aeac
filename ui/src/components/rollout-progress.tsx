// How far the deployment's strategy has come: the canary's steps with the current one marked, the A/B
// test's split and request count, or the blue/green switch; then every analysis with each measurement's
// value next to the conditions it was judged against (a number alone says nothing: Flagger #1304, #1815).
import type {
  AnalysisTemplate,
  CanaryStep,
  DeploymentSpec,
  Measurement,
  RolloutState,
  StickyKey,
} from "../api/deployments-api";
import { formatNumber, formatTime } from "../lib/format";
import { PhaseBadge } from "./badges";

function stepText(step: CanaryStep): string {
  if ("setWeight" in step) return `Set canary weight to ${step.setWeight}%`;
  if ("pause" in step)
    return step.pause.duration === undefined
      ? "Pause until promoted"
      : `Pause for ${typeof step.pause.duration === "number" ? `${step.pause.duration}s` : step.pause.duration}`;
  return `Analysis: ${step.analysis.templates.join(", ")}`;
}

function stickyText(key: StickyKey): string {
  if ("header" in key) return `header ${key.header}`;
  if ("query" in key) return `query parameter ${key.query}`;
  if ("jsonField" in key) return `JSON field ${key.jsonField}`;
  return `cookie ${key.cookie}`;
}

function providerText(template: AnalysisTemplate | undefined): string | undefined {
  const p = template?.provider;
  if (!p) return undefined;
  if ("serving" in p) return `serving ${p.serving.metric} of the ${p.serving.of ?? "canary"}`;
  if ("prometheus" in p) return `Prometheus: ${p.prometheus.query}`;
  return `web check ${p.web.url}${p.web.jsonPath ? ` (${p.web.jsonPath})` : ""}`;
}

function CanarySteps({ spec, status }: { spec: DeploymentSpec; status: RolloutState }) {
  const canary = spec.strategy && "canary" in spec.strategy ? spec.strategy.canary : undefined;
  if (!canary) return null;
  const running = status.phase === "Progressing" || status.phase === "Paused";
  return (
    <>
      <p>
        Canary: version <strong>{canary.version}</strong> against primary version {spec.primary}; canary
        weight now <strong>{status.canaryWeight}%</strong>
        {canary.maxWeight !== undefined && <> (at most {canary.maxWeight}% before the final promotion)</>}.
      </p>
      <ol className="steps" aria-label="Canary steps">
        {canary.steps.map((step, i) => {
          const state =
            i < status.stepIndex ? "done" : i === status.stepIndex && running ? "current" : "todo";
          return (
            <li key={i} className={state} aria-current={state === "current" ? "step" : undefined}>
              <span className="step-mark" aria-hidden="true">
                {state === "done" ? "✓" : i + 1}
              </span>
              {stepText(step)}
              {state === "current" && (
                <span className="muted small">
                  {" "}
                  — current step, since {formatTime(status.stepStartedAt)}
                  {status.phase === "Paused" && " (paused)"}
                </span>
              )}
            </li>
          );
        })}
      </ol>
      {status.stepIndex >= canary.steps.length && (
        <p className="muted small">All {canary.steps.length} steps done.</p>
      )}
    </>
  );
}

function StrategySummary({ spec, status }: { spec: DeploymentSpec; status: RolloutState }) {
  const s = spec.strategy;
  if (!s)
    return (
      <p className="muted">
        No strategy: version {spec.primary} takes all live traffic, and a new primary takes over at once.
      </p>
    );
  if ("canary" in s) return <CanarySteps spec={spec} status={status} />;
  if ("abTest" in s) {
    const t = s.abTest;
    return (
      <p>
        A/B test: {t.split.map((v) => `version ${v.version} ${v.weight}%`).join(", ")}
        {t.sticky && <> — sticky by {stickyText(t.sticky)}</>}. {status.requestsSeen ?? 0} requests seen
        {t.iterations !== undefined && <> of {t.iterations}</>}
        {t.duration !== undefined && <>; ends after {String(t.duration)}</>}.
      </p>
    );
  }
  const g = s.blueGreen;
  return (
    <p>
      Blue/green: preview version <strong>{g.previewVersion}</strong>{" "}
      {status.canaryWeight >= 100 ? "has taken over live traffic" : "takes no live traffic yet"}
      {g.autoPromotion
        ? `; promoted automatically after ${g.autoPromotionSeconds ?? 0}s of healthy preview`
        : "; waits to be promoted"}
      . The old version stays loaded {g.scaleDownDelaySeconds ?? 30}s after the switch.
    </p>
  );
}

function MeasurementRow({ m, template }: { m: Measurement; template: AnalysisTemplate | undefined }) {
  const success = m.successCondition ?? template?.successCondition;
  const failure = m.failureCondition ?? template?.failureCondition;
  return (
    <tr>
      <td className="nowrap">{formatTime(m.finishedAt || m.startedAt)}</td>
      <td className="num mono">
        {m.value === undefined ? <span className="muted">no value</span> : formatNumber(m.value)}
      </td>
      <td className="mono">{success ?? <span className="muted">–</span>}</td>
      <td className="mono">{failure ?? <span className="muted">–</span>}</td>
      <td>
        <PhaseBadge phase={m.phase} />
      </td>
      <td className="wrap small">{m.message}</td>
    </tr>
  );
}

function Analyses({ spec, status }: { spec: DeploymentSpec; status: RolloutState }) {
  if (status.analyses.length === 0)
    return <p className="muted small">No analysis has run for this revision.</p>;
  return (
    <>
      {status.analyses.map((a, i) => {
        const template = spec.analysisTemplates?.find((t) => t.name === a.template);
        const provider = providerText(template);
        return (
          <section key={`${a.template}-${i}`} className="analysis card" aria-label={`Analysis ${a.template}`}>
            <h3>
              Analysis {a.template}{" "}
              <span className="muted small">
                {a.background ? "background" : `at step ${(a.stepIndex ?? 0) + 1}`}
              </span>{" "}
              <PhaseBadge phase={a.phase} />
            </h3>
            <p className="small">
              {provider && <>Measures {provider}. </>}
              {a.successful} successful · {a.failed} failed (limit {template?.failureLimit ?? 0}) ·{" "}
              {a.inconclusive} inconclusive (limit {template?.inconclusiveLimit ?? 0}) · {a.consecutiveErrors}{" "}
              errors in a row (limit {template?.consecutiveErrorLimit ?? 4})
              {a.phase === "Running" && a.nextAt > 0 && <> · next measurement {formatTime(a.nextAt)}</>}
            </p>
            {a.measurements.length > 0 && (
              <div className="table-scroll">
                <table className="grid compact measurements">
                  <thead>
                    <tr>
                      <th scope="col">Measured</th>
                      <th scope="col">Value</th>
                      <th scope="col">Success condition</th>
                      <th scope="col">Failure condition</th>
                      <th scope="col">Phase</th>
                      <th scope="col">Message</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...a.measurements].reverse().map((m, j) => (
                      <MeasurementRow key={j} m={m} template={template} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        );
      })}
    </>
  );
}

export function RolloutProgress({ spec, status }: { spec: DeploymentSpec; status: RolloutState }) {
  return (
    <div className="rollout">
      <StrategySummary spec={spec} status={status} />
      {status.message && <p className="small">{status.message}</p>}
      {status.phase === "Paused" && status.pauseReason && (
        <p className="warn-text small">Paused: {status.pauseReason}</p>
      )}
      <Analyses spec={spec} status={status} />
    </div>
  );
}
