// A typed client for monitoring's baselines and labels (`/api/flowgate/v1/monitoring/…`): set a version's
// baseline from a profile built locally (ProfileBuilder, profileFromFile), have the server build it from the
// version's input example or logged dataset, read it, and upload labels in batches of at most 10 000.
import type { Baseline, DatasetProfile } from "../monitoring/monitoring.js";
import { createHttpClient, type HttpClientOptions } from "./http-client.js";

const MONITORING = "/api/flowgate/v1/monitoring";

/** The server's cap per labels call. */
export const MAX_LABELS_PER_CALL = 10_000;

export interface LabelInput {
  request_id: string;
  label: number | string;
}

export interface MonitoringClient {
  setBaseline(model: string, version: string, profile: DatasetProfile): Promise<Baseline>;
  buildBaseline(model: string, version: string, from: "input_example" | "dataset"): Promise<Baseline>;
  getBaseline(model: string, version: string): Promise<Baseline>;
  /** One call: at most MAX_LABELS_PER_CALL labels. */
  uploadLabels(
    deployment: string,
    labels: readonly LabelInput[],
  ): Promise<{ deployment: string; received: number }>;
}

export function createMonitoringClient(options: HttpClientOptions): MonitoringClient {
  const http = createHttpClient(options);
  const at = (model: string, version: string) =>
    `${MONITORING}/baselines/${encodeURIComponent(model)}/${encodeURIComponent(version)}`;
  const one = async (p: Promise<{ baseline: Baseline }>) => (await p).baseline;
  return {
    setBaseline: (model, version, profile) => one(http.send("PUT", at(model, version), { profile })),
    buildBaseline: (model, version, from) => one(http.send("POST", `${at(model, version)}/build`, { from })),
    getBaseline: (model, version) => one(http.get(at(model, version))),
    uploadLabels: (deployment, labels) => http.send("POST", `${MONITORING}/labels`, { deployment, labels }),
  };
}
