// The static, append-only list of migrations. A shipped entry is never edited or reordered.
import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";
import * as initial from "./0001-initial.js";
import * as governance from "./0003-governance.js";
import * as webhooks from "./0004-webhooks.js";
import * as latency from "./0005-latency-measurements.js";
import * as grantsByModelId from "./0006-grants-by-model-id.js";
import * as nameKeys from "./0007-name-keys.js";
import * as deployments from "./0008-deployments.js";
import * as controllerLeases from "./0009-controller-leases.js";
import * as requestApplied from "./0010-request-applied.js";
import * as predictionSegments from "./0011-prediction-segments.js";
import * as baselinesLabels from "./0012-baselines-labels.js";
import * as monitoringWindows from "./0013-monitoring-windows-alerts.js";

export interface NumberedMigration {
  name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

export const MIGRATIONS: readonly NumberedMigration[] = [
  { name: "0001-initial", up: initial.up },
  { name: "0003-governance", up: governance.up },
  { name: "0004-webhooks", up: webhooks.up },
  { name: "0005-latency-measurements", up: latency.up },
  { name: "0006-grants-by-model-id", up: grantsByModelId.up },
  { name: "0007-name-keys", up: nameKeys.up },
  { name: "0008-deployments", up: deployments.up },
  { name: "0009-controller-leases", up: controllerLeases.up },
  { name: "0010-request-applied", up: requestApplied.up },
  { name: "0011-prediction-segments", up: predictionSegments.up },
  { name: "0012-baselines-labels", up: baselinesLabels.up },
  { name: "0013-monitoring-windows-alerts", up: monitoringWindows.up },
];
