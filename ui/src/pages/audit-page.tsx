// The audit log: every change, who made it, from what to what and why; filtered on the server by actor,
// action and target, paged with the server's token.
import { Fragment, useState, type FormEvent } from "react";
import { listAudit, type AuditEvent } from "../api/governance-api";
import { Async } from "../components/states";
import { formatTime } from "../lib/format";
import { navigate, type Location } from "../lib/router";
import { useAsync } from "../lib/use-async";

/** JSON with a space after every comma and colon, so a browser can wrap it between tokens, not mid-word. */
function spaced(v: unknown): string {
  return JSON.stringify(v, null, 1).replace(/\n\s*/g, " ");
}

/** Strings holding JSON (a tag such as mlflow.modelVersions) read as that JSON, at any depth. */
function unnest(v: unknown): unknown {
  if (typeof v === "string") {
    if (!/^\s*[[{]/.test(v)) return v;
    try {
      return unnest(JSON.parse(v));
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) return v.map(unnest);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unnest(x)]));
  return v;
}

const inline = (v: unknown) => (typeof v === "string" ? v : spaced(v));
const isPair = (x: unknown): x is { key: string; value: unknown } =>
  x !== null && typeof x === "object" && "key" in x && "value" in x;

/** A before/after value as `key: value` lines (objects, lists of tags) or text, cut at 240 characters. */
function short(raw: unknown): string {
  if (raw === undefined || raw === null) return "";
  const v = unnest(raw);
  const text =
    Array.isArray(v) && v.length > 0 && v.every(isPair)
      ? v.map((t) => `${t.key}: ${inline(t.value)}`).join("\n")
      : v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.entries(v)
            .map(([k, x]) => `${k}: ${inline(x)}`)
            .join("\n")
        : inline(v);
  return text.length > 240 ? `${text.slice(0, 239)}…` : text;
}

export function AuditTable({ events, empty }: { events: AuditEvent[]; empty: string }) {
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className="grid compact audit stack-narrow">
        {/* Fixed column widths: a long value wraps inside its column instead of pushing Reason out of view. */}
        <colgroup>
          <col className="c-time" />
          <col className="c-actor" />
          <col className="c-action" />
          <col className="c-target" />
          <col className="c-before" />
          <col className="c-after" />
          <col className="c-reason" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id || `${e.time}-${e.action}-${e.targetId}`}>
              <td data-label="Time (UTC)" className="nowrap">
                {formatTime(e.time)}
              </td>
              <td data-label="Actor">{e.actor}</td>
              <td data-label="Action" className="mono">
                {/* May break after a dot (model_version.<wbr>transition_stage), never inside a name. */}
                {e.action.split(".").map((part, i) => (
                  <Fragment key={i}>
                    {i > 0 && (
                      <>
                        .<wbr />
                      </>
                    )}
                    <span className="nowrap">{part}</span>
                  </Fragment>
                ))}
              </td>
              <td data-label="Target" className="mono">
                <span className="muted">{e.targetType}</span> {e.targetId}
              </td>
              <td data-label="Before" className="mono small change">
                {short(e.before)}
              </td>
              <td data-label="After" className="mono small change">
                {short(e.after)}
              </td>
              <td data-label="Reason" className="wrap">
                {e.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const FIELDS = [
  ["actor", "Actor", "alice"],
  ["action", "Action", "model_version.transition_stage"],
  ["target_type", "Target type", "model_version"],
  ["target_id", "Target", "fraud-detector/3"],
] as const;

export function AuditPage({ location }: { location: Location }) {
  const q = Object.fromEntries(FIELDS.map(([k]) => [k, location.query.get(k) ?? ""])) as Record<
    string,
    string
  >;
  const token = location.query.get("page") ?? undefined;
  const [draft, setDraft] = useState(q);
  const state = useAsync(
    () =>
      listAudit({
        ...Object.fromEntries(Object.entries(q).filter(([, v]) => v !== "")),
        ...(token ? { page_token: token } : {}),
        max_results: 100,
      }),
    [JSON.stringify(q), token],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const qs = new URLSearchParams(Object.entries(draft).filter(([, v]) => v.trim() !== ""));
    navigate(`/governance/audit${qs.toString() ? `?${qs.toString()}` : ""}`);
  };
  return (
    <section aria-labelledby="h-audit">
      <h1 id="h-audit">Audit log</h1>
      <form className="filter row" onSubmit={submit} role="search" aria-label="Filter the audit log">
        {FIELDS.map(([key, label, placeholder]) => (
          <label key={key}>
            {label}{" "}
            <input
              value={draft[key] ?? ""}
              placeholder={placeholder}
              onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
            />
          </label>
        ))}
        <button type="submit">Filter</button>
      </form>
      <Async state={state} what="Audit log">
        {(page) => (
          <>
            <AuditTable events={page.events} empty="No audit records match." />
            {page.nextPageToken && (
              <button
                type="button"
                onClick={() => {
                  const qs = new URLSearchParams(location.query);
                  qs.set("page", page.nextPageToken ?? "");
                  navigate(`/governance/audit?${qs.toString()}`);
                }}
              >
                Older records
              </button>
            )}
          </>
        )}
      </Async>
    </section>
  );
}
