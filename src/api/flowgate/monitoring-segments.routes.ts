// Native API of the prediction log's segments: serving replicas upload one Parquet file per rotation (the body
// is the file's bytes; deployment, replica and seq in the query), and the monitor, reports and people list a
// deployment's segments by time.
import type { FastifySchema } from "fastify";
import { invalidParameter } from "../../core/errors.js";
import { MAX_SEGMENT_BYTES, type SegmentService } from "../../monitoring/segments.js";
import { optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import type { RoutePlugin } from "../server.js";
import { ERROR_BODY, int64, message, repeated, str } from "../openapi/wire-schema.js";
import { nativeRoute, NATIVE_PREFIX } from "./native-router.js";
import type { RouteSchema } from "../openapi/route-schema.js";

const PARQUET_TYPES = ["application/vnd.apache.parquet", "application/octet-stream"];

const SEGMENT = message(
  {
    id: str(),
    deployment: str(),
    path: str(
      "Relative to the artifact root: monitoring/<deployment>/<yyyy-mm-dd>/<first>-<replica>-<seq>.parquet",
    ),
    replica: str(),
    firstTime: { type: "integer" },
    lastTime: { type: "integer" },
    rows: { type: "integer" },
    bytes: { type: "integer" },
    versions: repeated(str()),
    createdAt: { type: "integer" },
  },
  ["id", "deployment", "path", "replica", "firstTime", "lastTime", "rows", "bytes", "versions", "createdAt"],
);

const BYTES = { type: "string", format: "binary", "x-raw-body": true };

const uploadSegment: FastifySchema = {
  tags: ["monitoring"],
  summary: "Upload one prediction-log segment (a Parquet file) of a deployment, from a serving replica.",
  description:
    "The body is the segment's bytes. It is checked (Parquet magic bytes; the footer names rows, time range " +
    "and versions), stored in the artifact store under monitoring/<deployment>/…, then indexed.",
  querystring: message(
    {
      deployment: str("The deployment whose predictions these are."),
      replica: str("The serving replica's name (host:port/pid)."),
      seq: int64("The replica's sequence number of this segment: a retry with the same one replaces it."),
    },
    ["deployment", "replica"],
  ),
  body: { content: Object.fromEntries(PARQUET_TYPES.map((t) => [t, { schema: BYTES }])) },
  response: {
    200: message({ segment: SEGMENT }, ["segment"]),
    default: { description: "An error", content: { "application/json": { schema: ERROR_BODY } } },
  },
};

const listSegments: RouteSchema = {
  summary: "A deployment's prediction-log segments with rows in [from, to) (ms since epoch), oldest first.",
  params: message({ name: str() }, ["name"]),
  args: message({
    from: int64("Ms since epoch (default: the start)."),
    to: int64("Ms since epoch (default: now on)."),
  }),
  response: message({ segments: repeated(SEGMENT) }, ["segments"]),
};

function seqOf(args: WireArgs): number | undefined {
  const raw = optionalString(args, "seq");
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw invalidParameter(`seq must be a non-negative integer (got '${raw.slice(0, 20)}').`);
  return Number(raw);
}

export function monitoringSegmentsRoutes(deps: { segments: SegmentService }): RoutePlugin {
  const { segments } = deps;
  return (app) => {
    // Inside this plugin, Parquet bodies are taken as bytes, up to the segment cap.
    app.addContentTypeParser(
      PARQUET_TYPES,
      { parseAs: "buffer", bodyLimit: MAX_SEGMENT_BYTES },
      (_r, body, done) => done(null, body),
    );
    app.post(
      `${NATIVE_PREFIX}/monitoring/segments`,
      { schema: uploadSegment, bodyLimit: MAX_SEGMENT_BYTES, config: { rawBody: true } },
      async (request) => {
        const query = (request.query ?? {}) as WireArgs;
        const deployment = optionalString(query, "deployment");
        if (deployment === undefined || deployment === "")
          throw invalidParameter("deployment is required: the deployment whose predictions these are.");
        if (!Buffer.isBuffer(request.body)) {
          throw invalidParameter(
            "The body must be the segment's Parquet bytes, sent as application/vnd.apache.parquet.",
          );
        }
        const segment = await segments.upload({
          deployment,
          replica: optionalString(query, "replica") ?? "",
          seq: seqOf(query),
          body: request.body,
        });
        return { segment };
      },
    );
    nativeRoute(
      app,
      "GET",
      "monitoring/deployments/:name/segments",
      listSegments,
      async ({ params, args }) => ({
        segments: await segments.list(params.name ?? "", optionalInt(args, "from"), optionalInt(args, "to")),
      }),
    );
  };
}
