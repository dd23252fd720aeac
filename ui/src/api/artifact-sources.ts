// Where artifact trees come from: a run's (the MLflow UI's artifacts/list) or any mlflow-artifacts: URI
// through the artifact proxy (a logged model's, a model version's). Both give paths relative to the root.
import type { ArtifactSource } from "../components/artifact-browser";
import { parseMlmodel, type ModelInfo, type SignatureColumn } from "../lib/mlmodel";
import { ApiError, artifactFileUrl, authHeader, fetchArtifact, mlflow, native } from "./client";
import type { FileInfo, Run } from "./mlflow-types";

export function runArtifacts(run: Run): ArtifactSource {
  return {
    async list(dir) {
      const res = await mlflow.get<{ files?: FileInfo[] }>("artifacts/list", {
        run_id: run.info.run_id,
        path: dir === "" ? undefined : dir,
      });
      return res.files ?? [];
    },
    fileUrl: (path) => (run.info.artifact_uri ? artifactFileUrl(run.info.artifact_uri, path) : undefined),
  };
}

export function proxyArtifacts(rootUri: string): ArtifactSource {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(rootUri);
  const root = m?.[1]?.replace(/\/+$/, "");
  return {
    async list(dir) {
      if (root === undefined)
        throw new ApiError(
          400,
          "UNSUPPORTED",
          `Cannot browse ${rootUri}: not served by this server's artifact proxy.`,
        );
      const qs = new URLSearchParams({ path: [root, dir].filter((p) => p !== "").join("/") });
      const headers: Record<string, string> = { accept: "application/json" };
      const auth = authHeader();
      if (auth) headers.authorization = auth;
      const res = await fetch(`/ajax-api/2.0/mlflow-artifacts/artifacts?${qs.toString()}`, { headers });
      const body = (await res.json().catch(() => ({}))) as {
        files?: FileInfo[];
        error_code?: string;
        message?: string;
      };
      if (!res.ok)
        throw new ApiError(
          res.status,
          body.error_code ?? `HTTP_${res.status}`,
          body.message ?? `HTTP ${res.status}`,
        );
      // The proxy answers with basenames relative to the listed directory.
      return (body.files ?? []).map((f) => ({ ...f, path: dir === "" ? f.path : `${dir}/${f.path}` }));
    },
    fileUrl: (path) => artifactFileUrl(rootUri, path),
  };
}

/** The MLmodel under an artifact root, parsed; undefined when there is none. */
export async function loadModelInfo(rootUri: string): Promise<ModelInfo | undefined> {
  const url = artifactFileUrl(rootUri, "MLmodel");
  if (!url) return undefined;
  try {
    return parseMlmodel(await (await fetchArtifact(url)).text());
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

type NativeEntry =
  | { kind: "column"; name: string | null; type: string; required: boolean }
  | { kind: "tensor"; name: string | null; dtype: string; shape: number[] };

interface NativeModelInfo {
  flavors?: Record<string, unknown>;
  signature?: {
    inputs: NativeEntry[] | null;
    outputs: NativeEntry[] | null;
    params: { name: string; type: string }[] | null;
  } | null;
  size_bytes?: number;
  requirements?: string[];
  mlflow_version?: string | null;
}

function entry(e: NativeEntry): SignatureColumn {
  return e.kind === "tensor"
    ? { ...(e.name ? { name: e.name } : {}), "tensor-spec": { dtype: e.dtype, shape: e.shape } }
    : { ...(e.name ? { name: e.name } : {}), type: e.type, required: e.required };
}

/** A version's model info from the registry's native endpoint (no download); undefined when the server has none. */
export async function loadVersionModelInfo(name: string, version: string): Promise<ModelInfo | undefined> {
  try {
    const m = await native.get<NativeModelInfo>(
      `registered-models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/model-info`,
    );
    const info: ModelInfo = { flavors: Object.keys(m.flavors ?? {}) };
    if (m.signature?.inputs) info.inputs = m.signature.inputs.map(entry);
    if (m.signature?.outputs) info.outputs = m.signature.outputs.map(entry);
    if (m.signature?.params) info.params = m.signature.params.map((p) => ({ name: p.name, type: p.type }));
    if (m.size_bytes !== undefined) info.modelSizeBytes = m.size_bytes;
    if (m.mlflow_version) info.mlflowVersion = m.mlflow_version;
    if (m.requirements) info.requirements = m.requirements;
    return info;
  } catch (err) {
    if (err instanceof ApiError && err.unavailable) return undefined;
    throw err;
  }
}
