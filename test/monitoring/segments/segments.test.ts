import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FlowgateError } from "../../../src/core/errors.js";
import type { PredictionRecord } from "../../../src/monitoring/segments/prediction-record.js";
import { readSegment, segmentFooter } from "../../../src/monitoring/segments/segment-reader.js";
import { SegmentWriter } from "../../../src/monitoring/segments/segment-writer.js";

const PYTHON = path.resolve(".venvs/mlflow3/bin/python");
const T0 = 1_780_000_000_000;

function record(i: number, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    time: T0 + i * 1000,
    requestId: `req-${Math.floor(i / 2)}`,
    row: i % 2,
    version: i % 3 === 0 ? "2" : "1",
    role: i % 3 === 0 ? "canary" : "primary",
    latencyMs: 1.25 + i,
    inputs: { age: 20 + i, city: i % 2 ? "Paris" : "Oslo", score: i === 3 ? null : i / 10 },
    outputs: { prediction: i % 2, confidence: 0.5 + i / 100 },
    ...overrides,
  };
}

async function chunks(bytes: Uint8Array, options = {}) {
  const out = [];
  for await (const c of readSegment(bytes, options)) out.push(c);
  return out;
}

describe("prediction-log segments", () => {
  it("round-trip records through Parquet: fixed columns, then input.<name> and output.<name>", async () => {
    const writer = new SegmentWriter();
    writer.append([record(0), record(1), record(2), record(3)]);
    assert.equal(writer.rows, 4);
    assert.ok(writer.approximateBytes > 0);
    const bytes = writer.finish();
    assert.equal(writer.rows, 0, "finish leaves the writer empty for the next segment");
    const [chunk, ...rest] = await chunks(bytes);
    assert.equal(rest.length, 0);
    assert.equal(chunk!.rows, 4);
    const c = chunk!.columns;
    assert.deepEqual(Object.keys(c), [
      "time",
      "request_id",
      "row",
      "version",
      "role",
      "latency_ms",
      "input.age",
      "input.city",
      "input.score",
      "output.prediction",
      "output.confidence",
    ]);
    assert.deepEqual(Array.from(c.time!), [T0, T0 + 1000, T0 + 2000, T0 + 3000]);
    assert.deepEqual(Array.from(c.request_id!), ["req-0", "req-0", "req-1", "req-1"]);
    assert.deepEqual(Array.from(c.row!), [0, 1, 0, 1]);
    assert.deepEqual(Array.from(c.version!), ["2", "1", "1", "2"]);
    assert.deepEqual(Array.from(c.role!), ["canary", "primary", "primary", "canary"]);
    assert.deepEqual(Array.from(c["input.age"]!), [20, 21, 22, 23]);
    assert.deepEqual(Array.from(c["input.city"]!), ["Oslo", "Paris", "Oslo", "Paris"]);
    assert.deepEqual(Array.from(c["input.score"]!), [0, 0.1, 0.2, null]);
    assert.deepEqual(Array.from(c["output.confidence"]!), [0.5, 0.51, 0.52, 0.53]);
  });

  it("keeps a column that appears late or is absent from some records, with nulls; mixed values become text", async () => {
    const writer = new SegmentWriter();
    writer.append(record(0, { inputs: { a: 1 } }));
    writer.append(record(1, { inputs: { b: "x", c: 2 } }));
    writer.append(record(2, { inputs: { a: 3, c: "two" } }));
    const [chunk] = await chunks(writer.finish());
    assert.deepEqual(Array.from(chunk!.columns["input.a"]!), [1, null, 3]);
    assert.deepEqual(Array.from(chunk!.columns["input.b"]!), [null, "x", null]);
    assert.deepEqual(Array.from(chunk!.columns["input.c"]!), [null, "2", "two"]);
  });

  it("are read one row group per chunk", async () => {
    const writer = new SegmentWriter(100);
    for (let i = 0; i < 250; i++) writer.append(record(i));
    const got = await chunks(writer.finish(), { columns: ["input.age"] });
    assert.deepEqual(
      got.map((c) => c.rows),
      [100, 100, 50],
    );
    assert.deepEqual(Object.keys(got[0]!.columns), ["input.age"]);
    assert.equal(got[2]!.columns["input.age"]![49], 20 + 249);
  });

  it("from an empty writer are valid and have no rows", async () => {
    const bytes = new SegmentWriter().finish();
    assert.deepEqual(await chunks(bytes), []);
    assert.equal((await segmentFooter(bytes)).rows, 0);
  });

  it("leave out requested columns a segment does not have", async () => {
    const writer = new SegmentWriter();
    writer.append(record(0));
    const [chunk] = await chunks(writer.finish(), { columns: ["input.age", "input.height"] });
    assert.deepEqual(Object.keys(chunk!.columns), ["input.age"]);
  });

  it("filter rows by time [from, to) and by version, skipping row groups outside the range", async () => {
    const writer = new SegmentWriter(10);
    for (let i = 0; i < 40; i++) writer.append(record(i));
    const bytes = writer.finish();
    const inRange = await chunks(bytes, { from: T0 + 15_000, to: T0 + 25_000 });
    assert.deepEqual(
      inRange.map((c) => c.rows),
      [5, 5],
    );
    assert.deepEqual(
      inRange.flatMap((c) => Array.from(c.columns.time as Float64Array)),
      Array.from({ length: 10 }, (_, i) => T0 + (15 + i) * 1000),
    );
    const canary = await chunks(bytes, { versions: ["2"], columns: ["input.age"] });
    const ages = canary.flatMap((c) => Array.from(c.columns["input.age"]!));
    assert.deepEqual(
      ages,
      Array.from({ length: 14 }, (_, k) => 20 + 3 * k),
    );
    assert.ok(canary.every((c) => Array.from(c.columns.version!).every((v) => v === "2")));
  });

  it("answer rows, time range, versions and columns from the footer and the version column", async () => {
    const writer = new SegmentWriter(10);
    for (let i = 0; i < 25; i++) writer.append(record(i));
    const footer = await segmentFooter(writer.finish());
    assert.equal(footer.rows, 25);
    assert.equal(footer.firstTime, T0);
    assert.equal(footer.lastTime, T0 + 24_000);
    assert.deepEqual(footer.versions, ["1", "2"]);
    assert.ok(footer.columns.includes("input.city") && footer.columns.includes("output.prediction"));
  });

  it("refuse a body that is not a segment, saying why", async () => {
    await assert.rejects(
      segmentFooter(new TextEncoder().encode("time,version\n1,2\n")),
      (e: unknown) =>
        e instanceof FlowgateError && e.code === "INVALID_PARAMETER_VALUE" && /PAR1/.test(e.message),
    );
  });

  it(
    "are plain Parquet that pyarrow reads with the documented types",
    { skip: !existsSync(PYTHON) && "the mlflow3 venv (pyarrow) is not set up" },
    () => {
      const writer = new SegmentWriter(2);
      writer.append([record(0), record(1), record(2), record(3)]);
      const dir = mkdtempSync(path.join(tmpdir(), "segment-"));
      try {
        const file = path.join(dir, "s.parquet");
        writeFileSync(file, writer.finish());
        const script = [
          "import json, sys, pyarrow.parquet as pq",
          "t = pq.read_table(sys.argv[1])",
          "print(json.dumps({'types': {f.name: str(f.type) for f in t.schema}, 'groups': pq.ParquetFile(sys.argv[1]).num_row_groups, 'rows': t.to_pylist()}))",
        ].join("\n");
        const out = JSON.parse(execFileSync(PYTHON, ["-c", script, file], { encoding: "utf8" }));
        assert.deepEqual(out.types, {
          time: "int64",
          request_id: "string",
          row: "int32",
          version: "string",
          role: "string",
          latency_ms: "double",
          "input.age": "double",
          "input.city": "string",
          "input.score": "double",
          "output.prediction": "double",
          "output.confidence": "double",
        });
        assert.equal(out.groups, 2);
        assert.equal(out.rows.length, 4);
        assert.deepEqual(out.rows[3], {
          time: T0 + 3000,
          request_id: "req-1",
          row: 1,
          version: "2",
          role: "canary",
          latency_ms: 4.25,
          "input.age": 23,
          "input.city": "Paris",
          "input.score": null,
          "output.prediction": 1,
          "output.confidence": 0.53,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
