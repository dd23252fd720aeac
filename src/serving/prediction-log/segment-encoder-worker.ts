// The segment encoder's worker thread (segment-encoder.ts starts it): batches in, finished segments out, in
// the order asked. A batch that cannot be read is reported and skipped; the open segment goes on.
import { parentPort } from "node:worker_threads";
import { SegmentAssembler, type EncoderAnswer, type EncoderRequest } from "./segment-encoder.js";

const port = parentPort;
if (port === null) throw new Error("segment-encoder-worker runs as a worker thread (see segment-encoder.ts)");
const assembler = new SegmentAssembler();
const answer = (m: EncoderAnswer, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

port.on("message", (m: EncoderRequest) => {
  if (m.kind === "append") {
    try {
      assembler.append(m.batch);
    } catch (err) {
      answer({ kind: "warning", message: (err as Error).message });
    }
    return;
  }
  try {
    const segment = assembler.finish();
    answer({ kind: "segment", ...segment }, segment.bytes ? [segment.bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    answer({ kind: "failed", message: (err as Error).message });
  }
});
answer({ kind: "ready" });
