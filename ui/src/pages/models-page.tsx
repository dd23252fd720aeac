// Registered models: search by name and filter by a tag, paged on the server.
import { useState, type FormEvent } from "react";
import { mlflow } from "../api/client";
import type { RegisteredModel } from "../api/mlflow-types";
import { AliasChip, LifecycleBadges, StageBadge, TagList } from "../components/badges";
import { Async, CodeHint, Empty } from "../components/states";
import { formatTime, quoteKey } from "../lib/format";
import { Link, navigate, pathOf, type Location } from "../lib/router";
import { useAsync } from "../lib/use-async";

/** Quote a string literal for the search grammar. */
export function literal(value: string): string {
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

export function buildModelFilter(name: string, tag: string): string {
  const parts: string[] = [];
  if (name.trim() !== "") parts.push(`name ILIKE ${literal(`%${name.trim()}%`)}`);
  const eq = tag.indexOf("=");
  if (tag.trim() !== "") {
    if (eq > 0)
      parts.push(`tags.${quoteKey(tag.slice(0, eq).trim())} = ${literal(tag.slice(eq + 1).trim())}`);
    else parts.push(`tags.${quoteKey(tag.trim())} LIKE '%'`);
  }
  return parts.join(" AND ");
}

export function ModelsPage({ location }: { location: Location }) {
  const q = location.query.get("q") ?? "";
  const tag = location.query.get("tag") ?? "";
  const token = location.query.get("page") ?? undefined;
  const [draftQ, setDraftQ] = useState(q);
  const [draftTag, setDraftTag] = useState(tag);
  const state = useAsync(
    () =>
      mlflow.get<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
        "registered-models/search",
        {
          filter: buildModelFilter(q, tag) || undefined,
          max_results: 50,
          order_by: ["name ASC"],
          page_token: token,
        },
      ),
    [q, tag, token],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const qs = new URLSearchParams();
    if (draftQ.trim()) qs.set("q", draftQ.trim());
    if (draftTag.trim()) qs.set("tag", draftTag.trim());
    navigate(`/models${qs.toString() ? `?${qs.toString()}` : ""}`);
  };
  return (
    <section aria-labelledby="h-models">
      <h1 id="h-models">Registered models</h1>
      <form className="filter row" onSubmit={submit} role="search">
        <label>
          Name contains{" "}
          <input
            type="search"
            value={draftQ}
            onChange={(e) => setDraftQ(e.target.value)}
            placeholder="fraud"
          />
        </label>
        <label>
          Tag{" "}
          <input
            type="search"
            value={draftTag}
            onChange={(e) => setDraftTag(e.target.value)}
            placeholder="team=risk"
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <Async state={state} what="Models">
        {(page) => {
          const models = page.registered_models ?? [];
          if (models.length === 0)
            return q || tag ? (
              <Empty title="No models match." />
            ) : (
              <Empty title="No registered models yet.">
                <p>Register one from a run with the mlflow client:</p>
                <CodeHint>{`mlflow.sklearn.log_model(model, name="model", registered_model_name="fraud-detector")`}</CodeHint>
              </Empty>
            );
          return (
            <>
              <table className="grid">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Latest versions</th>
                    <th scope="col">Aliases</th>
                    <th scope="col">Tags</th>
                    <th scope="col">Last updated</th>
                  </tr>
                </thead>
                <tbody>
                  {models.map((m) => (
                    <tr key={m.name}>
                      <td>
                        <Link to={pathOf("models", m.name)}>{m.name}</Link> <LifecycleBadges tags={m.tags} />
                      </td>
                      <td>
                        {(m.latest_versions ?? []).map((v) => (
                          <span key={v.version} className="nowrap">
                            v{v.version} <StageBadge stage={v.current_stage} />{" "}
                          </span>
                        ))}
                      </td>
                      <td>
                        {(m.aliases ?? []).map((a) => (
                          <AliasChip key={a.alias} alias={`${a.alias} → v${a.version}`} />
                        ))}
                      </td>
                      <td className="small">
                        <TagList tags={m.tags} />
                      </td>
                      <td>{formatTime(m.last_updated_timestamp)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="pager">
                {token && (
                  <button type="button" className="secondary" onClick={() => window.history.back()}>
                    Previous page
                  </button>
                )}
                {page.next_page_token && (
                  <button
                    type="button"
                    onClick={() => {
                      const qs = new URLSearchParams(location.query);
                      qs.set("page", page.next_page_token ?? "");
                      navigate(`/models?${qs.toString()}`);
                    }}
                  >
                    Next page
                  </button>
                )}
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}
