// The transition request queue: pending requests with approve/reject (with a comment), disabled with the
// reason when the signed-in user may not decide (wrong role, or their own request); decided requests below.
import { useState } from "react";
import { errorText } from "../api/client";
import {
  decideTransitionRequest,
  listTransitionRequests,
  type TransitionRequest,
} from "../api/governance-api";
import { useCurrentSession, whyNot } from "../api/session";
import { Async, Empty } from "../components/states";
import { formatTime } from "../lib/format";
import { Link, pathOf } from "../lib/router";
import { useAsync } from "../lib/use-async";

function RequestCard({ r, onDecided }: { r: TransitionRequest; onDecided: (message: string) => void }) {
  const session = useCurrentSession();
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const own = session?.user !== undefined && session.user.name === r.requestedBy;
  const blocked = own
    ? "You cannot decide your own request: another release manager must."
    : whyNot(session, "model.approve");
  const cancelBlocked = !session
    ? "Checking who you are…"
    : own || !session.authEnabled
      ? undefined
      : "Only the requester can cancel a request.";
  const decide = async (decision: "approve" | "reject" | "cancel") => {
    setBusy(true);
    setError(undefined);
    try {
      await decideTransitionRequest(r.id, decision, comment);
      onDecided(
        `Request ${r.id} ${decision === "approve" ? "approved and applied" : decision === "reject" ? "rejected" : "cancelled"}.`,
      );
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const id = `req-${r.id}`;
  return (
    <li className="card request" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        <Link to={pathOf("models", r.modelName, "versions", r.version)}>
          {r.modelName} version {r.version}
        </Link>{" "}
        → {r.targetKind === "alias" ? `@${r.target}` : r.target}
      </h3>
      <p>
        Requested by <strong>{r.requestedBy}</strong> {formatTime(r.requestedAt)}: “{r.reason}”
      </p>
      <label htmlFor={`${id}-comment`}>Comment</label>
      <textarea id={`${id}-comment`} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      <div className="actions">
        <button type="button" disabled={busy || blocked !== undefined} onClick={() => void decide("approve")}>
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy || blocked !== undefined}
          onClick={() => void decide("reject")}
        >
          Reject
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy || cancelBlocked !== undefined}
          onClick={() => void decide("cancel")}
        >
          Cancel request
        </button>
      </div>
      {blocked && <p className="muted small">Approve and reject are disabled: {blocked}</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}

export function RequestsPage() {
  const pending = useAsync(() => listTransitionRequests({ status: "pending" }), []);
  const all = useAsync(() => listTransitionRequests({}), []);
  const [notice, setNotice] = useState<string>();
  const decided = (m: string) => {
    setNotice(m);
    pending.reload();
    all.reload();
  };
  return (
    <section aria-labelledby="h-requests">
      <h1 id="h-requests">Approvals</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <h2>Pending requests</h2>
      <Async state={pending} what="Transition requests">
        {(list) => {
          const open = list.filter((r) => r.status.toLowerCase() === "pending");
          return open.length === 0 ? (
            <Empty title="Nothing waiting for approval.">
              <p>Request a promotion from a model version's page, or with the API.</p>
            </Empty>
          ) : (
            <ul className="cards">
              {open.map((r) => (
                <RequestCard key={r.id} r={r} onDecided={decided} />
              ))}
            </ul>
          );
        }}
      </Async>
      <h2>Decided</h2>
      <Async state={all} what="Transition requests">
        {(list) => {
          const done = list.filter((r) => r.status.toLowerCase() !== "pending");
          return done.length === 0 ? (
            <p className="muted">No decided requests yet.</p>
          ) : (
            <table className="grid compact">
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Target</th>
                  <th scope="col">Status</th>
                  <th scope="col">Requested by</th>
                  <th scope="col">Decided by</th>
                  <th scope="col">Comment</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {done.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={pathOf("models", r.modelName, "versions", r.version)}>
                        {r.modelName} v{r.version}
                      </Link>
                    </td>
                    <td>{r.targetKind === "alias" ? `@${r.target}` : r.target}</td>
                    <td>
                      <span className={`badge ${r.status.toLowerCase() === "approved" ? "ok" : "warn"}`}>
                        {r.status.toLowerCase()}
                      </span>
                    </td>
                    <td>{r.requestedBy}</td>
                    <td>{r.decidedBy ?? "–"}</td>
                    <td className="wrap">{r.decisionComment}</td>
                    <td>{formatTime(r.decidedAt ?? r.requestedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </Async>
    </section>
  );
}
