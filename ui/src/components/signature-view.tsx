// A model's signature and format facts (flavors, size, MLflow version), as read from its MLmodel.
import type { ModelInfo, SignatureColumn } from "../lib/mlmodel";
import { formatBytes } from "../lib/format";

function columnType(c: SignatureColumn): string {
  if (c["tensor-spec"])
    return `tensor ${c["tensor-spec"].dtype ?? ""} [${(c["tensor-spec"].shape ?? []).join(", ")}]`;
  return c.type ?? "";
}

function ColumnTable({ title, columns }: { title: string; columns: SignatureColumn[] }) {
  return (
    <table className="grid compact">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Required</th>
        </tr>
      </thead>
      <tbody>
        {columns.map((c, i) => (
          <tr key={i}>
            <td className="mono">{c.name ?? <span className="muted">(unnamed)</span>}</td>
            <td className="mono">{columnType(c)}</td>
            <td>{c.required === false ? "no" : "yes"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SignatureView({ info }: { info: ModelInfo }) {
  return (
    <div className="signature">
      <dl className="facts">
        <dt>Flavors</dt>
        <dd>{info.flavors.join(", ") || "–"}</dd>
        {info.modelSizeBytes !== undefined && (
          <>
            <dt>Size</dt>
            <dd>{formatBytes(info.modelSizeBytes)}</dd>
          </>
        )}
        {info.mlflowVersion && (
          <>
            <dt>Logged with MLflow</dt>
            <dd>{info.mlflowVersion}</dd>
          </>
        )}
        {info.requirements && info.requirements.length > 0 && (
          <>
            <dt>Requirements</dt>
            <dd className="mono small">{info.requirements.join(", ")}</dd>
          </>
        )}
      </dl>
      {info.inputs || info.outputs ? (
        <div className="two-col">
          {info.inputs && <ColumnTable title="Inputs" columns={info.inputs} />}
          {info.outputs && <ColumnTable title="Outputs" columns={info.outputs} />}
          {info.params && <ColumnTable title="Params" columns={info.params} />}
        </div>
      ) : (
        <p className="warn-text">
          No signature was logged with this model: serving cannot check requests against a schema. Log one
          with <code>mlflow.sklearn.log_model(model, name, input_example=X[:5])</code> or{" "}
          <code>signature=infer_signature(X, y)</code>.
        </p>
      )}
    </div>
  );
}
