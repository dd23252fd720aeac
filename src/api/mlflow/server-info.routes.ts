// GET /api/3.0/mlflow/server-info (and its /ajax-api twin): what kind of server this is, which the 3.x
// client asks on start (store type for its telemetry, multipart support for artifact uploads, workspaces).
// The keys are MLflow's; each value says what Flowgate actually does, so a client never picks a path
// (multipart or presigned uploads, the AI gateway, workspaces) that is not there.
import type { FastifyInstance } from "fastify";
import * as U from "./schemas/ui-routes.js";
import { withSchema } from "../openapi/route-schema.js";

/**
 * `directTransfers`: the artifact store signs URLs the client uses with it directly (S3), so the 3.x client
 * uploads files of MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE and more in parts, and downloads by ranges, with
 * the object store itself, as it does with `mlflow server` on S3.
 */
export function serverInfoPayload(directTransfers = false): Record<string, unknown> {
  return {
    // Flowgate keeps tracking data in SQL (SQLite or PostgreSQL), as MLflow's SqlStore does.
    store_type: "SqlStore",
    workspaces_enabled: false,
    trace_archival_enabled: false,
    // Otherwise uploads and downloads go through one PUT/GET each, which the client falls back to.
    multipart_uploads_enabled: directTransfers,
    multipart_downloads_enabled: directTransfers,
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
    features_enabled: { gateway: false },
  };
}

export function serverInfoRoutes(options: { directTransfers: boolean } = { directTransfers: false }) {
  return (app: FastifyInstance): void => {
    for (const prefix of ["api", "ajax-api"]) {
      const url = `/${prefix}/3.0/mlflow/server-info`;
      app.get(url, withSchema("GET", url, U.serverInfo), async () =>
        serverInfoPayload(options.directTransfers),
      );
    }
  };
}
