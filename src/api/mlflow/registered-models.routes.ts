// MLflow's registered-model routes (`/api/2.0/mlflow/registered-models/…`, and `/ajax-api/…`), including
// aliases and get-latest-versions (POST, with GET kept for older clients).
import { readAccessOfRequest } from "../auth-guard.js";
import { visibleModel, visibleModels, visibleVersions } from "../../governance/visible.js";
import type { RoutePlugin } from "../server.js";
import type { RegistryDeps } from "../../registry/registry-deps.js";
import {
  createRegisteredModel,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getLatestVersions,
  getRegisteredModel,
  renameRegisteredModel,
  searchRegisteredModels,
  setRegisteredModelTag,
  updateRegisteredModel,
} from "../../registry/registered-models.js";
import { deleteAlias, getVersionByAlias, setAlias } from "../../registry/aliases.js";
import { mlflowRouter } from "./mlflow-router.js";
import { keyValueList, optionalInt, optionalString, requiredString, stringList } from "./wire-input.js";
import { versionArg, wireModelVersion, wireRegisteredModel } from "./registry-wire.js";
import { protoMessage } from "./wire-output.js";
import * as S from "./schemas/registry.js";

export function registeredModelRoutes(deps: RegistryDeps): RoutePlugin {
  return (app) => {
    const r = mlflowRouter(app);
    r.route("POST", "registered-models/create", S.createRegisteredModel, async ({ args, ctx }) => {
      const { model } = await createRegisteredModel(deps, ctx, {
        name: requiredString(args, "name"),
        description: optionalString(args, "description"),
        tags: keyValueList(args, "tags"),
      });
      return { registered_model: wireRegisteredModel(model) };
    });
    r.route("GET", "registered-models/get", S.getRegisteredModel, async ({ args, request }) => ({
      registered_model: wireRegisteredModel(
        await visibleModel(
          readAccessOfRequest(request),
          await getRegisteredModel(deps, requiredString(args, "name")),
        ),
      ),
    }));
    r.route("POST", "registered-models/rename", S.renameRegisteredModel, async ({ args, ctx }) => ({
      registered_model: wireRegisteredModel(
        await renameRegisteredModel(deps, ctx, {
          name: requiredString(args, "name"),
          newName: requiredString(args, "new_name"),
        }),
      ),
    }));
    r.route("PATCH", "registered-models/update", S.updateRegisteredModel, async ({ args, ctx }) => ({
      registered_model: wireRegisteredModel(
        await updateRegisteredModel(deps, ctx, {
          name: requiredString(args, "name"),
          description: optionalString(args, "description") ?? null,
        }),
      ),
    }));
    r.route("DELETE", "registered-models/delete", S.deleteRegisteredModel, async ({ args, ctx }) => {
      await deleteRegisteredModel(deps, ctx, requiredString(args, "name"));
      return {};
    });
    r.route(
      ["GET", "POST"],
      "registered-models/search",
      S.searchRegisteredModels,
      async ({ args, request }) => {
        const search = {
          filter: optionalString(args, "filter"),
          maxResults: optionalInt(args, "max_results"),
          orderBy: stringList(args, "order_by"),
          pageToken: optionalString(args, "page_token"),
        };
        const page = await visibleModels(readAccessOfRequest(request), search, (p) =>
          searchRegisteredModels(deps, { ...search, ...p }),
        );
        return protoMessage({
          registered_models: page.items.map(wireRegisteredModel),
          next_page_token: page.nextPageToken,
        });
      },
    );
    // The 3.x client POSTs and falls back to GET only on ENDPOINT_NOT_FOUND; 2.x clients GET.
    r.route(
      ["POST", "GET"],
      "registered-models/get-latest-versions",
      S.getLatestVersions,
      async ({ args, request }) =>
        protoMessage({
          model_versions: (
            await visibleVersions(
              readAccessOfRequest(request),
              await getLatestVersions(deps, {
                name: requiredString(args, "name"),
                stages: stringList(args, "stages"),
              }),
            )
          ).map(wireModelVersion),
        }),
    );
    r.route("POST", "registered-models/set-tag", S.setRegisteredModelTag, async ({ args, ctx }) => {
      await setRegisteredModelTag(deps, ctx, {
        name: requiredString(args, "name"),
        key: requiredString(args, "key"),
        value: optionalString(args, "value") ?? "",
      });
      return {};
    });
    r.route("DELETE", "registered-models/delete-tag", S.deleteRegisteredModelTag, async ({ args, ctx }) => {
      await deleteRegisteredModelTag(deps, ctx, {
        name: requiredString(args, "name"),
        key: requiredString(args, "key"),
      });
      return {};
    });
    r.route("POST", "registered-models/alias", S.setAlias, async ({ args, ctx }) => {
      await setAlias(deps, ctx, {
        name: requiredString(args, "name"),
        alias: optionalString(args, "alias") ?? "",
        version: versionArg(args),
      });
      return {};
    });
    r.route("DELETE", "registered-models/alias", S.deleteAlias, async ({ args, ctx }) => {
      await deleteAlias(deps, ctx, {
        name: requiredString(args, "name"),
        alias: requiredString(args, "alias"),
      });
      return {};
    });
    r.route("GET", "registered-models/alias", S.getVersionByAlias, async ({ args }) => ({
      model_version: wireModelVersion(
        await getVersionByAlias(deps, {
          name: requiredString(args, "name"),
          alias: requiredString(args, "alias"),
        }),
      ),
    }));
  };
}
