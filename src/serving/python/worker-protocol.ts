// The typed protocol between the pool and python/flowgate_worker (see its serve.py): one JSON line per message,
// a request's float64 columns as raw bytes after its line.

export type WorkerItem =
  | {
      frame: {
        columns: string[];
        /** The columns sent as JSON values. */
        data: Record<string, unknown[]>;
        /** The columns sent as numbers: their float64 values, as bytes after the request's line. */
        float64?: Record<string, Float64Array>;
        dtypes?: Record<string, string>;
      };
      params?: Record<string, unknown>;
    }
  | { json: Record<string, unknown> };

/**
 * A predict request as it goes down the pipe: a JSON line — {"id", "op": "predict", "items", "bytes"} — whose items
 * name each float64 column by [byte offset, count] into the `bytes` bytes that follow the line. The worker runs on
 * this machine, so the values' byte order is this one's. (As JSON numbers they were most of a batch chunk's time;
 * as base64 in the JSON, ~0.3 s of CPU per million rows of four columns, across the two processes.)
 */
export function encodeRequest(id: number, items: readonly WorkerItem[]): { line: string; bytes: Buffer[] } {
  const bytes: Buffer[] = [];
  let offset = 0;
  const wire = items.map((item) => {
    if (!("frame" in item) || item.frame.float64 === undefined) return item;
    const refs: Record<string, [number, number]> = {};
    for (const [column, values] of Object.entries(item.frame.float64)) {
      refs[column] = [offset, values.length];
      bytes.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
      offset += values.byteLength;
    }
    return { ...item, frame: { ...item.frame, float64: refs } };
  });
  return { line: `${JSON.stringify({ id, op: "predict", items: wire, bytes: offset })}\n`, bytes };
}

export type WorkerResult =
  | { ok: true; predictions: string }
  | { ok: false; error_code: string; message: string; stack_trace?: string };

export type WorkerMessage =
  | { type: "ready"; pid: number; load_seconds: number; loader_module?: string; loaded_by?: string }
  | { type: "load_failed"; message: string }
  | { id: number; results: WorkerResult[] };
