// Reads that name several runs at once (metric bulk reads, GraphQL): the guard admits any caller who may read
// some experiment, and this checks each named run's experiment with the same read rule the guard applies to
// a single run, so a bulk read never shows a run its caller could not open on its own.
import type { FastifyRequest } from "fastify";
import { FlowgateError } from "../../core/errors.js";
import type { RunService } from "../../tracking/runs.js";
import { readAccessOfRequest } from "../auth-guard.js";

export function experimentDenied(request: FastifyRequest, experimentId: string): FlowgateError {
  return new FlowgateError(
    "PERMISSION_DENIED",
    `User '${request.principal?.username ?? "anonymous"}' lacks permission experiment.read on experiment ` +
      `'${experimentId}'; ask an admin for a role that grants it.`,
  );
}

/** Throws PERMISSION_DENIED unless the caller may read the experiment of every existing run in `runIds`. */
export async function checkRunsReadable(
  request: FastifyRequest,
  runs: Pick<RunService, "experimentsOfRuns">,
  runIds: readonly string[],
): Promise<void> {
  const access = readAccessOfRequest(request);
  if (access.unrestricted) return;
  for (const experimentId of (await runs.experimentsOfRuns(runIds)).values()) {
    if (!access.experiment(experimentId)) throw experimentDenied(request, experimentId);
  }
}
