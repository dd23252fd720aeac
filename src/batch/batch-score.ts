// `flowgate batch score`: scores files of any size in chunks through a Scorer (scoring/scorer.ts), with memory
// bounded by the chunks in flight, as many requests in flight as the runtime has slots, the signature checked
// before anything is scored, bad rows failed on or skipped into an errors file, and a resumable state (parts +
// manifest, batch-state.ts) from which the output is assembled in input order.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { createReadStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { FlowgateError, invalidParameter } from "../core/errors.js";
import type { Scorer } from "../scoring/scorer.js";
import { frameFromRows, type Cell, type Frame } from "../serving/frame.js";
import type { ModelMetadata } from "../serving/model-metadata.js";
import type { PredictionResult } from "../serving/runtime.js";
import { isNumericType, type NumericType } from "../serving/schema-enforcement.js";
import { formatOf, openerFor, type DataFormat, type InputFile, type InputOpener } from "./batch-input.js";
import {
  assembleOutput,
  encodePart,
  layoutFor,
  predictionRows,
  type OutputLayout,
  type Prediction,
} from "./batch-output.js";
import { BatchState, type RunIdentity } from "./batch-state.js";
import { peekColumns, readChunks, type BadRow, type Chunk, type CsvNeeds } from "./chunk-reader.js";

export interface Shard {
  index: number;
  count: number;
}

export interface BatchOptions {
  /** `-i`: a file, a directory or a glob (or a URL of a registered scheme). */
  input: string;
  output: string;
  /** Output format (default: the output's extension says, else the input's). */
  format?: DataFormat;
  /** Columns copied to the output (default: every input column). */
  ids: string[];
  onError: "fail" | "skip";
  /** Where bad rows are listed (default <output>.errors.jsonl). */
  errors?: string;
  resume: boolean;
  shard?: Shard;
  chunkRows: number;
  /** Rows per scoring request (default: a chunk shared by the runtime's slots). */
  requestRows?: number;
  /** What is scored with, as the resume manifest names it (e.g. the model URI). */
  target: string;
  onProgress?: (progress: BatchProgress) => void;
}

export interface BatchProgress {
  /** Rows scored or set aside so far (chunks finished by an earlier run included). */
  rows: number;
  errors: number;
  /** Share of the input read, 0–1, by bytes (Parquet: by rows). */
  fraction: number;
  elapsedSeconds: number;
}

export interface BatchSummary {
  output: string;
  errorsFile: string | undefined;
  files: number;
  rows: number;
  scored: number;
  errors: number;
  chunks: number;
  resumedChunks: number;
  seconds: number;
  rowsPerSecond: number;
  model: string;
  version: string;
}

/** A bad row met under --on-error fail. */
class BadRowFailure extends FlowgateError {
  constructor(file: InputFile, bad: BadRow) {
    super(
      "INVALID_PARAMETER_VALUE",
      `${file.location} row ${bad.row}: ${bad.reason} (--on-error skip sets such rows aside in an errors file).`,
    );
  }
}

const RETRIES = 5;

/** A row the model refused, among a request's answers. */
class Refused {
  constructor(readonly bad: BadRow) {}
}

/** The version a batch scores with, as known before its runtime starts: enough to check and read the inputs. */
export interface BatchModel {
  name: string;
  version: string;
  meta: ModelMetadata;
}

/**
 * A batch whose inputs are listed and checked against the signature, its first file being read while the
 * runtime starts (a Python worker takes seconds, during which the reader has a CPU to itself).
 */
export interface PreparedBatch {
  readonly options: BatchOptions;
  readonly opener: InputOpener;
  readonly listed: InputFile[];
  /** The files this run (or shard) scores. */
  readonly files: InputFile[];
  /** --shard takes every Nth file (several files) rather than every Nth chunk of one. */
  readonly byFile: boolean;
  readonly modelColumns: string[] | undefined;
  readonly needs: CsvNeeds | undefined;
  readonly first: ReadAhead | undefined;
  /** Stops the read of the first file (a run that never starts). */
  close(): Promise<void>;
}

