// Lays prediction records out as one Parquet segment (SEGMENT_COLUMNS, then `input.<name>` and
// `output.<name>`): columnar buffers while appending, one encode at finish. Plain Parquet (hyparquet-writer,
// snappy), readable by DuckDB, pyarrow and Spark as well as by our reader.

import { parquetWriteBuffer, type ColumnSource } from "hyparquet-writer";
import { INPUT_PREFIX, OUTPUT_PREFIX, SEGMENT_COLUMNS } from "../monitoring.js";
import type { PredictionRecord } from "./prediction-record.js";

/** Rows per row group: a reader holds one row group at a time, so this bounds its memory. */
export const SEGMENT_ROW_GROUP_ROWS = 10_000;

/**
 * Numbers are stored uncompressed: a few-valued numeric column is dictionary-encoded anyway (tiny), and
 * snappy saves little on many-valued doubles while decompressing them was the largest single cost of reading
 * a window (a third of profiling 1M rows). Text keeps snappy.
 */
const NUMBER_CODEC = "UNCOMPRESSED";

/**
 * One logged input or output: numbers while every value is one, else text. Without min/max statistics: only
 * `time` needs them (readers skip row groups by time), and computing them per value costs serving CPU.
 */
class ValueColumn {
  readonly values: (number | string | null)[] = [];
  /** Every non-null value is a number (the column is DOUBLE). */
  numeric = true;
  /** Some value is a number (a text column then writes them as text). */
  hasNumber = false;
  hasNull = false;

  /** Pads with nulls up to `row` (the column appeared late, or records lacked it). */
  pad(row: number): void {
    if (this.values.length < row) this.hasNull = true;
    while (this.values.length < row) this.values.push(null);
  }

  /** Returns the value's approximate size in bytes. */
  push(v: number | string | null): number {
    if (typeof v === "number") {
      if (v - v === 0) {
        this.values.push(v);
        this.hasNumber = true;
        return 8;
      }
    } else if (typeof v === "string") {
      this.values.push(v);
      this.numeric = false;
      return v.length + 4;
    }
    this.values.push(null);
    this.hasNull = true;
    return 1;
  }

  source(name: string): ColumnSource {
    const values = this.values;
    if (this.numeric) {
      let data: (number | string | null)[] | Float64Array = values;
      if (!this.hasNull) {
        data = new Float64Array(values.length);
        for (let i = 0; i < values.length; i++) data[i] = values[i] as number;
      }
      return { name, data, type: "DOUBLE", nullable: this.hasNull, codec: NUMBER_CODEC, statistics: false };
    }
    const data = this.hasNumber ? values.map((v) => (v === null ? null : String(v))) : values;
    return { name, data, type: "STRING", nullable: this.hasNull, statistics: false };
  }
}

interface KeyedColumns {
  byName: Map<string, ValueColumn>;
  /** The last record's keys in order, with their columns. */
  order: { name: string; column: ValueColumn }[];
}

export class SegmentWriter {
  private time: number[] = [];
  private requestId: string[] = [];
  private row: number[] = [];
  private version: string[] = [];
  private role: string[] = [];
  private latency: number[] = [];
  private readonly inputs: KeyedColumns = { byName: new Map(), order: [] };
  private readonly outputs: KeyedColumns = { byName: new Map(), order: [] };
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
        codec: NUMBER_CODEC,
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
        codec: NUMBER_CODEC,
      },
    ];
    for (const [prefix, map] of [
      [INPUT_PREFIX, this.inputs],
      [OUTPUT_PREFIX, this.outputs],
    ] as const) {
      for (const [name, column] of map.byName) {
        column.pad(rows);
        columnData.push(column.source(prefix + name));
      }
    }
    const buffer = parquetWriteBuffer({ columnData, rowGroupSize: this.rowGroupRows, createdBy: "flowgate" });
    this.reset();
    return new Uint8Array(buffer);
  }

  private put(columns: KeyedColumns, values: Record<string, number | string | null>, at: number): number {
    let bytes = 0;
    let k = 0;
    for (const name in values) {
      // Records of one model have the same keys in the same order: the cached column at this position is
      // usually the right one, which saves a map lookup per value on serving's hot path.
      let column = columns.order[k]?.name === name ? columns.order[k]!.column : undefined;
      if (column === undefined) {
        column = columns.byName.get(name);
        if (column === undefined) columns.byName.set(name, (column = new ValueColumn()));
        columns.order[k] = { name, column };
      }
      k++;
      if (column.values.length < at) column.pad(at);
      bytes += column.push(values[name]!);
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
    for (const columns of [this.inputs, this.outputs]) {
      columns.byName.clear();
      columns.order.length = 0;
    }
    this.bytes = 0;
  }
}
