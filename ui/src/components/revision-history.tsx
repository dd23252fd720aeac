// Every revision of a deployment, newest first: who, when, why, and what changed as `path: before → after`
// (the server computes the diff against the previous revision, so this only shows it).
import type { DeploymentRevision } from "../api/deployments-api";
import { formatRelative, formatTime } from "../lib/format";

function valueText(value: unknown): string {
  if (value === undefined) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function RevisionHistory({
  revisions,
  current,
}: {
  revisions: DeploymentRevision[];
  current: number;
}) {
  if (revisions.length === 0) return <p className="muted">No revisions recorded.</p>;
  return (
    <div className="table-scroll">
      <table className="grid stack-narrow revisions">
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">When</th>
            <th scope="col">Author</th>
            <th scope="col">Reason</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          {revisions.map((r) => (
            <tr key={r.revision} aria-current={r.revision === current ? "true" : undefined}>
              <td data-label="Revision" className="nowrap">
                {r.revision}
                {r.revision === current && <span className="badge ok"> current</span>}
              </td>
              <td data-label="When" className="nowrap" title={formatTime(r.createdAt)}>
                {formatRelative(r.createdAt)}
              </td>
              <td data-label="Author">{r.author}</td>
              <td data-label="Reason" className="wrap">
                {r.reason}
              </td>
              <td data-label="Changes" className="wrap">
                {r.diff.length === 0 ? (
                  <span className="muted">{r.revision === 1 ? "created" : "no change"}</span>
                ) : (
                  <ul className="diff">
                    {r.diff.map((d) => (
                      <li key={d.path}>
                        <code>{d.path}</code>: <del className="mono">{valueText(d.before)}</del> →{" "}
                        <ins className="mono">{valueText(d.after)}</ins>
                      </li>
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
