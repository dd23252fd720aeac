// Reads an input file as chunks of a fixed number of data rows, in order, holding one chunk (Parquet: one row
// group) in memory at a time. Chunk k always holds rows [k·n, (k+1)·n) of the file, bad rows included, so every
// run — a resumed one too — cuts the same chunks. A row that cannot be read (a CSV record with the wrong field
// count, a JSON line that is not an object) is a bad row of its chunk, with its row number and the reason. A
// CSV read for given needs (the signature's numeric columns, the output's text ones) has its plain chunks read
// straight into those columns (csv-columns.ts).
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import { parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData } from "hyparquet";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Cell } from "../serving/frame.js";
import { isLocal, type InputFile, type InputOpener } from "./batch-input.js";
import type { NumericType } from "../serving/schema-enforcement.js";
import { readNeededColumns, type ColumnNeeds, type RecordRange } from "./csv-columns.js";
import { csvBlocks, recordFields } from "./csv-records.js";
import { csvChunksOnThread } from "./csv-thread.js";

export interface BadRow {
  /** 1-based: the data row of a CSV or Parquet file (the header is not a row), the line of a JSON lines file. */
  row: number;
  reason: string;
}

export interface Chunk {
  /** Position of the file in the input list, and of the chunk in the file. */
  file: number;
  index: number;
  columns: string[];
  /**
   * The readable rows' cells column by column: `data[c][r]` is column c of readable row r. A CSV chunk read
   * straight into columns (see CsvNeeds) has only the text columns asked for; the others are undefined.
   */
  data: (Cell[] | undefined)[];
  /** A CSV chunk read straight into columns: its number columns (undefined for others); else undefined. */
  numbers: (Float64Array | undefined)[] | undefined;
  /** The row number of each readable row. */
  rowNumbers: number[];
  bad: BadRow[];
  /** CSV: every cell of `data` is text (signature enforcement converts it). */
  fromText: boolean;
}

/**
 * What a CSV read is for, by column name: the columns to read as numbers (enforcement's conversion of their
 * text for their signature type) and the ones whose text is kept (undefined: every column).
 */
export interface CsvNeeds {
  numbers: ReadonlyMap<string, NumericType>;
  texts: readonly string[] | undefined;
}

/** The file's column names (CSV header, first JSON object's keys, Parquet schema), read from its start. */
export async function peekColumns(opener: InputOpener, file: InputFile): Promise<string[]> {
  for await (const chunk of readChunks(opener, file, 0, 1)) return chunk.columns;
  return [];
}

export function readChunks(
  opener: InputOpener,
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
  /** Told the share of the file read so far, 0–1 (for progress). */
  onFraction: (fraction: number) => void = () => undefined,
  /** A CSV's plain chunks are read straight into these columns (other formats ignore it). */
  needs?: CsvNeeds,
): AsyncGenerator<Chunk> {
  if (file.format === "parquet") return parquetChunks(opener, file, fileIndex, chunkRows, onFraction);
  // With a second CPU, a local CSV read for numbers is read on a worker thread while this one scores.
  if (file.format === "csv" && needs !== undefined && isLocal(opener) && availableParallelism() > 1)
    return csvChunksOnThread(file, fileIndex, chunkRows, onFraction, needs);
  return streamChunks(opener, file, fileIndex, chunkRows, onFraction, needs);
}

/** The chunks of a CSV or JSON lines file, read from its stream on this thread. */
export function streamChunks(
  opener: InputOpener,
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
  onFraction: (fraction: number) => void,
  needs: CsvNeeds | undefined,
): AsyncGenerator<Chunk> {
  const raw = opener.stream(file);
  let read = 0;
  raw.on("data", (data: Buffer) => {
    read += data.length;
    onFraction(file.size > 0 ? read / file.size : 1);
  });
  const input = file.gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (err) => input.destroy(err));
  return file.format === "csv"
    ? csvChunks(input, file, fileIndex, chunkRows, needs)
    : jsonlChunks(input, file, fileIndex, chunkRows);
}

