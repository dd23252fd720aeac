// The CSV reader's worker thread (csv-thread.ts starts it): reads one local file's chunks with the same reader
// the main thread would use and posts them in order, one more each time the main thread makes room.
import { parentPort } from "node:worker_threads";
import { FlowgateError } from "../core/errors.js";
import { openerFor } from "./batch-input.js";
import { streamChunks } from "./chunk-reader.js";
import { toWire, type ReaderAnswer, type ReaderRequest } from "./csv-thread.js";

const port = parentPort;
if (port === null) throw new Error("csv-thread-worker runs as a worker thread (see csv-thread.ts)");
const answer = (m: ReaderAnswer, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let credits = 0;
let room: (() => void) | undefined;

port.on("message", (m: ReaderRequest) => {
  credits++;
  room?.();
  room = undefined;
  if (m.kind === "read") void read(m);
});

async function read(m: Extract<ReaderRequest, { kind: "read" }>): Promise<void> {
  let fraction = 0;
  try {
    const opener = openerFor(m.file.location);
    const chunks = streamChunks(opener, m.file, m.fileIndex, m.chunkRows, (f) => (fraction = f), m.needs);
    for await (const chunk of chunks) {
      while (credits === 0) await new Promise<void>((resolve) => (room = resolve));
      credits--;
      const { wire, transfer } = toWire(chunk);
      answer({ kind: "chunk", chunk: wire, fraction }, transfer);
    }
    answer({ kind: "end" });
  } catch (err) {
    const code = err instanceof FlowgateError ? err.code : undefined;
    answer({ kind: "failed", code, message: (err as Error).message });
  }
}
