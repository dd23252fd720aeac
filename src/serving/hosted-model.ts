// A model version loaded in this serving process: its metadata, runtime, batcher and why the runtime was chosen.
// HostedModels keys them by name and version, so one process can host several versions (a router can later split
// traffic between them).
import { FlowgateError } from "../core/errors.js";
import { Batcher, type BatcherOptions } from "./batcher.js";
import type { ModelInput } from "./frame.js";
import type { ModelMetadata } from "./model-metadata.js";
import type { PredictionResult, ModelRuntime, RuntimeInput } from "./runtime.js";
import { enforceColumns, enforceParams, type WarnLogger } from "./schema-enforcement.js";

export interface HostedModel {
  name: string;
  version: string;
  meta: ModelMetadata;
  runtime: ModelRuntime;
  reason: string;
  loadSeconds: number;
  batcher: Batcher;
  details: Record<string, unknown>;
}

export function hostModel(fields: Omit<HostedModel, "batcher">, batching: BatcherOptions): HostedModel {
  return { ...fields, batcher: new Batcher(fields.runtime, batching) };
}

/** Validates a request against the signature (400 before any queueing), then queues it for a batch. */
export function submitPrediction(
  model: HostedModel,
  input: ModelInput,
  log: WarnLogger,
): { result: Promise<PredictionResult>; cancel: () => void } {
  const schema = model.meta.signature.inputs;
  const params = enforceParams(input.params, model.meta.signature.params, log);
  let prepared: RuntimeInput;
  if (input.kind === "frame") {
    const columns = schema?.kind === "columns" ? schema.columns : undefined;
    const frame = enforceColumns(input.frame, columns, log);
    prepared = { kind: "frame", frame, params };
  } else {
    prepared = { kind: "tensor", body: input.body, params };
  }
  // A runtime that is recovering (a replacement worker loading) takes the request: it waits, bounded, in the queue.
  if (!model.runtime.ready() && !model.runtime.recovering()) {
    const error = new FlowgateError(
      "TEMPORARILY_UNAVAILABLE",
      `Model ${model.name} version ${model.version} is not ready; retry shortly.`,
    );
    return { result: Promise.resolve({ ok: false, error }), cancel: () => undefined };
  }
  return model.batcher.submit(prepared);
}

export class HostedModels {
  private readonly models = new Map<string, HostedModel>();
  private defaultKey: string | undefined;

  add(model: HostedModel): void {
    const key = `${model.name}/${model.version}`;
    this.models.set(key, model);
    this.defaultKey ??= key;
  }

  /** The model /invocations answers with (the first one hosted). */
  primary(): HostedModel | undefined {
    return this.defaultKey === undefined ? undefined : this.models.get(this.defaultKey);
  }

  /** Makes a hosted version the one /invocations and the metrics' labels default to (a deployment's primary). */
  setDefault(name: string, version: string): void {
    const key = `${name}/${version}`;
    if (this.models.has(key)) this.defaultKey = key;
  }

  remove(name: string, version: string): HostedModel | undefined {
    const key = `${name}/${version}`;
    const model = this.models.get(key);
    this.models.delete(key);
    if (this.defaultKey === key) this.defaultKey = this.models.keys().next().value;
    return model;
  }

  find(name: string, version?: string): HostedModel | undefined {
    if (version !== undefined) return this.models.get(`${name}/${version}`);
    const primary = this.primary();
    if (primary?.name === name) return primary;
    return [...this.models.values()].find((m) => m.name === name);
  }

  all(): HostedModel[] {
    return [...this.models.values()];
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((m) => m.runtime.close()));
  }
}
