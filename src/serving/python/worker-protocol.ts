// The typed line-delimited JSON protocol between the pool and python/flowgate_worker (see its serve.py).

export type WorkerItem =
  | {
      frame: {
        columns: string[];
        /** The columns sent as JSON values. */
        data: Record<string, unknown[]>;
        /** The columns sent as numbers: base64 of their float64 values in this machine's byte order. */
        float64?: Record<string, string>;
        dtypes?: Record<string, string>;
      };
      params?: Record<string, unknown>;
    }
  | { json: Record<string, unknown> };

export interface PredictRequest {
  id: number;
  op: "predict";
  items: WorkerItem[];
}

export type WorkerResult =
  | { ok: true; predictions: string }
  | { ok: false; error_code: string; message: string; stack_trace?: string };

export type WorkerMessage =
  | { type: "ready"; pid: number; load_seconds: number; loader_module?: string; loaded_by?: string }
  | { type: "load_failed"; message: string }
  | { id: number; results: WorkerResult[] };
