// The artifact proxy exactly as MLflow's HttpArtifactRepository calls it (`/api/2.0/mlflow-artifacts/…`, also
// under `/ajax-api/`): PUT raw bytes, GET bytes as an attachment, DELETE, list with `?path=`, and refusals for
// multipart and presigned URLs (the client falls back to plain PUT/GET). Plus the run listing `artifacts/list`.
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import type { ArtifactFileInfo } from "../../artifacts/artifact-repo.js";
import { checkArtifactPath } from "../../artifacts/safe-path.js";
import { FlowgateError } from "../../core/errors.js";
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
      // 501 that hides it), then decline so the client uses plain PUT/GET.
      for (const action of ["create", "complete", "abort"]) {
        const url = `${base}/mpu/${action}`;
        app.post(
          `${url}/*`,
          { schema: S.notImplemented("POST", `Multipart upload: ${action}.`) },
          async (request) => {
            bodyStream(request).resume();
            checkArtifactPath(rawPathAfter(request, url));
            throw new FlowgateError("NOT_IMPLEMENTED", MPU_UNSUPPORTED);
          },
        );
      }
      app.get(
        `${base}/presigned/*`,
        { schema: S.notImplemented("GET", "A presigned URL.") },
        async (request) => {
          checkArtifactPath(rawPathAfter(request, `${base}/presigned`));
          throw new FlowgateError(
            "NOT_IMPLEMENTED",
            "Presigned URLs are not supported for the current artifact repository; use the artifacts endpoint.",
          );
        },
      );
    }
  };
}
