import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { NumericProfile } from "../../../src/monitoring/monitoring.js";
import { ProfileBuilder } from "../../../src/monitoring/profile/profile-builder.js";
import { profileSegments } from "../../../src/monitoring/profile/profile-segments.js";
import type { PredictionRecord } from "../../../src/monitoring/segments/prediction-record.js";
import { SegmentWriter } from "../../../src/monitoring/segments/segment-writer.js";

const T0 = 1_780_000_000_000;
const WINDOW = { kind: "window", deployment: "churn", from: T0, to: T0 + 3_600_000 } as const;

function record(i: number): PredictionRecord {
  return {
    time: T0 + i * 100,
    requestId: `r${i}`,
    row: 0,
    version: i % 4 === 0 ? "2" : "1",
    role: i % 4 === 0 ? "canary" : "primary",
    latencyMs: 3,
    inputs: { x: (i * 37) % 101, city: ["Oslo", "Lima", "Pune"][i % 3]!, debug: `d${i}` },
    outputs: { prediction: i % 2, confidence: ((i * 7) % 100) / 100 },
  };
}

/** 3 segments of 1 000 rows, in row groups of 300. */
function segments(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = 0; s < 3; s++) {
    const w = new SegmentWriter(300);
    for (let i = s * 1000; i < (s + 1) * 1000; i++) w.append(record(i));
    out.push(w.finish());
  }
  return out;
}

function reference() {
  const b = new ProfileBuilder();
  b.addColumns({ x: Array.from({ length: 500 }, (_, i) => (i * 13) % 90), city: ["Oslo", "Lima"] }, 500);
  b.addColumns({ prediction: [0, 1, 1, 0] }, 4, "prediction");
  return b.build({ kind: "file", name: "train.parquet" });
}

/** The same rows profiled directly, to compare with. */
function direct(rows: PredictionRecord[]) {
  const b = new ProfileBuilder(reference());
  b.addColumns({ x: rows.map((r) => r.inputs.x), city: rows.map((r) => r.inputs.city) }, rows.length);
  b.addColumns({ prediction: rows.map((r) => r.outputs.prediction) }, rows.length, "prediction");
  return b.build(WINDOW, 0);
}

async function* stream(bytes: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const b of bytes) yield b;
}

describe("a window's profile from segments", () => {
  it("equals the profile of the same rows on the reference's edges (inputs → columns, outputs → predictions)", async () => {
    const p = await profileSegments(stream(segments()), reference(), { source: WINDOW });
    const all = Array.from({ length: 3000 }, (_, i) => record(i));
    assert.deepEqual({ ...p, createdAt: 0 }, direct(all));
    assert.deepEqual(Object.keys(p.columns), ["x", "city"], "only the reference's columns");
    assert.deepEqual(Object.keys(p.predictions), ["prediction"]);
    assert.deepEqual(
      (p.columns.x as NumericProfile).binEdges,
      (reference().columns.x as NumericProfile).binEdges,
    );
  });

  it("takes only the rows of one version within [from, to)", async () => {
    const from = T0 + 50_000;
    const to = T0 + 250_000;
    const p = await profileSegments(segments(), reference(), { version: "2", from, to, source: WINDOW });
    const rows = Array.from({ length: 3000 }, (_, i) => record(i)).filter(
      (r) => r.version === "2" && r.time >= from && r.time < to,
    );
    assert.equal(rows.length, 500);
    assert.deepEqual({ ...p, createdAt: 0 }, direct(rows));
  });

  it("without a reference profiles every logged input and output", async () => {
    const p = await profileSegments(segments(), undefined);
    assert.deepEqual(Object.keys(p.columns), ["x", "city", "debug"]);
    assert.deepEqual(Object.keys(p.predictions), ["prediction", "confidence"]);
    assert.equal(p.rows, 3000);
  });
});
