// Request and response schema of a deployment's monitoring report (GET …/monitoring/deployments/{name}/report):
// the MonitoringReport of src/monitoring/report/report.ts as JSON, times in epoch ms.
import type { RouteSchema } from "../../openapi/route-schema.js";
import { int64, message, str, type JsonSchema } from "../../openapi/wire-schema.js";

const OBJECT: JsonSchema = { type: "object", additionalProperties: true };
const ARRAY_OF_OBJECTS: JsonSchema = { type: "array", items: OBJECT };
const INTEGER = { type: "integer" };

export const getMonitoringReport: RouteSchema = {
  summary: "A deployment's monitoring report over a time range.",
  description:
    "Per version served in [from, to): the stored windows with every drift decision (method, score, thresholds, " +
    "level) and quality; per input and prediction column the baseline's histogram beside the histogram of " +
    "everything logged in the range (on the baseline's bins) and the drift score per window; the alerts whose " +
    "window overlaps the range; a summary. With `Accept: application/x-ndjson` the answer is JSON lines: " +
    '`{"progress": {stage, done, total}}` lines while it is built, then `{"report": …}` (or `{"error": …}`).',
  params: message({ name: str("The deployment's name.") }, ["name"]),
  args: message({
    from: int64("Start of the range, epoch ms (default: 24 hours before `to`)."),
    to: int64("End of the range (exclusive), epoch ms (default: now)."),
    version: str("Only this version (a number)."),
  }),
  response: message(
    {
      deployment: str(),
      model: str(),
      from: INTEGER,
      to: INTEGER,
      version: str(),
      generatedAt: INTEGER,
      summary: OBJECT,
      versions: ARRAY_OF_OBJECTS,
      alerts: ARRAY_OF_OBJECTS,
    },
    ["deployment", "model", "from", "to", "generatedAt", "summary", "versions", "alerts"],
  ),
};
