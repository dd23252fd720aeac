// Promote a version to a stage or alias: "Apply now" goes through the MLflow API (the same domain call the
// mlflow client makes, so the same gates and permissions apply); "Request approval" files a transition
// request for a release manager. Which targets are protected, and whether they need a reason or a second
// person's approval, comes from the model's promotion policy. Buttons the user may not use are disabled with the
// reason next to them.
import { useState, type FormEvent } from "react";
import { ApiError, mlflow, errorText } from "../api/client";
import { createTransitionRequest, fetchPolicy, type PolicyView } from "../api/governance-api";
import { useCurrentSession, whyNot } from "../api/session";
import { useAsync } from "../lib/use-async";

const STAGES = ["Staging", "Production", "Archived", "None"];
/** The server's built-in policy, assumed until the model's own is loaded (or when it cannot be read). */
const BUILT_IN: PolicyView = {
  protectedStages: ["Production"],
  protectedAliases: ["champion"],
  requireApproval: false,
  requireReason: true,
  gates: [],
};

export function PromoteForm(props: {
  name: string;
  version: string;
  currentStage?: string;
  onDone: (message: string) => void;
}) {
  const session = useCurrentSession();
  const policy = useAsync(() => fetchPolicy(props.name), [props.name]).data ?? BUILT_IN;
  const [target, setTarget] = useState(props.currentStage === "Staging" ? "Production" : "Staging");
  const [alias, setAlias] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const kind = target === "alias" ? "alias" : "stage";
  const value = kind === "alias" ? alias.trim() : target;
  const isProtected = (kind === "stage" ? policy.protectedStages : policy.protectedAliases).includes(value);
  const needsReason = isProtected && policy.requireReason;
  const applyBlocked =
    isProtected && policy.requireApproval
      ? `the policy of ${props.name} requires a second person's approval for ${kind === "stage" ? value : `@${value}`}.`
      : whyNot(session, isProtected ? "model.promote" : "model.transition");
  const gates = policy.gates.map((g) => g.name).join(", ");
  const requestBlocked = whyNot(session, "model.request");
  const id = `promote-${props.name}-${props.version}`.replace(/[^\w-]/g, "_");

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (kind === "stage")
        await mlflow.post(
          "model-versions/transition-stage",
          {
            name: props.name,
            version: props.version,
            stage: value,
            archive_existing_versions: value === "Staging" || value === "Production",
          },
          reason,
        );
      else
        await mlflow.post(
          "registered-models/alias",
          {
            name: props.name,
            alias: value,
            version: props.version,
          },
          reason,
        );
      props.onDone(`Version ${props.version} is now ${kind === "stage" ? `in ${value}` : `@${value}`}.`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const request = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await createTransitionRequest({
        name: props.name,
        version: props.version,
        targetKind: kind,
        target: value,
        reason,
      });
      props.onDone(
        `Requested ${kind === "stage" ? value : `@${value}`} for version ${props.version}${r.id ? ` (request ${r.id})` : ""}; a release manager must approve it.`,
      );
    } catch (err) {
      setError(
        err instanceof ApiError && err.unavailable
          ? "Transition requests are not available on this server."
          : errorText(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="promote" onSubmit={apply} aria-label={`Promote version ${props.version}`}>
      <label htmlFor={`${id}-target`}>Target</label>
      <select id={`${id}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
        {STAGES.map((s) => (
          <option key={s} value={s}>
            Stage: {s}
          </option>
        ))}
        <option value="alias">Alias…</option>
      </select>
      {kind === "alias" && (
        <>
          <label htmlFor={`${id}-alias`}>Alias</label>
          <input
            id={`${id}-alias`}
            value={alias}
            onChange={(e) => setAlias(e.target.value)}
            placeholder="champion"
            required
            pattern="[\w\-]+"
          />
        </>
      )}
      <label htmlFor={`${id}-reason`}>Reason</label>
      <textarea
        id={`${id}-reason`}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        rows={2}
        required={needsReason}
        aria-describedby={needsReason ? `${id}-reason-hint` : undefined}
        placeholder="Why this version should go there"
      />
      {/* In the field's column, so a protected target does not widen the label column and shift the fields. */}
      {needsReason && (
        <span id={`${id}-reason-hint`} className="muted small field-hint">
          Required for protected targets.
        </span>
      )}
      <div className="actions">
        <button
          type="submit"
          disabled={busy || applyBlocked !== undefined || value === ""}
          aria-describedby={applyBlocked ? `${id}-why` : undefined}
        >
          Apply now
        </button>
        <button
          type="button"
          className="secondary"
          disabled={busy || requestBlocked !== undefined || value === "" || reason.trim() === ""}
          onClick={() => void request()}
        >
          Request approval
        </button>
      </div>
      {applyBlocked && (
        <p id={`${id}-why`} className="muted small">
          Apply now is disabled: {applyBlocked} Request approval instead.
        </p>
      )}
      {!applyBlocked && isProtected && (
        <p className="muted small">
          {value} is a protected target: the server checks{" "}
          {gates === "" ? "its promotion gates" : `the gates ${gates}`} before it moves.
        </p>
      )}
      {requestBlocked && <p className="muted small">Request approval is disabled: {requestBlocked}</p>}
      {reason.trim() === "" && !requestBlocked && (
        <p className="muted small">Write a reason to request approval.</p>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
