// GET /ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files?artifact_file_path=: one file of a logged
// model, as the MLflow UI's model page downloads it (MLflow serves it only under /ajax-api). The path is
// judged before the model is looked up, as MLflow does; the file goes out as an attachment
// (artifact-response.ts). The read grant is the model's experiment's (route-permissions.ts, logged-model).
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import { checkArtifactPath } from "../../artifacts/safe-path.js";
import { FlowgateError } from "../../core/errors.js";
import type { LoggedModelService } from "../../tracking/logged-models.js";
import type { RoutePlugin } from "../server.js";
import { sendArtifactFile } from "./artifact-response.js";
import { optionalString, type WireArgs } from "./wire-input.js";
import * as U from "./schemas/ui-routes.js";

export function loggedModelFileRoutes(
  models: Pick<LoggedModelService, "get">,
  artifacts: Pick<ArtifactProxy, "downloadUnderUri">,
): RoutePlugin {
  return (app) => {
    app.get<{ Params: { model_id: string } }>(
      "/ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files",
      { schema: U.getLoggedModelFile },
      async (request, reply) => {
        const given = optionalString((request.query ?? {}) as WireArgs, "artifact_file_path");
        if (given === undefined || given === "") {
          throw new FlowgateError(
            "BAD_REQUEST",
            'Request must include the "artifact_file_path" query parameter.',
          );
        }
        const path = checkArtifactPath(given);
        const model = await models.get(request.params.model_id);
        return sendArtifactFile(reply, path, await artifacts.downloadUnderUri(model.artifactUri, path));
      },
    );
  };
}
