// MLflow's model-version routes (`/api/2.0/mlflow/model-versions/…`, and `/ajax-api/…`).
import { readAccessOfRequest } from "../auth-guard.js";
import { visiblePage } from "../../governance/visible.js";
import type { RoutePlugin } from "../server.js";
import type { RegistryDeps } from "../../registry/registry-deps.js";
import {
  createModelVersion,
  deleteModelVersion,
  deleteModelVersionTag,
  getDownloadUri,
  getModelVersion,
  searchModelVersions,
  setModelVersionTag,
  updateModelVersion,
} from "../../registry/versions.js";
import { transitionStage } from "../../registry/stages.js";
import { mlflowRouter } from "./mlflow-router.js";
import {
  keyValueList,
  optionalBool,
  optionalInt,
  optionalString,
  requiredString,
  stringList,
} from "./wire-input.js";
import { versionArg, wireModelVersion, wireSearchedVersion } from "./registry-wire.js";
import { protoMessage } from "./wire-output.js";
import * as S from "./schemas/registry.js";

export function modelVersionRoutes(deps: RegistryDeps): RoutePlugin {
  return (app) => {
    const r = mlflowRouter(app);
    r.route("POST", "model-versions/create", S.createModelVersion, async ({ args, ctx }) => ({
      model_version: wireModelVersion(
        await createModelVersion(deps, ctx, {
          name: requiredString(args, "name"),
          source: requiredString(args, "source"),
          runId: optionalString(args, "run_id") || undefined,
          runLink: optionalString(args, "run_link") || undefined,
          description: optionalString(args, "description"),
          modelId: optionalString(args, "model_id") || undefined,
          tags: keyValueList(args, "tags"),
        }),
      ),
    }));
    r.route("GET", "model-versions/get", S.getModelVersion, async ({ args }) => ({
      model_version: wireModelVersion(
        await getModelVersion(deps, requiredString(args, "name"), versionArg(args)),
      ),
    }));
    r.route("PATCH", "model-versions/update", S.updateModelVersion, async ({ args, ctx }) => ({
      model_version: wireModelVersion(
        await updateModelVersion(deps, ctx, {
          name: requiredString(args, "name"),
          version: versionArg(args),
          description: optionalString(args, "description") ?? null,
        }),
      ),
    }));
    r.route("DELETE", "model-versions/delete", S.deleteModelVersion, async ({ args, ctx }) => {
      await deleteModelVersion(deps, ctx, { name: requiredString(args, "name"), version: versionArg(args) });
      return {};
    });
    r.route("POST", "model-versions/transition-stage", S.transitionStage, async ({ args, ctx }) => ({
      model_version: wireModelVersion(
        await transitionStage(deps, ctx, {
          name: requiredString(args, "name"),
          version: versionArg(args),
          stage: requiredString(args, "stage"),
          archiveExistingVersions: optionalBool(args, "archive_existing_versions") ?? false,
        }),
      ),
    }));
    r.route(["GET", "POST"], "model-versions/search", S.searchModelVersions, async ({ args, request }) => {
      const search = {
        filter: optionalString(args, "filter"),
        maxResults: optionalInt(args, "max_results"),
        orderBy: stringList(args, "order_by"),
        pageToken: optionalString(args, "page_token"),
      };
      const access = readAccessOfRequest(request);
      const page = await visiblePage(
        access,
        search,
        (p) => searchModelVersions(deps, { ...search, ...p }),
        (v) => access.version(v),
      );
      return protoMessage({
        model_versions: page.items.map(wireSearchedVersion),
        next_page_token: page.nextPageToken,
      });
    });
    r.route("GET", "model-versions/get-download-uri", S.getDownloadUri, async ({ args }) => ({
      artifact_uri: await getDownloadUri(deps, requiredString(args, "name"), versionArg(args)),
    }));
    r.route("POST", "model-versions/set-tag", S.setModelVersionTag, async ({ args, ctx }) => {
      await setModelVersionTag(deps, ctx, {
        name: requiredString(args, "name"),
        version: versionArg(args),
        key: requiredString(args, "key"),
        value: optionalString(args, "value") ?? "",
      });
      return {};
    });
    r.route("DELETE", "model-versions/delete-tag", S.deleteModelVersionTag, async ({ args, ctx }) => {
      await deleteModelVersionTag(deps, ctx, {
        name: requiredString(args, "name"),
        version: versionArg(args),
        key: requiredString(args, "key"),
      });
      return {};
    });
  };
}