/** Collects rows of JSON lines or Parquet (cells already typed) into chunks of `chunkRows` data rows (good and bad). */
class ChunkBuilder {
  private next = 0;
  private current: Chunk;

  constructor(
    private readonly file: number,
    private readonly columns: string[],
    private readonly chunkRows: number,
  ) {
    this.current = this.fresh();
  }

  private fresh(): Chunk {
    return {
      file: this.file,
      index: this.next++,
      columns: this.columns,
      data: this.columns.map(() => []),
      numbers: undefined,
      rowNumbers: [],
      bad: [],
      fromText: false,
    };
  }

  private get size(): number {
    return this.current.rowNumbers.length + this.current.bad.length;
  }

  /** Adds a row (its cells in `columns` order); returns the chunk when it is full. */
  add(row: Cell[] | BadRow, rowNumber: number): Chunk | undefined {
    if (Array.isArray(row)) {
      const { data } = this.current;
      for (let c = 0; c < data.length; c++) (data[c] as Cell[]).push(row[c] ?? null);
      this.current.rowNumbers.push(rowNumber);
    } else {
      this.current.bad.push(row);
    }
    if (this.size < this.chunkRows) return undefined;
    const full = this.current;
    this.current = this.fresh();
    return full;
  }

  /** The last, partial chunk (also an empty first one, so a file of no rows still names its columns). */
  rest(): Chunk | undefined {
    return this.size > 0 || this.current.index === 0 ? this.current : undefined;
  }
}

async function* csvChunks(
  input: Readable,
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
  needs: CsvNeeds | undefined,
): AsyncGenerator<Chunk> {
  let columns: string[] | undefined;
  let columnNeeds: ColumnNeeds | undefined;
  // The records of the chunk being gathered (with the blocks they are in), and the data rows before it.
  let ranges: RecordRange[] = [];
  let size = 0;
  let index = 0;
  let before = 0;
  const chunk = (): Chunk => {
    const header = columns as string[];
    const read =
      (columnNeeds && readNeededColumns(ranges, header.length, columnNeeds, before)) ??
      textColumns(ranges, header.length, before);
    return { file: fileIndex, index, columns: header, fromText: true, numbers: undefined, ...read };
  };
  try {
    for await (const block of csvBlocks(input)) {
      let from = 0;
      if (columns === undefined) {
        columns = recordFields(block, 0);
        columnNeeds = needs && neededColumns(columns, needs);
        from = 1;
      }
      const count = block.starts.length;
      while (from < count) {
        const take = Math.min(count - from, chunkRows - size);
        ranges.push({ block, from, to: from + take });
        from += take;
        size += take;
        if (size < chunkRows) continue;
        yield chunk();
        before += size;
        index++;
        ranges = [];
        size = 0;
      }
    }
  } catch (err) {
    throw unreadable(file, err);
  } finally {
    input.destroy();
  }
  if (columns === undefined)
    throw invalidParameter(`'${file.location}' is empty: a CSV input needs a header.`);
  // The last, partial chunk (also an empty first one, so a file of no rows still names its columns).
  if (size > 0 || index === 0) yield chunk();
}

/** The needs by column position; undefined when no number column is asked for (text is all there is). */
function neededColumns(columns: string[], needs: CsvNeeds): ColumnNeeds | undefined {
  const numbers = columns.map((c) => needs.numbers.get(c));
  if (numbers.every((t) => t === undefined)) return undefined;
  const texts = needs.texts;
  return { numbers, texts: columns.map((c) => texts === undefined || texts.includes(c)) };
}

