// The audit log: every change, who made it, from what to what and why; filtered on the server by actor,
// action and target, paged with the server's token.
import { useState, type FormEvent } from "react";
import { listAudit, type AuditEvent } from "../api/governance-api";
import { Async } from "../components/states";
import { formatTime } from "../lib/format";
import { navigate, type Location } from "../lib/router";
import { useAsync } from "../lib/use-async";

function short(v: unknown): string {
  if (v === undefined || v === null) return "";
  const text = typeof v === "string" ? v : JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

export function AuditTable({ events, empty }: { events: AuditEvent[]; empty: string }) {
  if (events.length === 0) return <p className="muted">{empty}</p>;
  return (
    <div className="table-scroll">
      <table className="grid compact audit">
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
              <td className="nowrap">{formatTime(e.time)}</td>
              <td>{e.actor}</td>
              <td className="mono">{e.action}</td>
              <td className="mono">
                {e.targetType} {e.targetId}
              </td>
              <td className="mono small wrap">{short(e.before)}</td>
              <td className="mono small wrap">{short(e.after)}</td>
              <td className="wrap">{e.reason}</td>
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
