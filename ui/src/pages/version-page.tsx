// One model version: facts, signature and model format (from its MLmodel), promotion gate results, the
// history of its transitions from the audit log, and the promote form.
import { useState } from "react";
import { loadModelInfo, loadVersionModelInfo, proxyArtifacts } from "../api/artifact-sources";
import { mlflow, errorText } from "../api/client";
import {
  evaluateGates,
  fetchPolicy,
  listAudit,
  listGateEvaluations,
  protectedTargets,
  type GateEvaluation,
} from "../api/governance-api";
import type { ModelVersion } from "../api/mlflow-types";
import { useCurrentSession, whyNot } from "../api/session";
import { ArtifactBrowser } from "../components/artifact-browser";
import { AliasChip, LifecycleBadges, StageBadge } from "../components/badges";
import { EditableDescription, EditableTags } from "../components/in-place-edit";
import { PromoteForm } from "../components/promote-form";
import { SignatureView } from "../components/signature-view";
import { Async } from "../components/states";
import { formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { useAsync } from "../lib/use-async";
import { AuditTable } from "./audit-page";

async function loadVersion(name: string, version: string) {
  const { model_version: mv } = await mlflow.get<{ model_version: ModelVersion }>("model-versions/get", {
    name,
    version,
  });
  const download = await mlflow
    .get<{ artifact_uri: string }>("model-versions/get-download-uri", { name, version })
    .then((r) => r.artifact_uri)
    .catch(() => (mv.source?.startsWith("mlflow-artifacts:") ? mv.source : undefined));
  // The registry's native model info (with requirements) when the server has it; else read the MLmodel.
  const info =
    (await loadVersionModelInfo(name, version).catch(() => undefined)) ??
    (download ? await loadModelInfo(download).catch(() => undefined) : undefined);
  return { mv, download, info };
}

function GateResults({ name, version }: { name: string; version: string }) {
  const session = useCurrentSession();
  const state = useAsync(() => listGateEvaluations(name, version), [name, version]);
  const [ran, setRan] = useState<GateEvaluation[]>();
  const [error, setError] = useState<string>();
  const policy = useAsync(() => fetchPolicy(name), [name]).data;
  // The policy's protected targets; Production until it is loaded (the server's built-in policy).
  const targets = policy ? protectedTargets(policy) : [{ kind: "stage" as const, name: "Production" }];
  const [chosen, setChosen] = useState(0);
  const target = targets[chosen] ?? targets[0];
  const blocked = whyNot(session, "model.request");
  const run = async () => {
    if (target === undefined) return;
    setError(undefined);
    try {
      setRan(await evaluateGates(name, version, target));
      state.reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <Async state={state} what="Gate results">
      {(stored) => {
        // After a run the stored list is reloaded (with target and time); `ran` only tells "no gates" apart.
        const list = ran !== undefined && ran.length === 0 ? ran : stored;
        return (
          <>
            {list.length === 0 ? (
              <p className="muted">
                {ran !== undefined
                  ? "The policy sets no gates for this target."
                  : "No gate has been evaluated for this version yet. Gates run when it is promoted to a protected target."}
              </p>
            ) : (
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">Gate</th>
                    <th scope="col">Target</th>
                    <th scope="col">Result</th>
                    <th scope="col">Detail</th>
                    <th scope="col">When</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((g, i) => (
                    <tr key={i}>
                      <td className="mono">{g.gate}</td>
                      <td>{g.target}</td>
                      <td>
                        <span className={`badge ${g.passed ? "ok" : "danger"}`}>
                          {g.passed ? "passed" : "failed"}
                        </span>
                      </td>
                      <td className="wrap">{g.message}</td>
                      <td>{formatTime(g.time)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {targets.length > 1 && (
              <select
                aria-label="Gates of"
                value={chosen}
                onChange={(e) => setChosen(Number(e.target.value))}
              >
                {targets.map((t, i) => (
                  <option key={`${t.kind}:${t.name}`} value={i}>
                    {t.kind === "stage" ? t.name : `@${t.name}`}
                  </option>
                ))}
              </select>
            )}{" "}
            <button
              type="button"
              className="secondary"
              disabled={blocked !== undefined || target === undefined}
              onClick={() => void run()}
            >
              {target === undefined
                ? "No protected target to evaluate"
                : `Evaluate ${target.kind === "stage" ? target.name : `@${target.name}`} gates now`}
            </button>
            {blocked && <span className="muted small"> Disabled: {blocked}</span>}
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}
          </>
        );
      }}
    </Async>
  );
}

/** Whether an alias event (before/after `{version}` or a bare version) concerns this version. */
function mentionsVersion(value: unknown, version: string): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "object") return String((value as { version?: unknown }).version) === version;
  return String(value) === version;
}

async function loadHistory(name: string, version: string) {
  const [own, aliases] = await Promise.all([
    listAudit({ target_type: "model_version", target_id: `${name}/${version}`, max_results: 200 }),
    // Alias moves are recorded on the alias (`name@alias`); keep those that point to or away from this version.
    listAudit({ target_type: "registered_model_alias", max_results: 500 }).catch(() => ({ events: [] })),
  ]);
  const aliasEvents = aliases.events.filter(
    (e) =>
      e.targetId.startsWith(`${name}@`) &&
      (mentionsVersion(e.after, version) || mentionsVersion(e.before, version)),
  );
  return [...own.events, ...aliasEvents].sort((a, b) => (b.time ?? 0) - (a.time ?? 0));
}

function History({ name, version }: { name: string; version: string }) {
  const state = useAsync(() => loadHistory(name, version), [name, version]);
  return (
    <Async state={state} what="Transition history">
      {(events) => <AuditTable events={events} empty="No recorded changes to this version." />}
    </Async>
  );
}

export function VersionPage({ name, version }: { name: string; version: string }) {
  const state = useAsync(() => loadVersion(name, version), [name, version]);
  const [notice, setNotice] = useState<string>();
  return (
    <Async state={state} what="Model version">
      {({ mv, download, info }) => (
        <article aria-labelledby="h-version">
          <nav className="crumbs" aria-label="Breadcrumb">
            <Link to="/models">Models</Link> / <Link to={pathOf("models", name)}>{name}</Link> /
          </nav>
          <h1 id="h-version">
            {name} version {mv.version} <StageBadge stage={mv.current_stage} />{" "}
            {(mv.aliases ?? []).map((a) => (
              <AliasChip key={a} alias={a} />
            ))}{" "}
            <LifecycleBadges tags={mv.tags} />
          </h1>
          <EditableDescription
            label="Version description"
            value={mv.description}
            save={(description) => mlflow.patch("model-versions/update", { name, version, description })}
            onSaved={state.reload}
          />
          <dl className="facts">
            <dt>Created</dt>
            <dd>
              {formatTime(mv.creation_timestamp)} {mv.user_id && `by ${mv.user_id}`}
            </dd>
            <dt>Status</dt>
            <dd>{mv.status}</dd>
            <dt>Source run</dt>
            <dd>{mv.run_id ? <Link to={pathOf("runs", mv.run_id)}>{mv.run_id}</Link> : "–"}</dd>
            <dt>Source</dt>
            <dd className="mono">{mv.source}</dd>
            {mv.model_id && (
              <>
                <dt>Logged model</dt>
                <dd className="mono">{mv.model_id}</dd>
              </>
            )}
            <dt>URI</dt>
            <dd className="mono">
              models:/{name}/{mv.version}
            </dd>
            <dt>Tags</dt>
            <dd>
              <EditableTags
                tags={mv.tags}
                setTag={(key, value) => mlflow.post("model-versions/set-tag", { name, version, key, value })}
                deleteTag={(key) => mlflow.delete("model-versions/delete-tag", { name, version, key })}
                onSaved={state.reload}
              />
            </dd>
          </dl>

          <section aria-labelledby="h-promote">
            <h2 id="h-promote">Promote</h2>
            {notice && (
              <p className="notice" role="status">
                {notice}
              </p>
            )}
            <PromoteForm
              name={name}
              version={mv.version}
              {...(mv.current_stage ? { currentStage: mv.current_stage } : {})}
              onDone={(m) => {
                setNotice(m);
                state.reload();
              }}
            />
          </section>

          <section aria-labelledby="h-signature">
            <h2 id="h-signature">Signature and model info</h2>
            {info ? (
              <SignatureView info={info} />
            ) : (
              <p className="muted">No MLmodel found for this version{download ? ` at ${download}` : ""}.</p>
            )}
            {download?.startsWith("mlflow-artifacts:") && (
              <details>
                <summary>Model files</summary>
                <ArtifactBrowser source={proxyArtifacts(download)} />
              </details>
            )}
          </section>

          <section aria-labelledby="h-gates">
            <h2 id="h-gates">Promotion gates</h2>
            <GateResults name={name} version={mv.version} />
          </section>

          <section aria-labelledby="h-history">
            <h2 id="h-history">History</h2>
            <History name={name} version={mv.version} />
          </section>
        </article>
      )}
    </Async>
  );
}
