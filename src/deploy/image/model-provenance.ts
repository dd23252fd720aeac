// Where a model version came from, for an image's labels: registered name and version, run id, the git commit
// the run was trained from (its mlflow.source.git.commit tag) and a digest of its signature, so an image in a
// registry can be traced to the version, the run and the code, and a changed signature changes the image.
import { createHash } from "node:crypto";
import type { Logger } from "../../core/logger.js";
import type { MLmodel } from "../../models/mlmodel.js";
import { callTracking } from "../../serving/model-locator.js";

export interface ModelProvenance {
  name: string;
  version: string;
  runId: string | undefined;
  gitCommit: string | undefined;
  /** sha256 of the MLmodel signature (inputs, outputs, params as MLflow wrote them), or undefined without one. */
  signatureDigest: string | undefined;
}

export async function modelProvenance(
  resolved: { name: string; version: string },
  mlmodel: MLmodel,
  tracking: { trackingUri: string | undefined; authorization: string | undefined; logger: Logger },
): Promise<ModelProvenance> {
  const runId = mlmodel.runId ?? undefined;
  return {
    name: resolved.name,
    version: resolved.version,
    runId,
    gitCommit: runId === undefined ? undefined : await gitCommitOf(runId, tracking),
    signatureDigest: signatureDigest(mlmodel),
  };
}

export function signatureDigest(mlmodel: MLmodel): string | undefined {
  const s = mlmodel.signature;
  if (s === null) return undefined;
  const canonical = JSON.stringify([s.inputs, s.outputs, s.params]);
  return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

/** The run's git commit tag; a local model or an unreachable server leaves it out (logged), never fails the build. */
async function gitCommitOf(
  runId: string,
  tracking: { trackingUri: string | undefined; authorization: string | undefined; logger: Logger },
): Promise<string | undefined> {
  if (tracking.trackingUri === undefined || !/^https?:\/\//.test(tracking.trackingUri)) return undefined;
  try {
    const r = await callTracking(
      {
        cacheDir: "",
        trackingUri: tracking.trackingUri,
        logger: tracking.logger,
        authorization: tracking.authorization,
      },
      "GET",
      "/api/2.0/mlflow/runs/get",
      { run_id: runId },
    );
    const tags = ((r.run as { data?: { tags?: { key: string; value: string }[] } } | undefined)?.data?.tags ??
      []) as { key: string; value: string }[];
    return tags.find((t) => t.key === "mlflow.source.git.commit")?.value;
  } catch (err) {
    tracking.logger.warn(
      { run_id: runId, err: (err as Error).message },
      "the run's git commit could not be read",
    );
    return undefined;
  }
}
