// Labels: the ground truth for predictions, arriving later (a fraud confirmed, a churn observed), uploaded in
// batches and joined by the monitor to the prediction log by request id. A label is stored per (deployment,
// request id); sending one again replaces it (a corrected label). Each upload is one transaction with its
// audit record.
import type { Clock } from "../core/clock.js";
import { invalidParameter, notFound } from "../core/errors.js";
import type { RequestContext } from "../core/request-context.js";
import type { AuditLog } from "../governance/audit.js";
import type { DeploymentStore } from "../delivery/deployment-store.js";
import type { Database } from "../store/database.js";
import type { LabelArrivals, LabelRecord, LabelValue, MonitoringStore } from "./monitoring-store.js";

export const MAX_LABELS_PER_CALL = 10_000;
/** As serving accepts an x-request-id (anything else gets a generated one, which has this form too). */
export const REQUEST_ID_PATTERN = /^[\w.-]{1,128}$/;
const MAX_LABEL_CHARS = 256;

export interface LabelUpload {
  deployment: string;
  /** Request ids in the batch (a request id sent twice counts once: the last label wins). */
  received: number;
}

export interface LabelService {
  /** Validates and upserts a batch of `{ request_id, label }` (at most MAX_LABELS_PER_CALL). */
  upload(ctx: RequestContext, deployment: string, labels: unknown): Promise<LabelUpload>;
  /** The labels stored for these request ids (any number; absent ids have none). */
  find(deployment: string, requestIds: readonly string[]): Promise<Map<string, LabelValue>>;
  /** How many labels arrived at or after `since` (ms), and when the newest did: windows to recompute. */
  labelledSince(deployment: string, since: number): Promise<LabelArrivals>;
}

export interface LabelServiceDeps {
  database: Database;
  store: MonitoringStore;
  deployments: Pick<DeploymentStore, "get">;
  audit: AuditLog;
  clock: Clock;
}

function labelValue(v: unknown, at: string): LabelValue {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.length >= 1 && v.length <= MAX_LABEL_CHARS) return v;
  throw invalidParameter(
    `Invalid ${at}.label ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}: a finite number or a string of 1 to ` +
      `${MAX_LABEL_CHARS} characters.`,
  );
}

function parseLabels(labels: unknown, now: number): LabelRecord[] {
  if (!Array.isArray(labels)) throw invalidParameter("labels must be a list of {request_id, label}.");
  if (labels.length === 0) throw invalidParameter("labels is empty: send 1 to 10000 labels.");
  if (labels.length > MAX_LABELS_PER_CALL) {
    throw invalidParameter(
      `Too many labels (${labels.length}): at most ${MAX_LABELS_PER_CALL} per call; send them in batches.`,
    );
  }
  const byId = new Map<string, LabelRecord>();
  labels.forEach((item: unknown, i) => {
    const at = `labels[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw invalidParameter(`Invalid ${at}: an object {request_id, label}.`);
    }
    const { request_id: requestId, label } = item as Record<string, unknown>;
    if (typeof requestId !== "string" || !REQUEST_ID_PATTERN.test(requestId)) {
      throw invalidParameter(
        `Invalid ${at}.request_id ${JSON.stringify(requestId)?.slice(0, 40) ?? "(missing)"}: the x-request-id ` +
          "serving answered, 1 to 128 letters, digits, '_', '-' or '.'.",
      );
    }
    byId.set(requestId, { requestId, label: labelValue(label, at), receivedAt: now });
  });
  return [...byId.values()];
}

export function createLabelService(deps: LabelServiceDeps): LabelService {
  const { database, store, audit, clock } = deps;
  return {
    async upload(ctx, deployment, labels) {
      const parsed = parseLabels(labels, clock.now());
      if ((await deps.deployments.get(database.db, deployment)) === undefined) {
        throw notFound(`Deployment '${deployment.slice(0, 200)}' not found.`);
      }
      await database.transaction(async (trx) => {
        await store.upsertLabels(trx, deployment, parsed);
        await audit.record(trx, ctx, {
          action: "monitoring.labels_upload",
          targetType: "deployment",
          targetId: deployment,
          after: { labels: parsed.length },
        });
      });
      return { deployment, received: parsed.length };
    },
    async find(deployment, requestIds) {
      const found = await store.findLabels(database.db, deployment, requestIds);
      return new Map([...found].map(([id, l]) => [id, l.label]));
    },
    labelledSince: (deployment, since) => store.labelArrivals(database.db, deployment, since),
  };
}
