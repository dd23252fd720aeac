// What gates look at for one model version: its run's latest metrics, its tags, whether its MLmodel has a
// signature, how big its files are and how fast it serves; and which version currently holds a target. Read from the registry
// and tracking tables and the artifact repository; never written here.
import { artifactUriPath } from "../../artifacts/artifact-uri.js";
import type { ArtifactRepository } from "../../artifacts/artifact-repo.js";
import type { Executor } from "../../store/database.js";
import type { PromotionTarget } from "../policies.js";
import { latestMeasurement, type LatencyMeasurement } from "./latency-measurements.js";

export interface VersionFacts {
  name: string;
  version: number;
  stage: string;
  /** Who registered the version (MLflow's user_id). */
  creator: string | undefined;
  runId: string | undefined;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  /** undefined when the MLmodel could not be read. */
  hasSignature: boolean | undefined;
  sizeBytes: number | undefined;
  /** The version's serving smoke benchmark, when one has run. */
  latency: LatencyMeasurement | undefined;
}

export interface VersionFactsReader {
  facts(x: Executor, name: string, version: number): Promise<VersionFacts | undefined>;
  /** The version holding `target` now, other than `exclude` (the highest one for a stage). */
  holder(x: Executor, name: string, target: PromotionTarget, exclude: number): Promise<number | undefined>;
}

const MAX_FILES = 10_000;

async function treeSize(repo: ArtifactRepository, dir: string): Promise<number | undefined> {
  let total = 0;
  let files = 0;
  const queue = [dir];
  while (queue.length > 0) {
    const current = queue.shift() as string;
    const entries = await repo.list(current);
    if (entries === undefined) return undefined;
    for (const e of entries) {
      const child = current === "" ? e.path : `${current}/${e.path}`;
      if (e.isDir) queue.push(child);
      else total += e.fileSize ?? 0;
      if (++files > MAX_FILES) return total;
    }
  }
  return total;
}

async function readText(repo: ArtifactRepository, path: string): Promise<string | undefined> {
  try {
    const file = await repo.get(path);
    const chunks: Buffer[] = [];
    for await (const c of file.stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  } catch {
    return undefined;
  }
}

export function createVersionFactsReader(deps: { artifacts: ArtifactRepository }): VersionFactsReader {
  async function modelId(x: Executor, name: string): Promise<number | undefined> {
    const r = await x
      .selectFrom("registered_models")
      .select("id")
      .where("name", "=", name)
      .executeTakeFirst();
    return r === undefined ? undefined : Number(r.id);
  }
  return {
    async facts(x, name, version) {
      const id = await modelId(x, name);
      if (id === undefined) return undefined;
      const v = await x
        .selectFrom("model_versions")
        .selectAll()
        .where("registered_model_id", "=", id)
        .where("version", "=", version)
        .where("current_stage", "!=", "Deleted_Internal")
        .executeTakeFirst();
      if (v === undefined) return undefined;
      const tags = await x
        .selectFrom("model_version_tags")
        .select(["key", "value"])
        .where("registered_model_id", "=", id)
        .where("version", "=", version)
        .execute();
      const metrics =
        v.run_id === null
          ? []
          : await x
              .selectFrom("latest_metrics")
              .select(["key", "value", "is_nan"])
              .where("run_id", "=", v.run_id)
              .execute();
      let storePath: string | undefined;
      try {
        storePath = artifactUriPath(v.storage_location, "storage_location");
      } catch {
        storePath = undefined;
      }
      const mlmodel =
        storePath === undefined ? undefined : await readText(deps.artifacts, `${storePath}/MLmodel`);
      return {
        name,
        version,
        stage: v.current_stage,
        creator: v.user_id ?? undefined,
        runId: v.run_id ?? undefined,
        metrics: Object.fromEntries(
          metrics.map((m) => [m.key, Number(m.is_nan) === 1 ? Number.NaN : Number(m.value)]),
        ),
        tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
        hasSignature: mlmodel === undefined ? undefined : /^signature:/m.test(mlmodel),
        sizeBytes: storePath === undefined ? undefined : await treeSize(deps.artifacts, storePath),
        latency: await latestMeasurement(x, name, version),
      };
    },
    async holder(x, name, target, exclude) {
      const id = await modelId(x, name);
      if (id === undefined) return undefined;
      if (target.kind === "alias") {
        const r = await x
          .selectFrom("registered_model_aliases")
          .select("version")
          .where("registered_model_id", "=", id)
          .where("alias", "=", target.name)
          .executeTakeFirst();
        return r === undefined || Number(r.version) === exclude ? undefined : Number(r.version);
      }
      const r = await x
        .selectFrom("model_versions")
        .select("version")
        .where("registered_model_id", "=", id)
        .where("current_stage", "=", target.name)
        .where("version", "!=", exclude)
        .orderBy("version", "desc")
        .executeTakeFirst();
      return r === undefined ? undefined : Number(r.version);
    },
  };
}