/** Checks the inputs before the model runs: a file without the signature's columns fails here. */
export async function prepareBatch(model: BatchModel, options: BatchOptions): Promise<PreparedBatch> {
  const opener = openerFor(options.input);
  const listed = await opener.list(options.input);
  const shard = options.shard;
  // Several files: each shard takes every Nth file; one file: every Nth chunk of it.
  const byFile = shard !== undefined && listed.length > 1;
  const files = byFile ? listed.filter((_, i) => i % shard.count === shard.index) : listed;
  const modelColumns = await checkInputs(model, opener, files, options.ids);
  const needs = csvNeeds(model.meta, options.ids);
  const head = files[0];
  const first = head && new ReadAhead(opener, head, 0, options.chunkRows, needs);
  return {
    options,
    opener,
    listed,
    files,
    byFile,
    modelColumns,
    needs,
    first,
    close: async () => first?.close(),
  };
}

/** A file's chunks, the first one asked for at once so that its reader starts now. */
class ReadAhead implements AsyncIterable<Chunk> {
  /** Share of the file read, as of the last chunk taken. */
  fraction = 0;
  private readonly chunks: AsyncGenerator<Chunk>;
  private readonly head: Promise<IteratorResult<Chunk>>;

  constructor(opener: InputOpener, file: InputFile, position: number, chunkRows: number, needs?: CsvNeeds) {
    this.chunks = readChunks(opener, file, position, chunkRows, (f) => (this.fraction = f), needs);
    this.head = this.chunks.next();
    this.head.catch(() => undefined); // seen when iterated
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Chunk> {
    const head = await this.head;
    if (head.done === true) return;
    yield head.value;
    yield* this.chunks;
  }

  async close(): Promise<void> {
    await this.head.catch(() => undefined);
    await this.chunks.return(undefined);
  }
}

/** Prepares and scores a batch. */
export async function runBatch(scorer: Scorer, options: BatchOptions): Promise<BatchSummary> {
  return scoreBatch(scorer, await prepareBatch(scorer, options));
}

/** Scores a prepared batch (its first file read since it was prepared); its reading ends with it. */
export async function scoreBatch(scorer: Scorer, batch: PreparedBatch): Promise<BatchSummary> {
  try {
    return await scorePrepared(scorer, batch);
  } finally {
    await batch.close();
  }
}

async function scorePrepared(scorer: Scorer, batch: PreparedBatch): Promise<BatchSummary> {
  const started = performance.now();
  const { options, opener, listed, files, byFile, modelColumns, needs, first } = batch;
  const shard = options.shard;
  const ownsChunk = (index: number): boolean =>
    shard === undefined || byFile || index % shard.count === shard.index;
  const format = options.format ?? formatOf(options.output)?.format ?? (listed[0] as InputFile).format;
  const gzip = format !== "parquet" && options.output.toLowerCase().endsWith(".gz");

  const identity: RunIdentity = {
    inputs: files.map((f) => ({ location: f.location, size: f.size, version: f.version })),
    target: options.target,
    chunkRows: options.chunkRows,
    ids: options.ids,
    onError: options.onError,
    shard: shard === undefined ? "" : `${shard.index}/${shard.count}`,
    format: `${format}${gzip ? ".gz" : ""}`,
  };
  const state = await BatchState.open(options.output, identity, options.resume);
  const layout =
    state.layout ?? (await probeLayout(scorer, opener, files, options, modelColumns, format, gzip));
  if (state.layout === undefined) await state.setLayout(layout);

  // A chunk goes out as one request per slot: every slot busy, and the fewest calls (each one costs a frame, an
  // enforcement pass and a JSON answer, and on Python a message each way).
  const perSlot = Math.ceil(options.chunkRows / Math.max(1, scorer.slots));
  const requestRows = Math.max(1, Math.min(options.requestRows ?? perSlot, options.chunkRows));
  const limit = Math.max(2, scorer.slots + 1);
  const totalBytes = files.reduce((n, f) => n + f.size, 0) || 1;
  let doneBytes = 0;
  let rows = 0;
  let scored = 0;
  let errors = 0;
  let resumedChunks = 0;
  const order: [number, number][] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let firstFailed: [number, number] | undefined;
  let fileFraction = 0;
  const report = (): void =>
    options.onProgress?.({
      rows,
      errors,
      fraction: Math.min(1, (doneBytes + fileFraction) / totalBytes),
      elapsedSeconds: (performance.now() - started) / 1000,
    });

  const scoreChunk = async (file: InputFile, chunk: Chunk): Promise<void> => {
    const kept = columnIndexes(chunk.columns, options.ids.length > 0 ? options.ids : chunk.columns);
    const sent = sentColumns(chunk.columns, modelColumns);
    const wanted = columnIndexes(chunk.columns, sent);
    const bad: BadRow[] = [...chunk.bad];
    if (options.onError === "fail" && bad.length > 0) throw new BadRowFailure(file, bad[0] as BadRow);
    const count = chunk.rowNumbers.length;
    const requests: Promise<unknown[]>[] = [];
    for (let start = 0; start < count; start += requestRows) {
      const end = Math.min(count, start + requestRows);
      requests.push(scoreRows(scorer, chunk, start, end, wanted, sent, options.onError, file));
    }
    // The requests cover the rows in order: one answer per row. Rows the model refused are set aside, and
    // only then are the answers and kept cells filtered (most chunks have none, and keep their arrays).
    // (concat, not flat(): V8's flat is a generic per-element walk, slower than the loop it saves.)
    const replies = ([] as unknown[]).concat(...(await Promise.all(requests)));
    let answers: Prediction[] = replies;
    let good: number[] | undefined;
    if (replies.some((answer) => answer instanceof Refused)) {
      good = [];
      answers = [];
      for (const [r, answer] of replies.entries()) {
        if (answer instanceof Refused) bad.push(answer.bad);
        else {
          good.push(r);
          answers.push(answer);
        }
      }
    }
    bad.sort((a, b) => a.row - b.row);
    const keptCells = kept.map((c) => {
      const column = chunk.data[c] as Cell[];
      return good === undefined ? column : good.map((r) => column[r] as Cell);
    });
    const part = encodePart(layout, keptCells, answers);
    const errorLines = bad
      .map((b) => `${JSON.stringify({ file: file.location, row: b.row, reason: b.reason })}\n`)
      .join("");
    await state.finish(chunk.file, chunk.index, part, Buffer.from(errorLines), {
      rows: answers.length,
      errors: bad.length,
    });
    rows += answers.length + bad.length;
    scored += answers.length;
    errors += bad.length;
    report();
  };

  try {
    for (const [position, source] of files.entries()) {
      const reader =
        position === 0 && first !== undefined
          ? first
          : new ReadAhead(opener, source, position, options.chunkRows, needs);
      for await (const chunk of reader) {
        fileFraction = reader.fraction * source.size;
        if (failure !== undefined) break;
        if (!ownsChunk(chunk.index)) continue;
        order.push([position, chunk.index]);
        const done = state.done(position, chunk.index);
        if (done !== undefined) {
          resumedChunks++;
          rows += done.rows + done.errors;
          scored += done.rows;
          errors += done.errors;
          continue;
        }
        const task: Promise<void> = scoreChunk(source, chunk).then(
          () => void inFlight.delete(task),
          (err: unknown) => {
            inFlight.delete(task);
            // Chunks fail in any order: the run reports the first bad chunk of the input.
            if (firstFailed === undefined || before([chunk.file, chunk.index], firstFailed)) {
              failure = err;
              firstFailed = [chunk.file, chunk.index];
            }
          },
        );
        inFlight.add(task);
        if (inFlight.size >= limit) await Promise.race(inFlight);
      }
      if (failure !== undefined) break;
      doneBytes += source.size;
      fileFraction = 0;
    }
    await Promise.all(inFlight);
  } catch (err) {
    await Promise.all(inFlight);
    throw err;
  }
  if (failure !== undefined) throw failure as Error;

  const tmp = `${options.output}.tmp-${process.pid}`;
  await assembleOutput(
    layout,
    order.map(([f, c]) => state.partPath(f, c)),
    tmp,
  );
  await rename(tmp, options.output);
  const errorsFile = options.errors ?? `${options.output}.errors.jsonl`;
  if (errors > 0)
    await concatenate(
      order.filter(([f, c]) => (state.done(f, c)?.errors ?? 0) > 0).map(([f, c]) => state.errorsPath(f, c)),
      errorsFile,
    );
  else await rm(errorsFile, { force: true });
  await state.remove();
  report();
  const seconds = (performance.now() - started) / 1000;
  return {
    output: options.output,
    errorsFile: errors > 0 ? errorsFile : undefined,
    files: files.length,
    rows,
    scored,
    errors,
    chunks: order.length,
    resumedChunks,
    seconds,
    rowsPerSecond: seconds > 0 ? rows / seconds : rows,
    model: scorer.name,
    version: scorer.version,
  };
}

/**
 * Before anything is scored, every file must hold the columns the signature requires and the --id columns: a
 * file that does not fails now, not after an hour. Returns the columns sent to the model (the signature's, when
 * it names them; else every column).
 */
async function checkInputs(
  model: BatchModel,
  opener: InputOpener,
  files: InputFile[],
  ids: string[],
): Promise<string[] | undefined> {
  const schema = model.meta.signature.inputs;
  const named = schema?.kind === "columns" && schema.columns.every((c) => c.name !== undefined);
  for (const file of files) {
    const columns = new Set(await peekColumns(opener, file));
    const missing = named ? schema.columns.filter((c) => c.required && !columns.has(c.name as string)) : [];
    if (missing.length > 0) {
      throw invalidParameter(
        `${file.location} lacks the column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `'${c.name}'`).join(", ")} that model ${model.name} version ${model.version} requires (its signature: ${(schema?.kind === "columns" ? schema.columns : []).map((c) => `${c.name} ${c.type}`).join(", ")}).`,
      );
    }
    const absent = ids.filter((id) => !columns.has(id));
    if (absent.length > 0) {
      throw invalidParameter(
        `--id ${absent.map((c) => `'${c}'`).join(", ")}: not a column of ${file.location} (it has ${[...columns].join(", ")}).`,
      );
    }
  }
  if (!named) return undefined;
  // Optional columns a file lacks are not sent; enforcement treats them as absent.
  return schema.columns.map((c) => c.name as string);
}

/**
 * Scores the first rows of the input to learn the shape of the answers (the output's columns and types); a
 * model that cannot score them fails the run in its first seconds.
 */
async function probeLayout(
  scorer: Scorer,
  opener: InputOpener,
  files: InputFile[],
  options: BatchOptions,
  modelColumns: string[] | undefined,
  format: DataFormat,
  gzip: boolean,
): Promise<OutputLayout> {
  const file = files[0];
  let chunk: Chunk | undefined;
  if (file !== undefined) {
    for await (const c of readChunks(opener, file, 0, 16)) {
      chunk = c;
      break;
    }
  }
  const columns = chunk?.columns ?? [];
  const kept = options.ids.length > 0 ? options.ids : columns;
  let lastError = "";
  const sent = sentColumns(columns, modelColumns);
  const wanted = columnIndexes(columns, sent);
  const cell = (c: number, r: number): Cell => (chunk as Chunk).data[c]?.[r] ?? null;
  for (const [i, rowNumber] of (chunk?.rowNumbers ?? []).entries()) {
    const frame = frameFromRows(sent, [wanted.map((c) => cell(c, i))], (chunk as Chunk).fromText);
    const result = await scorer.score(frame);
    if (result.ok) {
      const prediction = predictionRows(result.predictions, 1)[0];
      const keptRow = columnIndexes(columns, kept).map((c) => cell(c, i));
      return layoutFor(
        format,
        gzip,
        kept,
        keptRow,
        (chunk as Chunk).fromText,
        signatureTypes(scorer),
        prediction,
      );
    }
    lastError = `row ${rowNumber}: ${result.error.message}`;
    if (options.onError === "fail") break;
  }
  if (lastError !== "") {
    throw new FlowgateError(
      "INVALID_PARAMETER_VALUE",
      `Model ${scorer.name} version ${scorer.version} cannot score ${(file as InputFile).location}, ${lastError}`,
    );
  }
  return layoutFor(format, gzip, kept, [], true, signatureTypes(scorer), null);
}

/**
 * Scores rows [start, end) of a chunk in one request; when it is refused, halves it until each bad row stands
 * alone (under --on-error fail, the first bad row ends the run). A busy runtime (503) is retried, not bisected.
 * One answer per row, in order.
 */
async function scoreRows(
  scorer: Scorer,
  chunk: Chunk,
  start: number,
  end: number,
  wanted: number[],
  modelColumns: string[],
  onError: "fail" | "skip",
  file: InputFile,
): Promise<unknown[]> {
  // Column by column, straight from the chunk's columns: numbers where it has them (its CSV text read by the
  // signature's types, as enforcement converts it), else its cells; a request of the whole chunk (one runtime
  // slot) takes them without a copy (enforcement reads them and makes its own).
  const whole = start === 0 && end === chunk.rowNumbers.length;
  const frame: Frame = {
    columns: modelColumns,
    data: wanted.map((c) => {
      const column = chunk.numbers?.[c] ?? (chunk.data[c] as Cell[]);
      return whole ? column : column.slice(start, end);
    }),
    rows: end - start,
    fromText: chunk.numbers === undefined && chunk.fromText,
  };
  let result: PredictionResult = await scorer.score(frame);
  for (
    let attempt = 1;
    !result.ok && result.error.code === "TEMPORARILY_UNAVAILABLE" && attempt <= RETRIES;
    attempt++
  ) {
    await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    result = await scorer.score(frame);
  }
  if (result.ok) return predictionRows(result.predictions, end - start);
  if (result.error.code === "TEMPORARILY_UNAVAILABLE") throw result.error;
  if (end - start === 1) {
    const bad = { row: chunk.rowNumbers[start] as number, reason: result.error.message };
    if (onError === "fail") throw new BadRowFailure(file, bad);
    return [new Refused(bad)];
  }
  const half = start + Math.ceil((end - start) / 2);
  const left = await scoreRows(scorer, chunk, start, half, wanted, modelColumns, onError, file);
  const right = await scoreRows(scorer, chunk, half, end, wanted, modelColumns, onError, file);
  return [...left, ...right];
}

/**
 * A CSV is read straight into numbers when every column of the signature is named and numeric (the texts kept
 * are the output's --id columns, or every column); otherwise it is read as text.
 */
function csvNeeds(meta: ModelMetadata, ids: string[]): CsvNeeds | undefined {
  const schema = meta.signature.inputs;
  if (schema?.kind !== "columns") return undefined;
  const numbers = new Map<string, NumericType>();
  for (const column of schema.columns) {
    if (column.name === undefined || !isNumericType(column.type)) return undefined;
    numbers.set(column.name, column.type);
  }
  return { numbers, texts: ids.length > 0 ? ids : undefined };
}

function signatureTypes(scorer: Scorer): Map<string, string> {
  const schema = scorer.meta.signature.inputs;
  return new Map(schema?.kind === "columns" ? schema.columns.map((c) => [c.name ?? "", c.type]) : []);
}

/** The model's columns a file has (an optional one it lacks is not sent), or all of its columns. */
function sentColumns(columns: string[], modelColumns: string[] | undefined): string[] {
  return modelColumns === undefined ? columns : modelColumns.filter((c) => columns.includes(c));
}

function columnIndexes(columns: string[], names: string[]): number[] {
  return names.map((n) => columns.indexOf(n));
}

function before(a: [number, number], b: [number, number]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

async function concatenate(parts: string[], target: string): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  const out = createWriteStream(tmp);
  for (const part of parts) {
    for await (const data of createReadStream(part)) if (!out.write(data)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  await rename(tmp, target);
}
