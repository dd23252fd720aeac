// A segment sink the prediction-log tests control: it stores segments, refuses, fails or stalls on demand,
// and reads stored segments back with the real segment reader.
import { readSegment } from "../../../src/monitoring/segments/segment-reader.js";
import type { SegmentSink, UploadOutcome } from "../../../src/serving/prediction-log/segment-sink.js";
import type { ModelInput } from "../../../src/serving/frame.js";
import { frameFromRecords } from "../../../src/serving/frame.js";
import { createLogger } from "../../../src/core/logger.js";

export const quietLogger = createLogger({ level: "silent" });

export class TestSink implements SegmentSink {
  readonly stored: Uint8Array[] = [];
  attempts = 0;
  /** The next uploads answer this (then "stored"). */
  failNext: UploadOutcome[] = [];
  private stall: Promise<void> | undefined;
  private release: (() => void) | undefined;

  stallUploads(): void {
    this.stall = new Promise((resolve) => (this.release = resolve));
  }

  resume(): void {
    this.release?.();
    this.stall = undefined;
  }

  async upload(segment: { bytes: Uint8Array }): Promise<UploadOutcome> {
    this.attempts++;
    if (this.stall !== undefined) await this.stall;
    const outcome = this.failNext.shift() ?? "stored";
    if (outcome === "stored") this.stored.push(segment.bytes);
    return outcome;
  }

  /** Every stored row, as objects by column name. */
  async rows(): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const bytes of this.stored) {
      for await (const chunk of readSegment(bytes)) {
        for (let i = 0; i < chunk.rows; i++) {
          out.push(Object.fromEntries(Object.entries(chunk.columns).map(([k, v]) => [k, v[i]])));
        }
      }
    }
    return out;
  }
}

export function frameInput(records: Record<string, unknown>[]): ModelInput {
  return { kind: "frame", frame: frameFromRecords(records), params: undefined };
}
