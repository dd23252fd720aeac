// What each GraphQL root field does: the same domain services (and the same wire shapes) as the REST routes
// MLflow's resolvers call, and the caller's read access checked for every object a field resolves, so a
// query reaches exactly what the REST routes would let the same caller read.
import type { GraphQLFieldResolver, GraphQLResolveInfo } from "graphql";
import type { FastifyRequest } from "fastify";
import type { ArtifactProxy } from "../../artifacts/artifact-proxy.js";
import type { ReadAccess } from "../../governance/read-access.js";
import { visiblePage } from "../../governance/visible.js";
import type { RegistryDeps } from "../../registry/registry-deps.js";
import { searchModelVersions } from "../../registry/versions.js";
import type { DatasetService } from "../../tracking/datasets.js";
import type { ViewType } from "../../tracking/entities.js";
import type { ExperimentService } from "../../tracking/experiments.js";
import type { RunService } from "../../tracking/runs.js";
import { wireFiles } from "../mlflow/artifacts.routes.js";
import { experimentToWire } from "../mlflow/experiments.routes.js";
import { wireModelVersion } from "../mlflow/registry-wire.js";
import { experimentDenied } from "../mlflow/run-access.js";
import { metricToWire, runToWire } from "../mlflow/runs.routes.js";
import { protoValue } from "./proto-defaults.js";

export interface GraphqlServices {
  experiments: Pick<ExperimentService, "getExperiment">;
  runs: RunService;
  artifacts: Pick<ArtifactProxy, "listRunArtifacts">;
  registry: RegistryDeps;
  datasets: DatasetService;
}

export interface GraphqlContext {
  request: FastifyRequest;
  access: ReadAccess;
}

type Input = Record<string, unknown> | null | undefined;
type Root = GraphQLFieldResolver<unknown, GraphqlContext, { input?: Input; inputString?: string }>;

const str = (input: Input, field: string): string | undefined =>
  typeof input?.[field] === "string" ? input[field] : undefined;
const strings = (input: Input, field: string): string[] =>
  Array.isArray(input?.[field]) ? (input[field] as unknown[]).filter((v) => typeof v === "string") : [];
const int = (input: Input, field: string): number | undefined =>
  typeof input?.[field] === "number" ? input[field] : undefined;

/** A run as MLflow's GraphQL serves it: its wire JSON, plus what `experiment` and `modelVersions` need. */
interface RunNode extends Record<string, unknown> {
  __runId: string;
  __experimentId: string;
}

