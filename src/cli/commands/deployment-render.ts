// How deployments read in a terminal: the traffic split, the strategy and the rollout's progress (each
// measurement beside its threshold), and revisions with author, reason and diff. Pure: data in, text out.
import Table from "cli-table3";
import type { CanaryStep, DeploymentRevision, RolloutState, Strategy } from "../../delivery/deployment.js";
import type { DeploymentView } from "../../delivery/deployment.js";

/** A table, coloured only on a terminal: a pipe or a file gets plain text. */
function table(options: ConstructorParameters<typeof Table>[0] = {}): InstanceType<typeof Table> {
  return new Table(process.stdout.isTTY ? options : { ...options, style: { head: [], border: [] } });
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function stepText(step: CanaryStep): string {
  if ("setWeight" in step) return `${step.setWeight}%`;
  if ("pause" in step) return step.pause.duration === undefined ? "pause" : `pause ${step.pause.duration}`;
  return `analysis ${step.analysis.templates.join("+")}`;
}

export function strategyText(strategy: Strategy | undefined): string {
  if (strategy === undefined) return "none (primary takes all traffic)";
  if ("canary" in strategy) {
    const c = strategy.canary;
    const max = c.maxWeight === undefined ? "" : ` (max ${c.maxWeight}%)`;
    return `canary v${c.version}: ${c.steps.map(stepText).join(" → ")}${max}`;
  }
  if ("abTest" in strategy) {
    const sticky =
      strategy.abTest.sticky === undefined
        ? ""
        : `, sticky by ${Object.entries(strategy.abTest.sticky)[0]?.join(" ")}`;
    return `A/B ${strategy.abTest.split.map((s) => `v${s.version} ${s.weight}%`).join(" / ")}${sticky}`;
  }
  const g = strategy.blueGreen;
  return `blue/green: preview v${g.previewVersion}${g.autoPromotion === true ? ", auto-promotion" : ""}`;
}

function progressText(view: DeploymentView): string {
  const s = view.status;
  const strategy = view.spec.strategy;
  const parts: string[] = [s.phase];
  if (strategy !== undefined && "canary" in strategy && (s.phase === "Progressing" || s.phase === "Paused")) {
    parts.push(
      `step ${Math.min(s.stepIndex + 1, strategy.canary.steps.length)}/${strategy.canary.steps.length}`,
    );
    parts.push(`canary ${s.canaryWeight}%`);
  }
  if (s.pauseReason !== undefined && s.phase === "Paused") parts.push(s.pauseReason);
  if (s.abortRequested && s.phase !== "Aborted") parts.push("abort requested");
  if (s.promoteRequested !== undefined) parts.push(`promote (${s.promoteRequested}) requested`);
  return parts.join(", ");
}

function analysesText(state: RolloutState): string[] {
  return state.analyses.map((a) => {
    const last = a.measurements.at(-1);
    const counts = `${a.successful} ok, ${a.failed} failed, ${a.inconclusive} inconclusive, ${a.error} errors`;
    const measured =
      last === undefined
        ? "no measurement yet"
        : `last ${last.phase} ${last.value ?? "(no value)"}${last.successCondition === undefined ? "" : ` vs ${last.successCondition}`}${last.failureCondition === undefined ? "" : ` (fails on ${last.failureCondition})`}${last.message === undefined ? "" : ` — ${last.message}`}`;
    return `${a.template}${a.background ? " (background)" : ""}: ${a.phase}; ${counts}; ${measured}`;
  });
}

/** The deployment as `get` and `status` show it. */
export function deploymentText(view: DeploymentView): string {
  const r = view.routing;
  const t = table();
  t.push(
    { deployment: `${view.name} (model ${view.model}, revision ${view.revision})` },
    { status: progressText(view) },
    { routes: r.routes.map((route) => `v${route.version} ${route.role} ${route.weight}%`).join(", ") },
    { shadow: r.shadow === undefined ? "none" : `v${r.shadow.version} on ${r.shadow.percent}% of requests` },
    { warm: r.warm.length === 0 ? "none" : r.warm.map((v) => `v${v}`).join(", ") },
    { strategy: strategyText(view.spec.strategy) },
  );
  if (r.preview !== undefined) t.push({ preview: `v${r.preview.version} with header ${r.preview.header}` });
  if (view.spec.track !== undefined) t.push({ tracks: `@${view.spec.track.alias}` });
  if (view.spec.policy !== undefined) t.push({ policy: JSON.stringify(view.spec.policy.values) });
  for (const line of analysesText(view.status)) t.push({ analysis: line });
  if (view.status.message !== undefined) t.push({ message: view.status.message });
  const allowed = Object.entries(view.allowed)
    .filter(([, a]) => a.ok)
    .map(([action]) => action);
  t.push({ actions: allowed.length === 0 ? "none now" : allowed.join(", ") });
  t.push({ updated: `${iso(view.updatedAt)} by ${view.updatedBy}` });
  return t.toString();
}

export function deploymentsTable(views: readonly DeploymentView[]): string {
  const t = table({ head: ["name", "model", "revision", "status", "routes", "shadow", "updated"] });
  for (const v of views) {
    t.push([
      v.name,
      v.model,
      v.revision,
      v.status.phase,
      v.routing.routes.map((r) => `v${r.version} ${r.weight}%`).join(" "),
      v.routing.shadow === undefined ? "" : `v${v.routing.shadow.version} ${v.routing.shadow.percent}%`,
      `${iso(v.updatedAt)} ${v.updatedBy}`,
    ]);
  }
  return t.toString();
}

const shown = (value: unknown): string => (value === undefined ? "(none)" : JSON.stringify(value));

/** Revisions newest first: who, when, why, and each changed path with its before and after. */
export function historyText(revisions: readonly DeploymentRevision[]): string {
  return revisions
    .map((rev) => {
      const head = `revision ${rev.revision}  ${iso(rev.createdAt)}  ${rev.author}  "${rev.reason}"`;
      const diff =
        rev.diff.length === 0
          ? ["  (no change to the spec)"]
          : rev.diff.map((d) => `  ${d.path}: ${shown(d.before)} → ${shown(d.after)}`);
      return [head, ...diff].join("\n");
    })
    .join("\n\n");
}
