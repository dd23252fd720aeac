// A window's current profile from prediction-log segments: each segment read one row group at a time, its
// `input.<name>` columns profiled as inputs and `output.<name>` columns as predictions, on the reference's
// edges and keys. Memory: one row group plus the builder's fixed-size state, whatever the window's size.

import { INPUT_PREFIX, OUTPUT_PREFIX, type DatasetProfile, type ProfileSource } from "../monitoring.js";
import { ProfileBuilder } from "./profile-builder.js";
import { readSegment } from "../segments/segment-reader.js";

export interface ProfileSegmentsOptions {
  /** Rows of this version only (all versions when absent). */
  version?: string;
  /** [from, to) ms. */
  from?: number;
  to?: number;
  /** Recorded as the profile's source (default: a window without a deployment name). */
  source?: ProfileSource;
}

export async function profileSegments(
  segments: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  reference: DatasetProfile | undefined,
  options: ProfileSegmentsOptions = {},
): Promise<DatasetProfile> {
  const builder = new ProfileBuilder(reference);
  const wanted = reference === undefined ? undefined : wantedColumns(reference);
  for await (const bytes of segments) {
    const chunks = readSegment(bytes, {
      columns: wanted,
      from: options.from,
      to: options.to,
      versions: options.version === undefined ? undefined : [options.version],
    });
    for await (const chunk of chunks) {
      const inputs: Record<string, ArrayLike<unknown>> = {};
      const outputs: Record<string, ArrayLike<unknown>> = {};
      for (const [name, values] of Object.entries(chunk.columns)) {
        if (name.startsWith(INPUT_PREFIX)) inputs[name.slice(INPUT_PREFIX.length)] = values;
        else if (name.startsWith(OUTPUT_PREFIX)) outputs[name.slice(OUTPUT_PREFIX.length)] = values;
      }
      builder.addColumns(inputs, chunk.rows, "input");
      builder.addColumns(outputs, chunk.rows, "prediction");
    }
  }
  const source = options.source ?? {
    kind: "window",
    deployment: "",
    from: options.from ?? 0,
    to: options.to ?? 0,
  };
  return builder.build(source);
}

/** Only the reference's columns are decoded: a segment may log more than the baseline knows. */
function wantedColumns(reference: DatasetProfile): string[] {
  return [
    ...Object.keys(reference.columns).map((c) => INPUT_PREFIX + c),
    ...Object.keys(reference.predictions).map((c) => OUTPUT_PREFIX + c),
  ];
}
