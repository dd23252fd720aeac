// The proxied artifact service behind `/api/2.0/mlflow-artifacts/…` and a run's artifact listing: size limits,
// run artifact roots, and the audit record for deletions. Bytes and path safety belong to the repository;
// HTTP belongs to artifacts.routes.ts.
import { Readable } from "node:stream";
import { FlowgateError, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { Database } from "../store/database.js";
import type { ArtifactFile, ArtifactFileInfo, ArtifactRepository, DirectTransfers } from "./artifact-repo.js";
import { artifactUriPath } from "./artifact-uri.js";
import { checkArtifactPath } from "./safe-path.js";

export interface ArtifactListing {
  rootUri: string;
  /** Paths relative to the run's artifact root (`model/MLmodel`), as MLflow's `artifacts/list` returns them. */
  files: ArtifactFileInfo[];
}

/** What the HTTP layer may do with artifacts. */
export interface ArtifactProxy {
  readonly maxUploadBytes: number;
  /** The store's multipart and presigned transfers (MLflow's `mpu/…` and `presigned/…` routes), when it has them. */
  readonly direct?: DirectTransfers;
  /** Streams a body into `path`; `declaredBytes` is the request's Content-Length when it had one. */
  upload(path: string, body: Readable, declaredBytes: number | undefined): Promise<void>;
  download(path: string): Promise<ArtifactFile>;
  list(path: string): Promise<ArtifactFileInfo[] | undefined>;
  delete(ctx: RequestContext, path: string): Promise<void>;
  listRunArtifacts(runId: string, path: string): Promise<ArtifactListing>;
  /** Lists `path` under an `mlflow-artifacts:` root URI (a run's or a logged model's). */
  listUnderUri(rootUri: string, path: string): Promise<ArtifactListing>;
  /** Opens the file at `path` under an `mlflow-artifacts:` root URI (a run's or a model version's). */
  downloadUnderUri(rootUri: string, path: string): Promise<ArtifactFile>;
  /** A run's artifact_uri; RESOURCE_DOES_NOT_EXIST when there is no such run. */
  runArtifactUri(runId: string): Promise<string>;
  /** Stores `body` (at most `maxBytes`) as the file `path` under an `mlflow-artifacts:` root URI. */
  uploadUnderUri(rootUri: string, path: string, body: Buffer, maxBytes: number): Promise<void>;
}

export interface ArtifactProxyDeps {
  repo: ArtifactRepository;
  database: Database;
  audit: AuditLog;
  maxUploadBytes: number;
  /** The run's artifact_uri, or undefined when there is no such run. */
  findRunArtifactUri(runId: string): Promise<string | undefined>;
}

export function createArtifactProxy(deps: ArtifactProxyDeps): ArtifactProxy {
  const { repo, database, audit, maxUploadBytes } = deps;
  return {
    maxUploadBytes,
    ...(repo.direct === undefined ? {} : { direct: repo.direct }),
    async upload(path, body, declaredBytes) {
      // Refuse before reading a byte when the client already told us the size.
      if (declaredBytes !== undefined && declaredBytes > maxUploadBytes) {
        body.resume();
        throw new FlowgateError(
          "PAYLOAD_TOO_LARGE",
          `Artifact upload of ${declaredBytes} bytes is larger than the server's limit of ${maxUploadBytes} bytes.`,
        );
      }
      await repo.put(path, body, {
        maxBytes: maxUploadBytes,
        ...(declaredBytes === undefined ? {} : { expectedBytes: declaredBytes }),
      });
    },
    download: (path) => repo.get(path),
    list: (path) => repo.list(path),
    async delete(ctx, path) {
      const checked = checkArtifactPath(path);
      await repo.delete(checked);
      // Files are not transactional: the record follows the deletion it describes.
      await audit.record(database.db, ctx, {
        action: "artifact.delete",
        targetType: "artifact",
        targetId: checked,
      });
    },
    async listRunArtifacts(runId, path) {
      return listUnderUri(await runArtifactUri(runId), path);
    },
    listUnderUri,
    downloadUnderUri: (rootUri, path) => repo.get(storePath(rootUri, checkArtifactPath(path))),
    runArtifactUri,
    async uploadUnderUri(rootUri, path, body, maxBytes) {
      const target = storePath(rootUri, checkArtifactPath(path));
      await repo.put(target, Readable.from([body]), {
        maxBytes: Math.min(maxBytes, maxUploadBytes),
        expectedBytes: body.length,
      });
    },
  };

  async function runArtifactUri(runId: string): Promise<string> {
    const rootUri = await deps.findRunArtifactUri(runId);
    if (rootUri === undefined) throw notFound(`Run with id=${runId} not found.`);
    return rootUri;
  }

  /** The store path of `relative` (already checked) under an `mlflow-artifacts:` root URI. */
  function storePath(rootUri: string, relative: string): string {
    return [artifactUriPath(rootUri, "artifact_uri"), relative].filter((s) => s !== "").join("/");
  }

  async function listUnderUri(rootUri: string, path: string): Promise<ArtifactListing> {
    const relative = checkArtifactPath(path, { allowRoot: true });
    const listed = (await repo.list(storePath(rootUri, relative))) ?? [];
    return {
      rootUri,
      files: listed.map((f) => ({ ...f, path: relative === "" ? f.path : `${relative}/${f.path}` })),
    };
  }
}
