// Native API of deployments: create, list, get, change (a new revision), delete, revisions, rollback, the
// routing snapshot serving follows (ETag, If-None-Match → 304, long-poll with wait), serving's observation
// windows and the metric series the UI charts. The rollout actions are deployment-actions.routes.ts.
import { invalidParameter } from "../../core/errors.js";
import type { DeploymentService } from "../../delivery/deployments.js";
import { readAccessOfRequest } from "../auth-guard.js";
import type { RoutePlugin } from "../server.js";
import { optionalDouble, optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as S from "./schemas/deployments.js";

const MAX_WAIT_SECONDS = 30;

/** `"<etag>"`, `W/"<etag>"` or a list of them, as If-None-Match carries them. */
function etagsOf(header: string | string[] | undefined): string[] {
  const text = Array.isArray(header) ? header.join(",") : (header ?? "");
  return text
    .split(",")
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, "")
        .replace(/^"(.*)"$/, "$1"),
    )
    .filter((t) => t !== "");
}

function revisionNumber(raw: string | undefined): number {
  if (raw === undefined || !/^[1-9]\d{0,8}$/.test(raw)) {
    throw invalidParameter(`Invalid revision '${(raw ?? "").slice(0, 20)}': a positive integer.`);
  }
  return Number(raw);
}

function waitSeconds(args: WireArgs): number {
  const wait = optionalDouble(args, "wait") ?? 0;
  if (!(wait >= 0 && wait <= MAX_WAIT_SECONDS)) {
    throw invalidParameter(`wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS} (got ${wait}).`);
  }
  return wait;
}

export function deploymentsRoutes(deps: { deployments: DeploymentService }): RoutePlugin {
  const { deployments } = deps;
  return (app) => {
    nativeRoute(app, "POST", "deployments", S.createDeployment, async ({ args, ctx }) => ({
      deployment: await deployments.create(ctx, { spec: args.spec, reason: args.reason }),
    }));
    nativeRoute(app, "GET", "deployments", S.listDeployments, async ({ args, ctx, request }) =>
      deployments.list(
        ctx,
        {
          model: optionalString(args, "model"),
          maxResults: optionalInt(args, "max_results"),
          pageToken: optionalString(args, "page_token"),
        },
        readAccessOfRequest(request),
      ),
    );
    nativeRoute(app, "GET", "deployments/:name", S.getDeployment, async ({ params, ctx }) => ({
      deployment: await deployments.get(ctx, params.name ?? ""),
    }));
    nativeRoute(app, "PUT", "deployments/:name", S.updateDeployment, async ({ params, args, ctx }) => ({
      deployment: await deployments.update(ctx, params.name ?? "", {
        spec: args.spec,
        reason: args.reason,
        expectedRevision: optionalInt(args, "expectedRevision"),
      }),
    }));
    nativeRoute(
      app,
      "DELETE",
      "deployments/:name",
      S.deleteDeployment,
      async ({ params, args, ctx, request }) => {
        const reason =
          optionalString(args, "reason") ?? optionalString((request.query ?? {}) as WireArgs, "reason");
        await deployments.delete(ctx, params.name ?? "", reason);
        return {};
      },
    );
    nativeRoute(app, "GET", "deployments/:name/revisions", S.listRevisions, async ({ params }) => ({
      revisions: await deployments.revisions(params.name ?? ""),
    }));
    nativeRoute(app, "GET", "deployments/:name/revisions/:revision", S.getRevision, async ({ params }) => ({
      revision: await deployments.revision(params.name ?? "", revisionNumber(params.revision)),
    }));
    nativeRoute(
      app,
      "POST",
      "deployments/:name/rollback",
      S.rollbackDeployment,
      async ({ params, args, ctx }) => ({
        deployment: await deployments.rollback(ctx, params.name ?? "", {
          reason: args.reason,
          toRevision: optionalInt(args, "toRevision"),
        }),
      }),
    );
    nativeRoute(
      app,
      "GET",
      "deployments/:name/routing",
      S.getRouting,
      async ({ params, args, request, reply }) => {
        const name = params.name ?? "";
        const wait = waitSeconds(args);
        const known = etagsOf(request.headers["if-none-match"]);
        // A long-poll ends early when the caller goes away.
        const gone = new AbortController();
        reply.raw.on("close", () => gone.abort());
        const snapshot =
          known.length === 0
            ? await deployments.routing(name)
            : await deployments.waitForRouting(name, known[0], wait * 1000, gone.signal);
        void reply.header("etag", `"${snapshot.etag}"`).header("cache-control", "no-cache");
        if (known.includes(snapshot.etag)) return reply.code(304).send();
        return snapshot;
      },
    );
    nativeRoute(
      app,
      "POST",
      "deployments/:name/observations",
      S.postObservations,
      async ({ params, request }) => {
        await deployments.recordObservation(params.name ?? "", request.body);
        return {};
      },
    );
    nativeRoute(app, "GET", "deployments/:name/metrics", S.getMetrics, async ({ params, args }) =>
      deployments.metrics(params.name ?? "", {
        since: optionalInt(args, "since"),
        stepSeconds: optionalInt(args, "step"),
      }),
    );
  };
}
