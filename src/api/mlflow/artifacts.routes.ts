// The artifact proxy exactly as MLflow's HttpArtifactRepository calls it (`/api/2.0/mlflow-artifacts/…`, also
// under `/ajax-api/`): PUT raw bytes, GET bytes as an attachment, DELETE, list with `?path=`, and multipart
// uploads and presigned downloads where the store signs URLs (S3), refused otherwise (the client falls back to
// plain PUT/GET). Plus the run listing `artifacts/list`.
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import type { ArtifactFileInfo, DirectTransfers } from "../../artifacts/artifact-repo.js";
import { checkArtifactPath } from "../../artifacts/safe-path.js";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import type { RoutePlugin } from "../server.js";
import { sendArtifactFile } from "./artifact-response.js";
import { contextOf, mlflowRouter } from "./mlflow-router.js";
import { optionalString, requiredRunId } from "./wire-input.js";
import * as S from "./schemas/artifacts.js";

const MPU_UNSUPPORTED = "Multipart upload is not supported for the current artifact repository";

export function wireFiles(files: ArtifactFileInfo[]): object {
  // protobuf-JSON leaves an empty repeated field out: an empty or missing directory answers `{}`.
  if (files.length === 0) return {};
  return {
    files: files.map((f) =>
      f.fileSize === undefined
        ? { path: f.path, is_dir: f.isDir }
        : { path: f.path, is_dir: f.isDir, file_size: f.fileSize },
    ),
  };
}

/**
 * The artifact path after `<base>/`, taken from the raw URL (still percent-encoded) so that safe-path.ts sees
 * exactly what the client sent and decodes it itself, however many times it was encoded.
 */
