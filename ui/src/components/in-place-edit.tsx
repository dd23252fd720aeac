// In-place editing of a description and of tags. Each save is one call to the MLflow API route the mlflow
// client uses (registered-models/update, set-tag, delete-tag, …), so the server audits and governs it like any
// other change; when it refuses, its own message stays next to the field.
import { useState, type FormEvent } from "react";
import { errorText } from "../api/client";
import type { KeyValue } from "../api/mlflow-types";

/** A description shown as text with an Edit button; Save sends `save(text)`, then `onSaved` reloads. */
export function EditableDescription(props: {
  label: string;
  value: string | undefined;
  save: (text: string) => Promise<unknown>;
  onSaved: () => void;
}) {
  const [draft, setDraft] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const id = `edit-${props.label.replace(/\W+/g, "-").toLowerCase()}`;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (draft === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.save(draft);
      setDraft(undefined);
      props.onSaved();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  if (draft === undefined)
    return (
      <div className="editable">
        <p className="wrap description">{props.value || <span className="muted">No description.</span>}</p>
        <button
          type="button"
          className="secondary small-button"
          onClick={() => setDraft(props.value ?? "")}
          aria-label={`Edit ${props.label.toLowerCase()}`}
        >
          Edit
        </button>
      </div>
    );
  return (
    <form
      className="edit-form"
      onSubmit={(e) => void submit(e)}
      aria-label={`Edit ${props.label.toLowerCase()}`}
    >
      <label htmlFor={id} className="sr-only">
        {props.label}
      </label>
      <textarea id={id} value={draft} rows={3} onChange={(e) => setDraft(e.target.value)} autoFocus />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save
        </button>
        <button type="button" className="secondary" onClick={() => setDraft(undefined)} disabled={busy}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** User tags as removable chips plus a key/value form; system tags (mlflow.*, flowgate.*) are not editable. */
export function EditableTags(props: {
  tags: KeyValue[] | undefined;
  setTag: (key: string, value: string) => Promise<unknown>;
  deleteTag: (key: string) => Promise<unknown>;
  onSaved: () => void;
}) {
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const shown = (props.tags ?? []).filter(
    (t) => !t.key.startsWith("mlflow.") && !t.key.startsWith("flowgate."),
  );
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      props.onSaved();
      return true;
    } catch (err) {
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await run(() => props.setTag(key.trim(), value))) {
      setKey("");
      setValue("");
    }
  };
  return (
    <div className="editable-tags">
      <ul className="tag-list" aria-label="Tags">
        {shown.length === 0 && <li className="muted">No tags.</li>}
        {shown.map((t) => (
          <li key={t.key} className="tag">
            {t.key}={t.value}
            <button
              type="button"
              className="link remove"
              disabled={busy}
              aria-label={`Remove tag ${t.key}`}
              title={`Remove tag ${t.key}`}
              onClick={() => void run(() => props.deleteTag(t.key))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="tag-form" onSubmit={(e) => void add(e)} aria-label="Add a tag">
        <input
          aria-label="Tag key"
          placeholder="key"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          disabled={busy}
        />
        <input
          aria-label="Tag value"
          placeholder="value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          disabled={busy}
        />
        <button type="submit" className="secondary" disabled={busy || key.trim() === ""}>
          Set tag
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
