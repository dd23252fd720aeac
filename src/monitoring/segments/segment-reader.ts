// Reads prediction-log segments one row group at a time, so a reader never holds more than one row group of
// one segment whatever the log's size; the footer alone answers what the server checks on upload.

import type { FileMetaData } from "hyparquet";
import { invalidParameter } from "../../core/errors.js";
import { SEGMENT_COLUMNS } from "../monitoring.js";
import { openParquet, readRowGroup, rowGroups, type ParquetSource } from "./parquet-row-groups.js";

export interface SegmentChunk {
  rows: number;
  /** By column name as in the file (`time` as ms numbers); DOUBLE columns without nulls are Float64Arrays. */
  columns: Record<string, ArrayLike<unknown>>;
}

export interface ReadSegmentOptions {
  /**
   * Columns to read (all when absent); `time` / `version` are read too when a filter needs them. Columns the
   * segment does not have are left out of its chunks.
   */
  columns?: readonly string[];
  /** Rows with from ≤ time < to (ms). */
  from?: number;
  to?: number;
  /** Rows of these versions only. */
  versions?: readonly string[];
}

export interface SegmentFooter {
  rows: number;
  firstTime: number;
  lastTime: number;
  versions: string[];
  columns: string[];
}

/** One row group's time range from its statistics, when the writer stored them. */
function groupTimes(metadata: FileMetaData, group: number): { min: number; max: number } | null {
  const chunk = metadata.row_groups[group]?.columns.find(
    (c) => c.meta_data?.path_in_schema[0] === SEGMENT_COLUMNS.time,
  );
  const stats = chunk?.meta_data?.statistics;
  const min = stats?.min_value ?? stats?.min;
  const max = stats?.max_value ?? stats?.max;
  if (
    (typeof min !== "bigint" && typeof min !== "number") ||
    (typeof max !== "bigint" && typeof max !== "number")
  )
    return null;
  return { min: Number(min), max: Number(max) };
}

/** The rows of a chunk where keep[i] is 1, every column compacted. */
function select(columns: Record<string, ArrayLike<unknown>>, keep: Uint8Array, kept: number): SegmentChunk {
  const out: Record<string, ArrayLike<unknown>> = {};
  for (const [name, values] of Object.entries(columns)) {
    const typed = ArrayBuffer.isView(values) ? (values as unknown as Float64Array) : null;
    const target: { [i: number]: unknown; length: number } =
      typed !== null ? new (typed.constructor as Float64ArrayConstructor)(kept) : new Array<unknown>(kept);
    let j = 0;
    for (let i = 0; i < keep.length; i++) if (keep[i] === 1) target[j++] = values[i];
    out[name] = target;
  }
  return { rows: kept, columns: out };
}

/** Time as ms numbers, whatever integer type the file stores it in. */
async function readGroup(
  parquet: ParquetSource,
  start: number,
  rows: number,
  columns: string[] | undefined,
): Promise<Record<string, ArrayLike<unknown>>> {
  const data = await readRowGroup(parquet, start, rows, columns);
  const time = data[SEGMENT_COLUMNS.time];
  if (time !== undefined && !(time instanceof Float64Array))
    data[SEGMENT_COLUMNS.time] = Float64Array.from(time as ArrayLike<bigint | number>, Number);
  return data;
}

/**
 * The segment's rows, one row group per chunk (row groups wholly outside [from, to) are skipped unread).
 * `source` is the file's bytes or a local path.
 */
export async function* readSegment(
  source: Uint8Array | string,
  options: ReadSegmentOptions = {},
): AsyncGenerator<SegmentChunk> {
  const parquet = await openParquet(source);
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const byTime = options.from !== undefined || options.to !== undefined;
  const versions = options.versions === undefined ? null : new Set(options.versions);
  const needed = new Set(options.columns ?? []);
  if (byTime) needed.add(SEGMENT_COLUMNS.time);
  if (versions !== null) needed.add(SEGMENT_COLUMNS.version);
  // A column the segment lacks (not logged, or first logged in a later segment) is absent from its chunks.
  const present = new Set(parquet.metadata.schema.map((el) => el.name));
  const columns = options.columns === undefined ? undefined : [...needed].filter((c) => present.has(c));
  const groups = rowGroups(parquet.metadata);
  for (let g = 0; g < groups.length; g++) {
    const { start, rows } = groups[g]!;
    const times = byTime ? groupTimes(parquet.metadata, g) : null;
    if (rows === 0 || (times !== null && (times.max < from || times.min >= to))) continue;
    const data = await readGroup(parquet, start, rows, columns);
    if (!byTime && versions === null) {
      yield { rows, columns: data };
      continue;
    }
    const time = data[SEGMENT_COLUMNS.time] as Float64Array | undefined;
    const version = data[SEGMENT_COLUMNS.version];
    const keep = new Uint8Array(rows);
    let kept = 0;
    for (let i = 0; i < rows; i++) {
      const t = time === undefined ? NaN : time[i]!;
      const inTime = !byTime || (t >= from && t < to);
      const inVersion = versions === null || (version !== undefined && versions.has(version[i] as string));
      if (inTime && inVersion) {
        keep[i] = 1;
        kept++;
      }
    }
    if (kept === rows) yield { rows, columns: data };
    else if (kept > 0) yield select(data, keep, kept);
  }
}

/**
 * What the server records about an uploaded segment: rows from the footer, the time range from the `time`
 * column's statistics (decoded only when a row group has none), the versions from the `version` column.
 * Refuses (invalidParameter) a body that is not Parquet or lacks a fixed column.
 */
export async function segmentFooter(source: Uint8Array | string): Promise<SegmentFooter> {
  const parquet = await openParquet(source);
  const { metadata } = parquet;
  const columns = metadata.schema.slice(1).map((s) => s.name);
  const required = Object.values(SEGMENT_COLUMNS);
  for (const name of required) {
    if (!columns.includes(name))
      throw invalidParameter(
        `Not a prediction-log segment: column '${name}' is missing (required: ${required.join(", ")}).`,
      );
  }
  let firstTime = Infinity;
  let lastTime = -Infinity;
  const versions = new Set<string>();
  const groups = rowGroups(metadata);
  for (let g = 0; g < groups.length; g++) {
    const { start, rows } = groups[g]!;
    if (rows === 0) continue;
    const times = groupTimes(metadata, g);
    const wanted =
      times === null ? [SEGMENT_COLUMNS.version, SEGMENT_COLUMNS.time] : [SEGMENT_COLUMNS.version];
    const data = await readGroup(parquet, start, rows, wanted);
    for (const v of Array.from(data[SEGMENT_COLUMNS.version] ?? []))
      if (typeof v === "string") versions.add(v);
    if (times !== null) {
      firstTime = Math.min(firstTime, times.min);
      lastTime = Math.max(lastTime, times.max);
    } else {
      for (const t of data[SEGMENT_COLUMNS.time] as Float64Array) {
        if (t < firstTime) firstTime = t;
        if (t > lastTime) lastTime = t;
      }
    }
  }
  const rows = Number(metadata.num_rows);
  return {
    rows,
    firstTime: rows === 0 ? 0 : firstTime,
    lastTime: rows === 0 ? 0 : lastTime,
    versions: [...versions].sort(),
    columns,
  };
}
