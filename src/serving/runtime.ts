// The contract every serving runtime (ONNX in-process, Python worker pool) fulfils for the batcher and server.
import type { FlowgateError } from "../core/errors.js";
import type { EnforcedFrame } from "./schema-enforcement.js";

/** One request's validated input: a typed frame, or a tensor-shaped JSON body passed through as sent. */
export type RuntimeInput =
  | { kind: "frame"; frame: EnforcedFrame; params: Record<string, unknown> | undefined }
  | { kind: "tensor"; body: Record<string, unknown>; params: Record<string, unknown> | undefined };

/** One request's outcome: the JSON text of its `predictions` value, or the error to answer with. */
export type PredictionResult = { ok: true; predictions: string } | { ok: false; error: FlowgateError };

export type RuntimeKind = "onnx" | "python";

export interface ModelRuntime {
  readonly kind: RuntimeKind;
  /** How many batches may run at once (Python: one per worker). */
  readonly slots: number;
  /** Runs several requests as one model call where it can; always one result per input, in order. */
  predictBatch(inputs: readonly RuntimeInput[]): Promise<PredictionResult[]>;
  /** True while the runtime can take work (Python: at least one worker loaded). */
  ready(): boolean;
  /** True while not ready but a replacement is on its way (Python: a worker loading after a crash). */
  recovering(): boolean;
  /** Why the runtime is not ready, for /health; undefined when it is. */
  notReadyReason(): string | undefined;
  /** Details for /metadata (worker pids, ONNX inputs, threads…). */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
}

export function rowsOf(input: RuntimeInput): number {
  return input.kind === "frame" ? input.frame.rows : 1;
}
