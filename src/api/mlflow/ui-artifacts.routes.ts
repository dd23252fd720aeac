// The artifact routes MLflow's web UI calls outside the REST API (mlflow/server/__init__.py):
// `GET /get-artifact?path=&run_uuid=`, `GET /model-versions/get-artifact?path=&name=&version=` and
// `POST /ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=` with the file's bytes as the body.
// Files go out as attachments in a type a browser will not run (artifact-response.ts); paths are checked by
// safe-path.ts like every other artifact path. Permissions are the guard's (route-permissions.ts).
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import { checkArtifactPath } from "../../artifacts/safe-path.js";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import type { RoutePlugin } from "../server.js";
import { sendArtifactFile } from "./artifact-response.js";
import { versionArg } from "./registry-wire.js";
import { optionalString, requiredRunId, requiredString, type WireArgs } from "./wire-input.js";
import * as U from "./schemas/ui-routes.js";

/** MLflow's cap on a UI upload (upload_artifact_handler), whatever --max-artifact-bytes says. */
const MAX_UI_UPLOAD_BYTES = 10 * 1024 * 1024;
const TOO_LARGE = "Artifact size is too large. Max size is 10MB.";

export interface UiArtifactDeps {
  proxy: ArtifactProxy;
  /** The artifact-store URI of a model version's files (RESOURCE_DOES_NOT_EXIST when there is none). */
  versionFilesUri(name: string, version: number): Promise<string>;
  /** Whether this server stores artifacts (`--serve-artifacts`); uploads need it. */
  serveArtifacts: boolean;
}

const queryOf = (request: FastifyRequest): WireArgs => (request.query ?? {}) as WireArgs;

export function uiArtifactRoutes(deps: UiArtifactDeps): RoutePlugin {
  return (app: FastifyInstance) => {
    app.get("/get-artifact", { schema: U.getArtifact }, async (request, reply) => {
      const args = queryOf(request);
      // As MLflow: the path is judged before the run is looked up.
      const path = checkArtifactPath(requiredString(args, "path"));
      const rootUri = await deps.proxy.runArtifactUri(requiredRunId(args));
      return sendArtifactFile(reply, path, await deps.proxy.downloadUnderUri(rootUri, path));
    });

    app.get("/model-versions/get-artifact", { schema: U.getModelVersionArtifact }, async (request, reply) => {
      const args = queryOf(request);
      const path = checkArtifactPath(requiredString(args, "path"));
      const rootUri = await deps.versionFilesUri(requiredString(args, "name"), versionArg(args));
      return sendArtifactFile(reply, path, await deps.proxy.downloadUnderUri(rootUri, path));
    });

    if (!deps.serveArtifacts) return;
    // The UI sends the file's bytes as the body, labelled application/json by its fetch helper: inside this
    // plugin every body is taken as bytes, up to MLflow's cap (a declared larger one is refused unread).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      "*",
      { parseAs: "buffer", bodyLimit: MAX_UI_UPLOAD_BYTES },
      (_request, body, done) => done(null, body),
    );
    app.post(
      "/ajax-api/2.0/mlflow/upload-artifact",
      {
        config: { rawBody: true },
        schema: U.uploadArtifact,
        onRequest: async (request) => {
          const declared = Number(request.headers["content-length"] ?? "0");
          if (declared > MAX_UI_UPLOAD_BYTES) throw invalidParameter(TOO_LARGE);
        },
      },
      async (request, reply) => {
        const args = queryOf(request);
        // MLflow's messages and order: run_uuid, then path, then the data.
        const runId = optionalString(args, "run_uuid");
        if (runId === undefined || runId === "") throw invalidParameter("Request must specify run_uuid.");
        const given = optionalString(args, "path");
        if (given === undefined || given === "") throw invalidParameter("Request must specify path.");
        const path = checkArtifactPath(given);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        if (body.length === 0) throw invalidParameter("Request must specify data.");
        const rootUri = await deps.proxy.runArtifactUri(runId);
        try {
          await deps.proxy.uploadUnderUri(rootUri, path, body, MAX_UI_UPLOAD_BYTES);
        } catch (err) {
          if (err instanceof FlowgateError && err.code === "PAYLOAD_TOO_LARGE")
            throw invalidParameter(TOO_LARGE);
          throw err;
        }
        // MLflow answers an empty body typed as JSON.
        return reply.type("application/json").send("");
      },
    );
  };
}
