// Reads a local CSV's chunks on a worker thread (csv-thread-worker.ts runs the same reader, chunk-reader.ts's
// streamChunks), so that splitting the records and parsing their numbers — most of a batch run's main-thread
// time on a plain numeric CSV — overlaps with scoring and writing the chunks before it. The chunks come back
// in order, as the reader made them: numbers as transferred float64 arrays, a plain chunk's text columns as one
// string each (a cell of an unquoted record cannot hold a line end, so "\n" joins them), which costs the main
// thread a copy instead of a parse. At most chunksAhead() chunks wait to be taken: memory stays bounded.
import type { Cell } from "../serving/frame.js";
import { FlowgateError, type ErrorCode } from "../core/errors.js";
import { siblingEntry, startWorker } from "../core/worker-thread.js";
import type { InputFile } from "./batch-input.js";
import type { BadRow, Chunk, CsvNeeds } from "./chunk-reader.js";

/**
 * What the chunks read ahead of the one being scored may hold, about: while a runtime starts (a Python worker
 * takes seconds) the reader has a CPU to itself, and reads up to this far; after, it keeps just ahead.
 */
const AHEAD_BYTES = 32 * 1024 * 1024;

/**
 * Chunks read ahead: AHEAD_BYTES of them (a number 8 bytes, a text cell taken as 16; with every column kept as
 * text, as many text cells as numbers counted), at least 2, at most 64.
 */
export function chunksAhead(chunkRows: number, needs: CsvNeeds): number {
  const rowBytes = 8 * (needs.numbers.size + 1) + 16 * (needs.texts?.length ?? needs.numbers.size);
  return Math.max(2, Math.min(64, Math.floor(AHEAD_BYTES / (rowBytes * chunkRows))));
}

/** Main thread → worker. */
export type ReaderRequest =
  | { kind: "read"; file: InputFile; fileIndex: number; chunkRows: number; needs: CsvNeeds }
  /** Room for one more chunk. */
  | { kind: "more" };

/** Worker → main thread. */
export type ReaderAnswer =
  | { kind: "chunk"; chunk: WireChunk; fraction: number }
  | { kind: "end" }
  | { kind: "failed"; code: ErrorCode | undefined; message: string };

/** A chunk as it crosses threads. */
export interface WireChunk {
  file: number;
  index: number;
  columns: string[];
  /** A column's text cells: joined by "\n" (rows > 0), or as they are. */
  data: (string | Cell[] | undefined)[];
  numbers: (Float64Array | undefined)[] | undefined;
  rowNumbers: Float64Array;
  bad: BadRow[];
  fromText: boolean;
}

/** The chunk as sent, and the buffers transferred with it. */
export function toWire(chunk: Chunk): { wire: WireChunk; transfer: ArrayBuffer[] } {
  const joinable = chunk.numbers !== undefined && chunk.rowNumbers.length > 0;
  const numbers = chunk.numbers;
  const rowNumbers = Float64Array.from(chunk.rowNumbers);
  const wire: WireChunk = {
    file: chunk.file,
    index: chunk.index,
    columns: chunk.columns,
    // A plain chunk's text columns hold the text of their cells.
    data: chunk.data.map((column) =>
      column !== undefined && joinable ? (column as string[]).join("\n") : column,
    ),
    numbers,
    rowNumbers,
    bad: chunk.bad,
    fromText: chunk.fromText,
  };
  const transfer = [
    rowNumbers.buffer,
    ...(numbers ?? []).flatMap((n) => (n === undefined ? [] : [n.buffer as ArrayBuffer])),
  ];
  return { wire, transfer };
}

export function fromWire(wire: WireChunk): Chunk {
  return {
    file: wire.file,
    index: wire.index,
    columns: wire.columns,
    data: wire.data.map((column) => (typeof column === "string" ? column.split("\n") : column)),
    numbers: wire.numbers,
    rowNumbers: plainArray(wire.rowNumbers),
    bad: wire.bad,
    fromText: wire.fromText,
  };
}

/** A plain array of the values: what a chunk's row numbers are. */
function plainArray(values: Float64Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  return out;
}

const WORKER_URL = siblingEntry("csv-thread-worker", import.meta.url);

/** The chunks of a local CSV file read for `needs`, read on a worker thread that ends with the iteration. */
export async function* csvChunksOnThread(
  file: InputFile,
  fileIndex: number,
  chunkRows: number,
  onFraction: (fraction: number) => void,
  needs: CsvNeeds,
): AsyncGenerator<Chunk> {
  const worker = startWorker(WORKER_URL);
  const answers: ReaderAnswer[] = [];
  let wake: (() => void) | undefined;
  let broken: Error | undefined;
  const arrived = (): void => {
    wake?.();
    wake = undefined;
  };
  worker.on("message", (m: ReaderAnswer) => {
    answers.push(m);
    arrived();
  });
  worker.on("error", (err) => {
    broken ??= err;
    arrived();
  });
  worker.on("exit", (code) => {
    broken ??= new Error(`the CSV reader thread exited with code ${code}`);
    arrived();
  });
  try {
    const request = (m: ReaderRequest): void => worker.postMessage(m);
    request({ kind: "read", file, fileIndex, chunkRows, needs });
    for (let i = 1, ahead = chunksAhead(chunkRows, needs); i < ahead; i++) request({ kind: "more" });
    for (;;) {
      const m = answers.shift();
      if (m === undefined) {
        if (broken !== undefined) throw broken;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (m.kind === "end") return;
      if (m.kind === "failed") {
        throw m.code === undefined ? new Error(m.message) : new FlowgateError(m.code, m.message);
      }
      onFraction(m.fraction);
      request({ kind: "more" });
      yield fromWire(m.chunk);
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
