// A deployment's monitoring report: JSON, or JSON lines with progress while a long report is built (the
// current profile of each version reads every segment of the range), so the CLI can say where it is.
import { Readable } from "node:stream";
import type { Clock } from "../../core/clock.js";
import { FlowgateError, invalidParameter } from "../../core/errors.js";
import { versionNumber } from "../../monitoring/baselines.js";
import { buildReport, checkRange, type ReportRange } from "../../monitoring/report/build-report.js";
import type { ReportProgress } from "../../monitoring/report/report.js";
import { reportSources, type ReportSourceDeps } from "../../monitoring/report/report-sources.js";
import type { RoutePlugin } from "../server.js";
import { optionalInt, optionalString, type WireArgs } from "../mlflow/wire-input.js";
import { nativeRoute } from "./native-router.js";
import * as S from "./schemas/monitoring-report.js";

const DAY_MS = 24 * 3600_000;

function rangeOf(args: WireArgs, clock: Clock): ReportRange {
  const to = optionalInt(args, "to") ?? clock.now();
  const from = optionalInt(args, "from") ?? to - DAY_MS;
  const version = optionalString(args, "version");
  if (version !== undefined) versionNumber(version);
  const range = { from, to, ...(version === undefined ? {} : { version }) };
  checkRange(range);
  return range;
}

function wantsLines(accept: string | undefined): boolean {
  return (accept ?? "").toLowerCase().includes("application/x-ndjson");
}

function errorLine(err: unknown): string {
  const e =
    err instanceof FlowgateError
      ? { error_code: err.code, message: err.message }
      : { error_code: "INTERNAL_ERROR", message: "The report failed on the server; see its log." };
  return `${JSON.stringify({ error: e })}\n`;
}

export function monitoringReportRoutes(deps: ReportSourceDeps): RoutePlugin {
  return (app) => {
    nativeRoute(
      app,
      "GET",
      "monitoring/deployments/:name/report",
      S.getMonitoringReport,
      async ({ params, args, ctx, request, reply }) => {
        const name = params.name ?? "";
        if (name === "") throw invalidParameter("A deployment name is required.");
        const range = rangeOf(args, deps.clock);
        const sources = reportSources(deps, ctx);
        if (!wantsLines(request.headers.accept)) return buildReport(sources, name, range);
        // The deployment is looked up before the answer starts, so an unknown one is still a plain 404.
        await sources.deployment(name);
        const lines = Readable.from(
          (async function* () {
            const queue: ReportProgress[] = [];
            let wake: () => void = () => {};
            let finished = false;
            let outcome: string | undefined;
            void buildReport(sources, name, range, (p) => {
              queue.push(p);
              wake();
            })
              .then(
                (report) => (outcome = `${JSON.stringify({ report })}\n`),
                (err: unknown) => {
                  request.log.error({ err }, "monitoring report failed");
                  outcome = errorLine(err);
                },
              )
              .finally(() => {
                finished = true;
                wake();
              });
            for (;;) {
              while (queue.length > 0) yield `${JSON.stringify({ progress: queue.shift() })}\n`;
              if (finished) break;
              await new Promise<void>((resolve) => (wake = resolve));
            }
            yield outcome ?? "";
          })(),
        );
        return reply.type("application/x-ndjson; charset=utf-8").send(lines);
      },
    );
  };
}
