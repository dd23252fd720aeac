// Pause, resume, promote, abort and roll back a deployment. Each asks for the reason the audit log keeps
// before it runs. Whether a button may be used comes from the server (`allowed`, which knows the rollout's
// state and the model's governance), so a disabled button says the server's reason next to it.
import { useState, type FormEvent } from "react";
import { errorText } from "../api/client";
import {
  ACTIONS,
  act,
  type DeploymentAction,
  type DeploymentRevision,
  type DeploymentView,
} from "../api/deployments-api";

const LABEL: Record<DeploymentAction, string> = {
  pause: "Pause",
  resume: "Resume",
  promote: "Promote",
  abort: "Abort",
  rollback: "Roll back",
};

const WHAT: Record<DeploymentAction, string> = {
  pause: "Stops the strategy where it is; the traffic split stays as it is now.",
  resume: "Continues the strategy from the current step.",
  promote: "Moves on to the next step (or, fully, makes the new version the primary at once).",
  abort: "Stops the rollout and sends all live traffic back to the primary.",
  rollback:
    "Writes a new revision whose primary is the previous primary, at 100% at once, skipping analysis.",
};

function done(action: DeploymentAction, view: DeploymentView): string {
  const primary = view.routing.routes.find((r) => r.role === "primary")?.version ?? view.spec.primary;
  switch (action) {
    case "rollback":
      return `Rolled back: revision ${view.revision} sends all live traffic to version ${primary}.`;
    case "abort":
      return `Aborted: version ${primary} takes all live traffic (${view.status.phase}).`;
    case "pause":
      return "Paused.";
    case "resume":
      return "Resumed.";
    case "promote":
      return `Promoted (${view.status.phase}).`;
  }
}

export function DeploymentActions(props: {
  view: DeploymentView;
  revisions: DeploymentRevision[];
  onDone: (message: string) => void;
}) {
  const { view } = props;
  const [open, setOpen] = useState<DeploymentAction>();
  const [reason, setReason] = useState("");
  const [full, setFull] = useState(false);
  const [toRevision, setToRevision] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const id = `deployment-${view.name}`.replace(/[^\w-]/g, "_");
  const blocked = ACTIONS.filter((a) => !view.allowed[a].ok);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!open) return;
    setBusy(true);
    setError(undefined);
    try {
      const after = await act(view.name, open, reason.trim(), {
        full,
        ...(open === "rollback" && toRevision !== "" ? { toRevision: Number(toRevision) } : {}),
      });
      setOpen(undefined);
      setReason("");
      props.onDone(done(open, after));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="deployment-actions card">
      <div className="actions" role="group" aria-label="Deployment actions">
        {ACTIONS.map((a) => (
          <button
            key={a}
            type="button"
            className={a === "abort" || a === "rollback" ? "danger" : "secondary"}
            disabled={busy || !view.allowed[a].ok}
            aria-expanded={open === a}
            aria-describedby={view.allowed[a].ok ? undefined : `${id}-why-${a}`}
            onClick={() => {
              setOpen(open === a ? undefined : a);
              setError(undefined);
            }}
          >
            {LABEL[a]}
          </button>
        ))}
      </div>
      {blocked.length > 0 && (
        <ul className="why-not muted small">
          {blocked.map((a) => (
            <li key={a} id={`${id}-why-${a}`}>
              {LABEL[a]} is disabled: {view.allowed[a].reason ?? "not possible now."}
            </li>
          ))}
        </ul>
      )}
      {open && (
        <form className="promote" onSubmit={submit} aria-label={`${LABEL[open]} ${view.name}`}>
          <p className="small">{WHAT[open]}</p>
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            id={`${id}-reason`}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            required
            placeholder={`Why ${LABEL[open].toLowerCase()} (kept in the audit log)`}
          />
          {open === "promote" && (
            <label className="check">
              <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} /> Skip the
              remaining steps (full promotion)
            </label>
          )}
          {open === "rollback" && (
            <>
              <label htmlFor={`${id}-to`}>To revision</label>
              <select id={`${id}-to`} value={toRevision} onChange={(e) => setToRevision(e.target.value)}>
                <option value="">the previous primary</option>
                {props.revisions
                  .filter((r) => r.revision !== view.revision)
                  .map((r) => (
                    <option key={r.revision} value={String(r.revision)}>
                      revision {r.revision} (primary version {r.spec.primary})
                    </option>
                  ))}
              </select>
            </>
          )}
          <div className="actions">
            <button
              type="submit"
              className={open === "abort" || open === "rollback" ? "danger" : undefined}
              disabled={busy || reason.trim() === ""}
            >
              Confirm {LABEL[open].toLowerCase()}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