function rawPathAfter(request: FastifyRequest, base: string): string {
  const pathname = request.url.split("?")[0] ?? "";
  if (pathname.startsWith(`${base}/`)) return pathname.slice(base.length + 1);
  if (pathname === base) return "";
  return (request.params as Record<string, string | undefined>)["*"] ?? "";
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers["content-length"];
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** Multipart requests carry a JSON body (up to 10,000 parts with their URLs); read it from the raw stream. */
const MAX_MPU_BODY_BYTES = 16 * 1024 * 1024;

async function readJson(body: Readable): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_MPU_BODY_BYTES) {
      throw new FlowgateError(
        "PAYLOAD_TOO_LARGE",
        `A multipart request body is limited to ${MAX_MPU_BODY_BYTES} bytes.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new FlowgateError("MALFORMED_REQUEST", "A multipart request body must be a JSON object.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FlowgateError("MALFORMED_REQUEST", "A multipart request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/**
 * MLflow's multipart upload of the client's file `path` (its local path: only the file name counts, as in
 * MLflow) into the directory `dir` of the store.
 */
async function multipart(
  direct: DirectTransfers,
  action: "create" | "complete" | "abort",
  dir: string,
  args: Record<string, unknown>,
): Promise<object> {
  const localPath = args.path;
  const name = typeof localPath === "string" ? localPath.split(/[\\/]/).pop() : undefined;
  if (name === undefined || name === "") {
    throw invalidParameter(
      "Missing value for required parameter 'path': the name of the file being uploaded.",
    );
  }
  const target = checkArtifactPath(`${dir}/${name}`);
  if (action === "create") {
    const numParts = args.num_parts === undefined ? 1 : Number(args.num_parts);
    const { uploadId, parts } = await direct.createMultipartUpload(target, numParts);
    return {
      upload_id: uploadId,
      credentials: parts.map((p) => ({ url: p.url, part_number: p.partNumber, headers: p.headers })),
    };
  }
  const uploadId = args.upload_id;
  if (typeof uploadId !== "string" || uploadId === "") {
    throw invalidParameter("Missing value for required parameter 'upload_id'.");
  }
  if (action === "abort") {
    await direct.abortMultipartUpload(target, uploadId);
    return {};
  }
  if (!Array.isArray(args.parts) || args.parts.length === 0) {
    throw invalidParameter(
      "Missing value for required parameter 'parts': the uploaded parts' numbers and ETags.",
    );
  }
  const parts = (args.parts as unknown[]).map((p) => {
    const part = (typeof p === "object" && p !== null ? p : {}) as Record<string, unknown>;
    const partNumber = Number(part.part_number);
    if (!Number.isInteger(partNumber) || typeof part.etag !== "string" || part.etag === "") {
      throw invalidParameter(
        "Invalid parts: each part needs an integer part_number and the etag S3 returned for it.",
      );
    }
    return { partNumber, etag: part.etag };
  });
  await direct.completeMultipartUpload(target, uploadId, parts);
  return {};
}

export function artifactsRoutes(proxy: ArtifactProxy, serveArtifacts: boolean): RoutePlugin {
  return (app: FastifyInstance) => {
    const router = mlflowRouter(app);
    router.route("GET", "artifacts/list", S.listArtifacts, async ({ args }) => {
      const runId = requiredRunId(args);
      const listing = await proxy.listRunArtifacts(runId, optionalString(args, "path") ?? "");
      return { root_uri: listing.rootUri, ...wireFiles(listing.files) };
    });
    if (!serveArtifacts) return;

    // Uploads are raw bytes of any Content-Type (the client guesses it from the file name, so a .json file
    // arrives as application/json): inside this plugin every body is handed over as the unread stream.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_request, payload, done) => done(null, payload));

    const bodyStream = (request: FastifyRequest): Readable =>
      request.body instanceof Readable ? request.body : Readable.from([]);

    for (const prefix of ["api", "ajax-api"]) {
      const base = `/${prefix}/2.0/mlflow-artifacts`;
      const artifacts = `${base}/artifacts`;

      app.put(`${artifacts}/*`, { schema: S.uploadArtifact, config: { rawBody: true } }, async (request) => {
        const body = bodyStream(request);
        let artifactPath: string;
        try {
          artifactPath = checkArtifactPath(rawPathAfter(request, artifacts));
        } catch (err) {
          body.resume();
          throw err;
        }
        await proxy.upload(artifactPath, body, declaredLength(request));
        return {};
      });

      const download = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
        const raw = rawPathAfter(request, artifacts);
        const query = request.query as Record<string, unknown>;
        // `GET artifacts?path=<dir>` lists; the client never GETs the bare prefix for a file.
        if (raw === "") {
          const dir = optionalString(query, "path") ?? "";
          return wireFiles((await proxy.list(checkArtifactPath(dir, { allowRoot: true }))) ?? []);
        }
        const artifactPath = checkArtifactPath(raw);
        return sendArtifactFile(reply, artifactPath, await proxy.download(artifactPath));
      };
      app.get(artifacts, { schema: S.listProxyArtifacts }, download);
      app.get(`${artifacts}/*`, { schema: S.downloadArtifact }, download);

      const remove = async (request: FastifyRequest): Promise<object> => {
        bodyStream(request).resume();
        await proxy.delete(contextOf(request), rawPathAfter(request, artifacts));
        return {};
      };
      app.delete(artifacts, { schema: S.deleteArtifactRoot }, remove);
      app.delete(`${artifacts}/*`, { schema: S.deleteArtifact }, remove);

      // Multipart and presigned URLs: validate the path like every other verb (a traversal is a 400, not a
      // 501 that hides it). A store without direct transfers (a local directory) declines with MLflow's
      // message so the client uses plain PUT/GET; an S3 store signs URLs the client uses with S3 itself.
      for (const action of ["create", "complete", "abort"] as const) {
        const url = `${base}/mpu/${action}`;
        app.post(`${url}/*`, { schema: S.multipartUpload(action) }, async (request) => {
          const body = bodyStream(request);
          let dir: string;
          try {
            dir = checkArtifactPath(rawPathAfter(request, url));
          } catch (err) {
            body.resume();
            throw err;
          }
          if (proxy.direct === undefined) {
            body.resume();
            throw new FlowgateError("NOT_IMPLEMENTED", MPU_UNSUPPORTED);
          }
          return multipart(proxy.direct, action, dir, await readJson(body));
        });
      }
      app.get(`${base}/presigned/*`, { schema: S.presignedDownload }, async (request) => {
        const artifactPath = checkArtifactPath(rawPathAfter(request, `${base}/presigned`));
        if (proxy.direct === undefined) {
          throw new FlowgateError(
            "NOT_IMPLEMENTED",
            "Presigned URLs are not supported for the current artifact repository; use the artifacts endpoint.",
          );
        }
        const presigned = await proxy.direct.presignedDownload(artifactPath);
        return { url: presigned.url, headers: presigned.headers, file_size: presigned.fileSize };
      });
    }
  };
}
