// Reads the parts of an MLmodel file the UI shows (flavors, signature, size) without a YAML library.
// MLflow writes MLmodel with PyYAML: the signature's inputs/outputs/params are JSON inside single-quoted
// YAML scalars, which PyYAML folds over several lines when long (a line break inside one reads as a space).

export interface SignatureColumn {
  name?: string;
  type?: string;
  required?: boolean;
  "tensor-spec"?: { dtype?: string; shape?: number[] };
  default?: unknown;
  shape?: unknown;
}

export interface ModelInfo {
  flavors: string[];
  inputs?: SignatureColumn[];
  outputs?: SignatureColumn[];
  params?: SignatureColumn[];
  modelSizeBytes?: number;
  mlflowVersion?: string;
  modelUuid?: string;
  utcTimeCreated?: string;
  /** pip requirements, when the server read requirements.txt. */
  requirements?: string[];
}

function scalar(text: string, key: string): string | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => new RegExp(`^\\s*${key}:\\s`).test(l));
  if (start < 0) return undefined;
  const first = lines[start] ?? "";
  const rest = first.slice(first.indexOf(":") + 1).trim();
  if (!rest.startsWith("'")) return rest === "null" ? undefined : rest.replace(/^"|"$/g, "");
  // Single-quoted: '' is a quote; the scalar ends at a lone quote; folded lines join with a space.
  let body = rest.slice(1);
  let i = start;
  for (;;) {
    const end = /(^|[^'])(?:'')*'(?!')\s*$/.exec(body);
    if (end) {
      body = body.replace(/'\s*$/, "");
      break;
    }
    i++;
    const next = lines[i];
    if (next === undefined) break;
    body += " " + next.trim();
  }
  return body.replace(/''/g, "'");
}

function json(text: string | undefined): SignatureColumn[] | undefined {
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as SignatureColumn[]) : undefined;
  } catch {
    return undefined;
  }
}

export function parseMlmodel(text: string): ModelInfo {
  const flavors: string[] = [];
  const lines = text.split("\n");
  const fi = lines.findIndex((l) => /^flavors:\s*$/.test(l));
  if (fi >= 0) {
    for (let i = fi + 1; i < lines.length; i++) {
      const l = lines[i] ?? "";
      if (/^\S/.test(l)) break;
      const m = /^ {2}([\w.-]+):/.exec(l);
      if (m?.[1]) flavors.push(m[1]);
    }
  }
  const sig = lines.findIndex((l) => /^signature:\s*$/.test(l));
  const sigText =
    sig >= 0
      ? (lines
          .slice(sig + 1)
          .join("\n")
          .split(/\n(?=\S)/)[0] ?? "")
      : "";
  const size = scalar(text, "model_size_bytes");
  const info: ModelInfo = { flavors };
  const inputs = json(scalar(sigText, "inputs"));
  const outputs = json(scalar(sigText, "outputs"));
  const params = json(scalar(sigText, "params"));
  if (inputs) info.inputs = inputs;
  if (outputs) info.outputs = outputs;
  if (params) info.params = params;
  if (size !== undefined && Number.isFinite(Number(size))) info.modelSizeBytes = Number(size);
  const v = scalar(text, "mlflow_version");
  if (v) info.mlflowVersion = v;
  const u = scalar(text, "model_uuid");
  if (u) info.modelUuid = u;
  const t = scalar(text, "utc_time_created");
  if (t) info.utcTimeCreated = t;
  return info;
}
