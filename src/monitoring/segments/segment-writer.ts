// Lays prediction records out as one Parquet segment (SEGMENT_COLUMNS, then `input.<name>` and
// `output.<name>`): columnar buffers while appending, one encode at finish. Plain Parquet (hyparquet-writer,
// snappy), readable by DuckDB, pyarrow and Spark as well as by our reader.

import { parquetWriteBuffer, type ColumnSource } from "hyparquet-writer";
import { INPUT_PREFIX, OUTPUT_PREFIX, SEGMENT_COLUMNS } from "../monitoring.js";
import type { PredictionRecord } from "./prediction-record.js";

/** Rows per row group: a reader holds one row group at a time, so this bounds its memory. */
export const SEGMENT_ROW_GROUP_ROWS = 10_000;

/** One logged input or output: numbers while every value is one, else text. */
class ValueColumn {
  readonly values: (number | string | null)[] = [];
  numeric = true;
  hasNull = false;

  /** Pads with nulls up to `row` (the column appeared late, or records lacked it). */
  pad(row: number): void {
    if (this.values.length < row) this.hasNull = true;
    while (this.values.length < row) this.values.push(null);
  }

  push(v: number | string | null): number {
    if (v === null || (typeof v === "number" && v - v !== 0)) {
      this.values.push(null);
      this.hasNull = true;
      return 1;
    }
    if (typeof v !== "number") this.numeric = false;
    this.values.push(v);
    return typeof v === "number" ? 8 : v.length + 4;
  }

  source(name: string): ColumnSource {
    if (this.numeric) {
      return this.hasNull
        ? { name, data: this.values, type: "DOUBLE", nullable: true }
        : { name, data: Float64Array.from(this.values as number[]), type: "DOUBLE", nullable: false };
    }
    const data = this.values.map((v) => (v === null ? null : String(v)));
    return { name, data, type: "STRING", nullable: true };
  }
}

export class SegmentWriter {
  private time: number[] = [];
  private requestId: string[] = [];
  private row: number[] = [];
  private version: string[] = [];
  private role: string[] = [];
  private latency: number[] = [];
  private readonly inputs = new Map<string, ValueColumn>();
  private readonly outputs = new Map<string, ValueColumn>();
  private bytes = 0;

  constructor(private readonly rowGroupRows: number = SEGMENT_ROW_GROUP_ROWS) {}

  append(records: PredictionRecord | readonly PredictionRecord[]): void {
    for (const r of Array.isArray(records)
      ? (records as readonly PredictionRecord[])
      : [records as PredictionRecord]) {
      const at = this.time.length;
      this.time.push(r.time);
      this.requestId.push(r.requestId);
      this.row.push(r.row);
      this.version.push(r.version);
      this.role.push(r.role);
      this.latency.push(r.latencyMs);
      this.bytes += 36 + r.requestId.length + r.version.length + r.role.length;
      this.bytes += this.put(this.inputs, r.inputs, at) + this.put(this.outputs, r.outputs, at);
    }
  }

  get rows(): number {
    return this.time.length;
  }

  /** Roughly the uncompressed size of what was appended (the file is smaller: dictionaries, snappy). */
  get approximateBytes(): number {
    return this.bytes;
  }

  /** The segment file. The writer can be reused afterwards: it starts empty again. */
  finish(): Uint8Array {
    const rows = this.rows;
    const columnData: ColumnSource[] = [
      {
        name: SEGMENT_COLUMNS.time,
        data: BigInt64Array.from(this.time, (t) => BigInt(Math.round(t))),
        type: "INT64",
        nullable: false,
      },
      { name: SEGMENT_COLUMNS.requestId, data: this.requestId, type: "STRING", nullable: false },
      { name: SEGMENT_COLUMNS.row, data: Int32Array.from(this.row), type: "INT32", nullable: false },
      { name: SEGMENT_COLUMNS.version, data: this.version, type: "STRING", nullable: false },
      { name: SEGMENT_COLUMNS.role, data: this.role, type: "STRING", nullable: false },
      {
        name: SEGMENT_COLUMNS.latencyMs,
        data: Float64Array.from(this.latency),
        type: "DOUBLE",
        nullable: false,
      },
    ];
    for (const [prefix, map] of [
      [INPUT_PREFIX, this.inputs],
      [OUTPUT_PREFIX, this.outputs],
    ] as const) {
      for (const [name, column] of map) {
        column.pad(rows);
        columnData.push(column.source(prefix + name));
      }
    }
    const buffer = parquetWriteBuffer({ columnData, rowGroupSize: this.rowGroupRows, createdBy: "flowgate" });
    this.reset();
    return new Uint8Array(buffer);
  }

  private put(
    map: Map<string, ValueColumn>,
    values: Record<string, number | string | null>,
    at: number,
  ): number {
    let bytes = 0;
    for (const [name, v] of Object.entries(values)) {
      let column = map.get(name);
      if (column === undefined) map.set(name, (column = new ValueColumn()));
      column.pad(at);
      bytes += column.push(v);
    }
    return bytes;
  }

  private reset(): void {
    this.time = [];
    this.requestId = [];
    this.row = [];
    this.version = [];
    this.role = [];
    this.latency = [];
    this.inputs.clear();
    this.outputs.clear();
    this.bytes = 0;
  }
}