/** Every column of the records as text; a record of another field count is a bad row. */
function textColumns(
  ranges: readonly RecordRange[],
  width: number,
  firstRow: number,
): Pick<Chunk, "data" | "rowNumbers" | "bad"> {
  const data: Cell[][] = Array.from({ length: width }, () => []);
  const rowNumbers: number[] = [];
  const bad: BadRow[] = [];
  let row = firstRow;
  for (const { block, from, to } of ranges) {
    for (let i = from; i < to; i++) {
      row++;
      const record = recordFields(block, i);
      if (record.length !== width) {
        bad.push({ row, reason: `the record has ${record.length} fields; the header has ${width}` });
        continue;
      }
      for (let c = 0; c < width; c++) (data[c] as Cell[]).push(record[c] as string);
      rowNumbers.push(row);
    }
  }
  return { data, rowNumbers, bad };
}

async function* jsonlChunks(
  input: Readable,
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
): AsyncGenerator<Chunk> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let builder: ChunkBuilder | undefined;
  let columns: string[] = [];
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        value = { bad: `not JSON: ${(err as Error).message}` };
        if (builder === undefined)
          throw unreadable(file, new Error(`line ${line} is ${(value as { bad: string }).bad}`));
        yield* emit(builder.add({ row: line, reason: (value as { bad: string }).bad }, line));
        continue;
      }
      const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
      if (builder === undefined) {
        if (!isObject) throw unreadable(file, new Error(`line ${line} is not a JSON object`));
        // The first record's keys are the file's columns; a later record's other keys are not read.
        columns = Object.keys(value as object);
        builder = new ChunkBuilder(fileIndex, columns, chunkRows);
      }
      const cells = isObject
        ? columns.map((c) => ((value as Record<string, unknown>)[c] ?? null) as Cell)
        : { row: line, reason: "the line is not a JSON object" };
      yield* emit(builder.add(cells, line));
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (builder === undefined) throw invalidParameter(`'${file.location}' holds no JSON lines.`);
  const rest = builder.rest();
  if (rest) yield rest;
}

function* emit(chunk: Chunk | undefined): Generator<Chunk> {
  if (chunk) yield chunk;
}

async function* parquetChunks(
  opener: InputOpener,
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
  onFraction: (fraction: number) => void,
): AsyncGenerator<Chunk> {
  const buffer = await opener.buffer(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw unreadable(file, err);
  }
  const all = parquetSchema(metadata).children.map((c) => c.element.name);
  // pandas keeps a non-default index as an extra column; it is not data.
  const keep = all.filter((n) => !n.startsWith("__index_level_"));
  const columns = keep;
  const builder = new ChunkBuilder(fileIndex, columns, chunkRows);
  let start = 0;
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows);
    let rows: unknown[][] = [];
    try {
      await parquetRead({
        file: buffer,
        metadata,
        compressors,
        columns: keep,
        rowStart: start,
        rowEnd: end,
        rowFormat: "array",
        onComplete: (read) => {
          rows = read;
        },
      });
    } catch (err) {
      throw unreadable(file, err);
    }
    for (let i = 0; i < rows.length; i++) {
      const full = builder.add((rows[i] as unknown[]).map(cellOf), start + i + 1);
      if (full) yield full;
    }
    start = end;
    onFraction(Number(metadata.num_rows) > 0 ? start / Number(metadata.num_rows) : 1);
  }
  const rest = builder.rest();
  if (rest) yield rest;
}

/** Parquet values as scoring cells: integers beyond 2^53 stay exact as text, timestamps become ISO text. */
function cellOf(value: unknown): Cell {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) return null;
  return value as Cell;
}

/** Snappy is built into hyparquet; gzip comes from zlib. */
const compressors = {
  GZIP: (input: Uint8Array): Uint8Array => new Uint8Array(gunzipSync(input)),
};

function unreadable(file: InputFile, err: unknown): FlowgateError {
  if (err instanceof FlowgateError) return err;
  return invalidParameter(
    `Cannot read '${file.location}' as ${file.format}${file.gzip ? " (gzip)" : ""}: ${(err as Error).message}`,
  );
}
