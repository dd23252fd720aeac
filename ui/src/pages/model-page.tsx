// One registered model: its description and tags, every version (stage, aliases, created, source run,
// description, tags, deprecation/sunset), the lineage of each version's run (data_version, git commit),
// promote per version and a one-click rollback of Production to the newest archived version.
import { Fragment, useState } from "react";
import { mlflow, errorText } from "../api/client";
import { tagValue, type ModelVersion, type RegisteredModel, type Run } from "../api/mlflow-types";
import { useCurrentSession, whyNot } from "../api/session";
import { AliasChip, LifecycleBadges, StageBadge, TagList, isDeprecated } from "../components/badges";
import { EditableDescription, EditableTags } from "../components/in-place-edit";
import { PromoteForm } from "../components/promote-form";
import { Async, Empty } from "../components/states";
import { formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { useAsync } from "../lib/use-async";

interface ModelData {
  model: RegisteredModel;
  versions: ModelVersion[];
  runs: Map<string, Run>;
}

async function loadModel(name: string): Promise<ModelData> {
  const [{ registered_model: model }, search] = await Promise.all([
    mlflow.get<{ registered_model: RegisteredModel }>("registered-models/get", { name }),
    mlflow.get<{ model_versions?: ModelVersion[] }>("model-versions/search", {
      filter: `name = ${name.includes("'") ? `"${name}"` : `'${name}'`}`,
      max_results: 1000,
      order_by: ["version_number DESC"],
    }),
  ]);
  const versions = (search.model_versions ?? []).sort((a, b) => Number(b.version) - Number(a.version));
  // Lineage: the runs behind the newest versions (data version, git commit). Missing runs are skipped.
  const runIds = [
    ...new Set(
      versions
        .slice(0, 30)
        .map((v) => v.run_id)
        .filter((id): id is string => !!id),
    ),
  ];
  const runs = new Map<string, Run>();
  await Promise.all(
    runIds.map((id) =>
      mlflow.get<{ run: Run }>("runs/get", { run_id: id }).then(
        (r) => void runs.set(id, r.run),
        () => undefined,
      ),
    ),
  );
  return { model, versions, runs };
}

export function ModelPage({ name }: { name: string }) {
  const state = useAsync(() => loadModel(name), [name]);
  const session = useCurrentSession();
  const [open, setOpen] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<string>();
  const [rollbackReason, setRollbackReason] = useState("");

  const done = (message: string) => {
    setNotice(message);
    setError(undefined);
    setOpen(undefined);
    state.reload();
  };

  const rollback = async (to: ModelVersion) => {
    setError(undefined);
    try {
      await mlflow.post(
        "model-versions/transition-stage",
        {
          name,
          version: to.version,
          stage: "Production",
          archive_existing_versions: true,
        },
        rollbackReason,
      );
      done(`Rolled back: version ${to.version} is in Production again.`);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <Async state={state} what="Model">
      {({ model, versions, runs }) => {
        const prod = versions.find((v) => v.current_stage === "Production");
        const rollbackTo = prod
          ? versions
              // A deprecated version is not a safe place to go back to.
              .filter(
                (v) =>
                  v.current_stage === "Archived" &&
                  Number(v.version) < Number(prod.version) &&
                  !isDeprecated(v.tags),
              )
              .sort((a, b) => Number(b.version) - Number(a.version))[0]
          : undefined;
        const rollbackBlocked = whyNot(session, "model.promote");
        const aliases = model.aliases ?? [];
        return (
          <article aria-labelledby="h-model">
            <nav className="crumbs" aria-label="Breadcrumb">
              <Link to="/models">Models</Link> /
            </nav>
            <h1 id="h-model">
              {model.name} <LifecycleBadges tags={model.tags} />
            </h1>
            <EditableDescription
              label="Model description"
              value={model.description}
              save={(description) => mlflow.patch("registered-models/update", { name, description })}
              onSaved={state.reload}
            />
            <dl className="facts">
              <dt>Created</dt>
              <dd>{formatTime(model.creation_timestamp)}</dd>
              <dt>Last updated</dt>
              <dd>{formatTime(model.last_updated_timestamp)}</dd>
              <dt>Aliases</dt>
              <dd>
                {aliases.length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  aliases.map((a) => <AliasChip key={a.alias} alias={`${a.alias} → v${a.version}`} />)
                )}
              </dd>
              <dt>Deployments</dt>
              <dd>
                <Link to={`/deployments?model=${encodeURIComponent(model.name)}`}>
                  Deployments of {model.name}
                </Link>
              </dd>
              <dt>Tags</dt>
              <dd>
                <EditableTags
                  tags={model.tags}
                  setTag={(key, value) => mlflow.post("registered-models/set-tag", { name, key, value })}
                  deleteTag={(key) => mlflow.delete("registered-models/delete-tag", { name, key })}
                  onSaved={state.reload}
                />
              </dd>
            </dl>

            {notice && (
              <p className="notice" role="status">
                {notice}
              </p>
            )}
            {error && (
              <p className="field-error" role="alert">
                {error}
              </p>
            )}

            {prod && (
              <div className="rollback card">
                <strong>Production: version {prod.version}</strong>{" "}
                {rollbackTo ? (
                  <>
                    <label htmlFor="rollback-reason">Reason</label>
                    <input
                      id="rollback-reason"
                      value={rollbackReason}
                      onChange={(e) => setRollbackReason(e.target.value)}
                      placeholder="Why roll back (kept in the audit log)"
                      size={36}
                    />
                    <button
                      type="button"
                      className="danger"
                      disabled={rollbackBlocked !== undefined || rollbackReason.trim() === ""}
                      title={rollbackReason.trim() === "" ? "Write a reason first" : undefined}
                      onClick={() => void rollback(rollbackTo)}
                    >
                      Roll back to version {rollbackTo.version}
                    </button>
                    {rollbackBlocked && <span className="muted small"> Disabled: {rollbackBlocked}</span>}
                  </>
                ) : (
                  <span className="muted small">
                    No earlier archived version to roll back to (deprecated versions are skipped).
                  </span>
                )}
              </div>
            )}

            <h2>Versions</h2>
            {versions.length === 0 ? (
              <Empty title="No versions yet.">
                <p>
                  Register one:{" "}
                  <code>mlflow.register_model("runs:/&lt;run_id&gt;/model", "{model.name}")</code>
                </p>
              </Empty>
            ) : (
              <div className="table-scroll">
                <table className="grid stack-narrow versions">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Stage</th>
                      <th scope="col">Aliases</th>
                      <th scope="col">Created</th>
                      <th scope="col">Source run</th>
                      <th scope="col">Data version</th>
                      <th scope="col">Git commit</th>
                      <th scope="col">Description</th>
                      <th scope="col">Tags</th>
                      <th scope="col">
                        <span className="sr-only">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {versions.map((v) => {
                      const run = v.run_id ? runs.get(v.run_id) : undefined;
                      const dataVersion =
                        tagValue(v.tags, "data_version") ??
                        tagValue(run?.data?.tags, "data_version") ??
                        run?.data?.params?.find((p) => p.key === "data_version")?.value;
                      const commit =
                        tagValue(v.tags, "git_commit") ??
                        tagValue(run?.data?.tags, "git_commit") ??
                        tagValue(run?.data?.tags, "mlflow.source.git.commit");
                      return (
                        <Fragment key={v.version}>
                          <tr>
                            <td data-label="Version">
                              <Link to={pathOf("models", name, "versions", v.version)}>
                                Version {v.version}
                              </Link>
                            </td>
                            <td data-label="Stage">
                              <StageBadge stage={v.current_stage} />
                            </td>
                            <td data-label="Aliases">
                              {[
                                ...new Set([
                                  ...(v.aliases ?? []),
                                  ...aliases.filter((a) => a.version === v.version).map((a) => a.alias),
                                ]),
                              ].map((a) => (
                                <AliasChip key={a} alias={a} />
                              ))}
                            </td>
                            <td data-label="Created" className="nowrap">
                              {formatTime(v.creation_timestamp)}
                            </td>
                            <td data-label="Source run">
                              {v.run_id ? (
                                <Link to={pathOf("runs", v.run_id)}>
                                  {run?.info.run_name ?? v.run_id.slice(0, 8)}
                                </Link>
                              ) : (
                                <span className="muted">–</span>
                              )}
                            </td>
                            <td data-label="Data version" className="mono">
                              {dataVersion ?? <span className="muted">–</span>}
                            </td>
                            <td data-label="Git commit" className="mono">
                              {commit ? commit.slice(0, 10) : <span className="muted">–</span>}
                            </td>
                            <td data-label="Description" className="wrap">
                              {v.description}
                            </td>
                            <td data-label="Tags" className="small">
                              <LifecycleBadges tags={v.tags} />
                              <TagList
                                tags={v.tags}
                                hide={["deprecated", "sunset_on", "data_version", "git_commit"]}
                              />
                            </td>
                            <td data-label="Actions">
                              <button
                                type="button"
                                className="secondary"
                                aria-expanded={open === v.version}
                                onClick={() => setOpen(open === v.version ? undefined : v.version)}
                              >
                                Promote…
                              </button>
                            </td>
                          </tr>
                          {open === v.version && (
                            <tr>
                              <td colSpan={10}>
                                <PromoteForm
                                  name={name}
                                  version={v.version}
                                  {...(v.current_stage ? { currentStage: v.current_stage } : {})}
                                  onDone={done}
                                />
                              </td>
                            </tr>
                          )}
                        </Fragment>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </article>
        );
      }}
    </Async>
  );
}