export function createResolvers(s: GraphqlServices) {
  function checkExperiment(ctx: GraphqlContext, experimentId: string): void {
    if (!ctx.access.experiment(experimentId)) throw experimentDenied(ctx.request, experimentId);
  }

  async function runNode(ctx: GraphqlContext, runId: string): Promise<RunNode> {
    const run = await s.runs.getRun(runId);
    checkExperiment(ctx, run.info.experimentId);
    return {
      ...runToWire(run),
      __runId: runId,
      __experimentId: run.info.experimentId,
    };
  }

  const searchRuns: Root = async (_root, { input }, ctx) => {
    const experimentIds = strings(input, "experimentIds");
    for (const id of experimentIds) checkExperiment(ctx, id);
    const page = await s.runs.searchRuns({
      experimentIds,
      filter: str(input, "filter"),
      runViewType: str(input, "runViewType") as ViewType | undefined,
      maxResults: int(input, "maxResults"),
      orderBy: strings(input, "orderBy"),
      pageToken: str(input, "pageToken"),
    });
    return {
      runs: page.items.map((run) => ({
        ...runToWire(run),
        __runId: run.info.runId,
        __experimentId: run.info.experimentId,
      })),
      next_page_token: page.nextPageToken,
    };
  };

  const query: Record<string, Root> = {
    test: (_root, { inputString }) => ({ output: inputString }),

    async mlflowGetExperiment(_root, { input }, ctx) {
      const experiment = await s.experiments.getExperiment(str(input, "experimentId") ?? "");
      checkExperiment(ctx, experiment.experimentId);
      return { experiment: experimentToWire(experiment) };
    },

    async mlflowGetRun(_root, { input }, ctx) {
      return { run: await runNode(ctx, str(input, "runId") || str(input, "runUuid") || "") };
    },

    mlflowSearchRuns: searchRuns,

    async mlflowListArtifacts(_root, { input }, ctx) {
      const runId = str(input, "runId") || str(input, "runUuid") || "";
      const run = await s.runs.getRun(runId);
      checkExperiment(ctx, run.info.experimentId);
      const listing = await s.artifacts.listRunArtifacts(runId, str(input, "path") ?? "");
      return { root_uri: listing.rootUri, ...wireFiles(listing.files) };
    },

    async mlflowGetMetricHistoryBulkInterval(_root, { input }, ctx) {
      const runIds = strings(input, "runIds");
      const key = str(input, "metricKey") ?? "";
      // MLflow's GraphQL resolver reads max_results, start_step and end_step from the HTTP query string,
      // which a GraphQL POST does not have: it always samples the whole history at 2500 points per run.
      // The UI relies on that, so the input's range and size are ignored here too.
      if (runIds.length === 0 || key === "") return { metrics: [] };
      const existing = await s.runs.experimentsOfRuns(runIds);
      for (const experimentId of existing.values()) checkExperiment(ctx, experimentId);
      const metrics = await s.runs.getMetricHistoryBulkInterval(runIds, key, undefined, undefined, undefined);
      return { metrics: metrics.map(metricToWire) };
    },

    async mlflowSearchModelVersions(_root, { input }, ctx) {
      const search = {
        filter: str(input, "filter"),
        maxResults:
          input?.maxResults === undefined || input.maxResults === null ? undefined : Number(input.maxResults),
        orderBy: strings(input, "orderBy"),
        pageToken: str(input, "pageToken"),
      };
      const page = await visiblePage(
        ctx.access,
        search,
        (p) => searchModelVersions(s.registry, { ...search, ...p }),
        (v) => ctx.access.version(v),
      );
      return { model_versions: page.items.map(wireModelVersion), next_page_token: page.nextPageToken };
    },
  };

  const mutation: Record<string, Root> = {
    testMutation: (_root, { inputString }) => ({ output: inputString }),
    mlflowSearchRuns: searchRuns,
    async mlflowSearchDatasets(_root, { input }, ctx) {
      const experimentIds = strings(input, "experimentIds");
      for (const id of experimentIds) checkExperiment(ctx, id);
      const summaries = await s.datasets.searchDatasets(experimentIds);
      return {
        dataset_summaries: summaries.map((d) => ({
          experiment_id: d.experimentId,
          name: d.name,
          digest: d.digest,
          context: d.context,
        })),
      };
    },
  };

  /** The fields MLflow's schema adds to a run: its experiment and the model versions made from it. */
  const runExtension: Record<string, GraphQLFieldResolver<RunNode, GraphqlContext>> = {
    async experiment(run, _args, ctx) {
      checkExperiment(ctx, run.__experimentId);
      return experimentToWire(await s.experiments.getExperiment(run.__experimentId));
    },
    async modelVersions(run, _args, ctx) {
      const filter = `run_id='${run.__runId}'`;
      const page = await visiblePage(
        ctx.access,
        {},
        (p) => searchModelVersions(s.registry, { filter, ...p }),
        (v) => ctx.access.version(v),
      );
      return page.items.map(wireModelVersion);
    },
  };

  return { query, mutation, runExtension };
}

/**
 * Every other field reads the wire JSON the REST routes produce: `experimentId` is `experiment_id`, and a
 * field protobuf-JSON leaves out answers its protobuf default, as MLflow's resolvers (which read protobuf
 * messages) do.
 */
export const wireFieldResolver: GraphQLFieldResolver<unknown, GraphqlContext> = (
  source,
  _args,
  _ctx,
  info: GraphQLResolveInfo,
) => {
  const key = info.fieldName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const value = (source as Record<string, unknown> | null)?.[key];
  return protoValue(value, info);
};
