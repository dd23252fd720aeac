// Native API for a running rollout: POST deployments/:name/{promote,pause,resume,abort} with {reason, full?}.
import type { DeploymentActions } from "../../delivery/controller/deployment-actions.js";
import type { RoutePlugin } from "../server.js";
import { optionalBool, requiredString } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as S from "./schemas/deployment-actions.js";

export function deploymentActionsRoutes(deps: { actions: DeploymentActions }): RoutePlugin {
  const { actions } = deps;
  return (app) => {
    nativeRoute(
      app,
      "POST",
      "deployments/:name/promote",
      S.promoteDeployment,
      async ({ params, args, ctx }) => {
        const full = optionalBool(args, "full");
        return {
          deployment: await actions.apply(ctx, params.name ?? "", {
            kind: "promote",
            reason: requiredString(args, "reason"),
            ...(full !== undefined ? { full } : {}),
          }),
        };
      },
    );
    for (const [kind, schema] of [
      ["pause", S.pauseDeployment],
      ["resume", S.resumeDeployment],
      ["abort", S.abortDeployment],
    ] as const) {
      nativeRoute(app, "POST", `deployments/:name/${kind}`, schema, async ({ params, args, ctx }) => ({
        deployment: await actions.apply(ctx, params.name ?? "", {
          kind,
          reason: requiredString(args, "reason"),
        }),
      }));
    }
  };
}
