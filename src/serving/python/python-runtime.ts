// The Python runtime: a pool of worker processes running `mlflow.pyfunc.load_model` in the user's Python. One
// batch per worker at a time. A worker that dies is replaced (its in-flight requests get 503); a worker that
// failed to load is never reused — a new process is started instead, with backoff. While no worker is ready but
// a replacement is on its way, batches wait for it (at most `replacementWaitMs`) instead of failing at once.
import { ERROR_STATUS, FlowgateError, type ErrorCode } from "../../core/errors.js";
import type { Column } from "../frame.js";
import type { ModelRuntime, PredictionResult, RuntimeInput } from "../runtime.js";
import type { WorkerItem } from "./worker-protocol.js";
import { WorkerProcess, type WorkerSpawnOptions } from "./worker-process.js";

export interface PythonRuntimeOptions extends WorkerSpawnOptions {
  workers: number;
  /** Longest a batch waits for a replacement worker when none is ready. */
  replacementWaitMs: number;
}

const MAX_RESPAWN_DELAY_MS = 30_000;

export class PythonRuntime implements ModelRuntime {
  readonly kind = "python" as const;
  private readonly workers: WorkerProcess[] = [];
  private closing = false;
  private respawnFailures = 0;
  /** Replacements scheduled (backoff) but not yet started. */
  private scheduled = 0;
  /** How the last worker ended, for /health. */
  private lastExit: { code: number | null; signal: string | null; failedToLoad: boolean } | undefined;
  /** Batches waiting for a worker; woken whenever a worker becomes ready, fails or exits. */
  private readonly waiters = new Set<() => void>();
  /** Workers replaced after a crash, for /metadata and tests. */
  replaced = 0;

  private constructor(private readonly options: PythonRuntimeOptions) {}

  /** Starts the pool and waits until every worker has loaded the model; fails if any cannot. */
  static async start(options: PythonRuntimeOptions): Promise<PythonRuntime> {
    const runtime = new PythonRuntime(options);
    const started = Array.from({ length: options.workers }, () => runtime.spawn());
    try {
      await Promise.all(started.map((w) => w.loaded));
    } catch (err) {
      await runtime.close();
      throw err;
    }
    return runtime;
  }

  get slots(): number {
    return this.options.workers;
  }

  ready(): boolean {
    return this.workers.some((w) => w.state === "ready");
  }

  recovering(): boolean {
    return !this.closing && (this.scheduled > 0 || this.workers.some((w) => w.state === "loading"));
  }

  notReadyReason(): string | undefined {
    if (this.ready()) return undefined;
    if (this.closing) return "the Python workers are shutting down";
    const loading = this.workers.filter((w) => w.state === "loading").length + this.scheduled;
    const exit = this.lastExit;
    const how =
      exit === undefined
        ? "python workers starting"
        : `python worker restarting after ${exit.failedToLoad ? "failing to load the model" : "crash"} (${exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`})`;
    return `${how}, ${loading} of ${this.options.workers} loading`;
  }

  describe(): Record<string, unknown> {
    return {
      python: this.options.python,
      workers: this.workers.map((w) => ({ pid: w.pid, state: w.state, loaded_by: w.loadedBy })),
      workers_replaced: this.replaced,
    };
  }

  async predictBatch(inputs: readonly RuntimeInput[]): Promise<PredictionResult[]> {
    const worker = this.pick() ?? (await this.waitForWorker(this.options.replacementWaitMs));
    if (worker === undefined) {
      const error = new FlowgateError(
        "TEMPORARILY_UNAVAILABLE",
        `No Python worker is ready (${this.notReadyReason() ?? "none"}); waited up to ${this.options.replacementWaitMs / 1000} s for a replacement. Retry shortly.`,
      );
      return inputs.map(() => ({ ok: false, error }));
    }
    const answer = await worker.predict(inputs.map(toItem));
    if (answer instanceof FlowgateError) return inputs.map(() => ({ ok: false, error: answer }));
    return answer.map((r) =>
      r.ok ? { ok: true, predictions: r.predictions } : { ok: false, error: new FlowgateError(errorCode(r.error_code), r.message) },
    );
  }

  private pick(): WorkerProcess | undefined {
    const ready = this.workers.filter((w) => w.state === "ready");
    return ready.find((w) => !w.busy) ?? ready[0];
  }

  /** Waits until a worker is ready, nothing is on its way any more, or `ms` have passed. */
  private async waitForWorker(ms: number): Promise<WorkerProcess | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const worker = this.pick();
      const left = deadline - Date.now();
      if (worker !== undefined || !this.recovering() || left <= 0) return worker;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wakeWaiters();
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
  }

  private spawn(): WorkerProcess {
    const worker = new WorkerProcess(this.options);
    this.workers.push(worker);
    this.options.logger.info({ worker_pid: worker.pid, model_path: this.options.modelPath }, "python worker starting");
    worker.loaded.then(
      () => {
        this.respawnFailures = 0;
        this.wakeWaiters();
      },
      (err: unknown) => this.options.logger.error({ worker_pid: worker.pid, err: (err as Error).message }, "python worker failed to load the model"),
    );
    void worker.exited.then(({ code, signal }) => {
      const at = this.workers.indexOf(worker);
      if (at >= 0) this.workers.splice(at, 1);
      if (this.closing) return;
      this.options.logger.warn({ worker_pid: worker.pid, code, signal }, "python worker exited; starting a replacement");
      this.replaced++;
      const failedToLoad = worker.state === "failed";
      this.lastExit = { code, signal, failedToLoad };
      if (failedToLoad) this.respawnFailures++;
      const delay = Math.min(MAX_RESPAWN_DELAY_MS, this.respawnFailures === 0 ? 0 : 250 * 2 ** this.respawnFailures);
      this.scheduled++;
      setTimeout(() => {
        this.scheduled--;
        if (!this.closing) this.spawn();
        this.wakeWaiters();
      }, delay).unref();
      this.wakeWaiters();
    });
    return worker;
  }
}

/** A request as the worker takes it (worker-protocol.ts). */
export function toItem(input: RuntimeInput): WorkerItem {
  if (input.kind === "tensor") return { json: { ...input.body, ...(input.params ? { params: input.params } : {}) } };
  const { frame } = input;
  const data: Record<string, unknown[]> = {};
  const float64: Record<string, Float64Array> = {};
  frame.columns.forEach((c, i) => {
    const values = frame.data[i] as Column;
    const dtype = frame.dtypes?.[c];
    if ((dtype === "float64" || dtype === "float32") && everyNumber(values)) float64[c] = wireFloat64(values);
    else data[c] = values instanceof Float64Array ? Array.from(values) : (values as unknown[]);
  });
  return {
    frame: {
      columns: frame.columns,
      data,
      ...(Object.keys(float64).length > 0 ? { float64 } : {}),
      ...(frame.dtypes ? { dtypes: frame.dtypes } : {}),
    },
    ...(input.params ? { params: input.params } : {}),
  };
}

function everyNumber(values: Column): boolean {
  if (values instanceof Float64Array) return true;
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") return false;
  return true;
}

/**
 * A column of numbers as float64 values, which go to the worker as their bytes (worker-protocol.ts) and become a
 * numpy array without a JSON number per cell. Values become what the JSON text made of them: JSON.stringify writes
 * NaN and ±Infinity as null (pandas NaN) and -0 as 0.
 */
function wireFloat64(values: Column): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    out[i] = Number.isFinite(v) ? v + 0 : NaN;
  }
  return out;
}

function errorCode(code: string): ErrorCode {
  return code in ERROR_STATUS ? (code as ErrorCode) : "BAD_REQUEST";
}
