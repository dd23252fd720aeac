// Parquet read one row group at a time (hyparquet): the unit every reader here works in, so memory is bounded
// by the largest row group, never by the file.

import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetRead,
  type AsyncBuffer,
  type FileMetaData,
} from "hyparquet";
import { invalidParameter } from "../../core/errors.js";

export interface ParquetSource {
  file: AsyncBuffer;
  metadata: FileMetaData;
}

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** Bytes in memory or a local path; refused (invalidParameter) when it is not Parquet. */
export async function openParquet(source: Uint8Array | string): Promise<ParquetSource> {
  if (typeof source !== "string") checkMagic(source);
  const file = typeof source === "string" ? await asyncBufferFromFile(source) : bufferOf(source);
  try {
    return { file, metadata: await parquetMetadataAsync(file) };
  } catch (err) {
    throw invalidParameter(`Not a readable Parquet file: ${(err as Error).message}.`);
  }
}

function checkMagic(bytes: Uint8Array): void {
  const n = bytes.byteLength;
  const ok = n >= 12 && MAGIC.every((b, i) => bytes[i] === b && bytes[n - 4 + i] === b);
  if (!ok) throw invalidParameter("Not a Parquet file: it must start and end with the magic bytes PAR1.");
}

function bufferOf(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start, end) =>
      bytes.buffer.slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ) as ArrayBuffer,
  };
}

/** Row groups as [first row, rows, compressed bytes]. */
export function rowGroups(metadata: FileMetaData): { start: number; rows: number; bytes: number }[] {
  let start = 0;
  return metadata.row_groups.map((g) => {
    const rows = Number(g.num_rows);
    const group = { start, rows, bytes: Number(g.total_compressed_size ?? g.total_byte_size) };
    start += rows;
    return group;
  });
}

/** Top-level primitive columns (nested lists / structs are not profiled). */
export function flatColumns(metadata: FileMetaData): string[] {
  const out: string[] = [];
  const schema = metadata.schema;
  for (let i = 1; i < schema.length;) {
    const el = schema[i]!;
    if (el.num_children === undefined || el.num_children === 0) {
      out.push(el.name);
      i++;
    } else i = skipSubtree(schema, i);
  }
  return out;
}

function skipSubtree(schema: FileMetaData["schema"], i: number): number {
  let pending = 1;
  while (pending > 0 && i < schema.length) {
    pending += (schema[i]!.num_children ?? 0) - 1;
    i++;
  }
  return i;
}

/** One row group's columns, each as one array of `rows` values (as hyparquet decodes them). */
export async function readRowGroup(
  { file, metadata }: ParquetSource,
  start: number,
  rows: number,
  columns: string[] | undefined,
): Promise<Record<string, ArrayLike<unknown>>> {
  const parts = new Map<string, { at: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file,
    metadata,
    columns,
    rowStart: start,
    rowEnd: start + rows,
    onChunk: (chunk) => {
      const list = parts.get(chunk.columnName) ?? [];
      list.push({ at: chunk.rowStart - start, data: chunk.columnData });
      parts.set(chunk.columnName, list);
    },
  });
  // Chunks arrive in the order their reads finish; columns are returned in the file's order, so a profile's
  // column order does not depend on I/O timing.
  const order = metadata.schema.map((s) => s.name);
  const out: Record<string, ArrayLike<unknown>> = {};
  for (const [name, list] of [...parts].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))) {
    const only = list.length === 1 ? list[0]! : null;
    out[name] = only !== null && only.at === 0 && only.data.length === rows ? only.data : joined(list, rows);
  }
  return out;
}

function joined(list: { at: number; data: ArrayLike<unknown> }[], rows: number): unknown[] {
  const out = new Array<unknown>(rows).fill(null);
  for (const { at, data } of list) {
    for (let i = 0; i < data.length; i++) if (at + i >= 0 && at + i < rows) out[at + i] = data[i];
  }
  return out;
}
