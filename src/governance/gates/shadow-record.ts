// The recorded shadow comparison of one model version, summed over the observation windows serving replicas
// reported while that version ran as a deployment's shadow: how long, on how many requests, how often it
// agreed with the primary, failed, and how slow it was. Read by the `shadow` gate; never written here.
import type { DeploymentStore } from "../../delivery/deployment-store.js";
import type { ObservationWindow } from "../../delivery/observation.js";
import type { Executor } from "../../store/database.js";

/** What the shadow gate reads of the deployments (the deployment store, narrowed). */
export interface ShadowRecordReader {
  /** The model a deployment serves; undefined when there is no such deployment. */
  modelOf(x: Executor, deployment: string): Promise<string | undefined>;
  deploymentsOf(x: Executor, model: string): Promise<string[]>;
  /** Windows with fromMs < endedAt <= toMs, oldest first. */
  observations(x: Executor, deployment: string, fromMs: number, toMs: number): Promise<ObservationWindow[]>;
}

export function shadowRecordReader(store: DeploymentStore): ShadowRecordReader {
  const PAGE = 500;
  return {
    async modelOf(x, deployment) {
      return (await store.get(x, deployment))?.model;
    },
    async deploymentsOf(x, model) {
      const names: string[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.list(x, { model, offset, limit: PAGE });
        names.push(...page.map((d) => d.name));
        if (page.length < PAGE) return names;
      }
    },
    observations: (x, deployment, fromMs, toMs) => store.observations(x, deployment, fromMs, toMs),
  };
}

export interface ShadowRecord {
  version: number;
  /** Where it was looked for, in words ("deployment 'fraud-live'", "any deployment of 'fraud'"). */
  scope: string;
  /** Why nothing could be looked at (the named deployment does not exist or serves another model). */
  unavailable?: string;
  /** The deployments whose windows shadowed the version. */
  deployments: string[];
  /** The period read. */
  fromMs: number;
  toMs: number;
  windows: number;
  /** Start of the first and end of the last window that shadowed the version. */
  firstAt?: number;
  lastAt?: number;
  requests: number;
  compared: number;
  agreed: number;
  errors: number;
  dropped: number;
  /** The highest p99 of a window with requests. */
  p99Ms?: number;
}

/** Windows are read an hour at a time, so a long shadow period never sits in memory at once. */
const CHUNK_MS = 3_600_000;

/**
 * Sums the shadow windows of `version` over the `lookbackMs` before `now`, in `deployment` or in every
 * deployment of `model`.
 */
export async function readShadowRecord(
  reader: ShadowRecordReader,
  x: Executor,
  q: { model: string; version: number; deployment?: string | undefined; now: number; lookbackMs: number },
): Promise<ShadowRecord> {
  const record: ShadowRecord = {
    version: q.version,
    scope: q.deployment === undefined ? `any deployment of '${q.model}'` : `deployment '${q.deployment}'`,
    deployments: [],
    fromMs: q.now - q.lookbackMs,
    toMs: q.now,
    windows: 0,
    requests: 0,
    compared: 0,
    agreed: 0,
    errors: 0,
    dropped: 0,
  };
  let names: string[];
  if (q.deployment !== undefined) {
    const model = await reader.modelOf(x, q.deployment);
    if (model !== q.model) {
      record.unavailable =
        model === undefined
          ? `deployment '${q.deployment}' does not exist`
          : `deployment '${q.deployment}' serves model '${model}', not '${q.model}'`;
      return record;
    }
    names = [q.deployment];
  } else {
    names = await reader.deploymentsOf(x, q.model);
  }
  const version = String(q.version);
  for (const name of names) {
    for (let from = record.fromMs; from < record.toMs; from += CHUNK_MS) {
      const windows = await reader.observations(x, name, from, Math.min(from + CHUNK_MS, record.toMs));
      for (const w of windows) {
        const s = w.shadow;
        if (s === undefined || s.version !== version) continue;
        if (!record.deployments.includes(name)) record.deployments.push(name);
        record.windows += 1;
        record.firstAt = Math.min(record.firstAt ?? w.startedAt, w.startedAt);
        record.lastAt = Math.max(record.lastAt ?? w.endedAt, w.endedAt);
        record.requests += s.requests;
        record.compared += s.compared;
        record.agreed += s.agreed;
        record.errors += s.errors;
        record.dropped += s.dropped;
        if (s.requests > 0) record.p99Ms = Math.max(record.p99Ms ?? s.latencyMs.p99, s.latencyMs.p99);
      }
    }
  }
  return record;
}
