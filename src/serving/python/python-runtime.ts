// The Python runtime: a pool of worker processes running `mlflow.pyfunc.load_model` in the user's Python. One
// batch per worker at a time. A worker that dies is replaced (its in-flight requests get 503); a worker that
// failed to load is never reused — a new process is started instead, with backoff.
import { ERROR_STATUS, FlowgateError, type ErrorCode } from "../../core/errors.js";
import type { ModelRuntime, PredictionResult, RuntimeInput } from "../runtime.js";
import type { WorkerItem } from "./worker-protocol.js";
import { WorkerProcess, type WorkerSpawnOptions } from "./worker-process.js";

export interface PythonRuntimeOptions extends WorkerSpawnOptions {
  workers: number;
}

const MAX_RESPAWN_DELAY_MS = 30_000;

export class PythonRuntime implements ModelRuntime {
  readonly kind = "python" as const;
  private readonly workers: WorkerProcess[] = [];
  private closing = false;
  private respawnFailures = 0;
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

  describe(): Record<string, unknown> {
    return {
      python: this.options.python,
      workers: this.workers.map((w) => ({ pid: w.pid, state: w.state })),
      workers_replaced: this.replaced,
    };
  }

  async predictBatch(inputs: readonly RuntimeInput[]): Promise<PredictionResult[]> {
    const ready = this.workers.filter((w) => w.state === "ready");
    const worker = ready.find((w) => !w.busy) ?? ready[0];
    if (worker === undefined) {
      const error = new FlowgateError("TEMPORARILY_UNAVAILABLE", "No Python worker is ready (a replacement is loading); retry shortly.");
      return inputs.map(() => ({ ok: false, error }));
    }
    const answer = await worker.predict(inputs.map(toItem));
    if (answer instanceof FlowgateError) return inputs.map(() => ({ ok: false, error: answer }));
    return answer.map((r) =>
      r.ok ? { ok: true, predictions: r.predictions } : { ok: false, error: new FlowgateError(errorCode(r.error_code), r.message) },
    );
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.stop(5_000)));
  }

  private spawn(): WorkerProcess {
    const worker = new WorkerProcess(this.options);
    this.workers.push(worker);
    this.options.logger.info({ worker_pid: worker.pid, model_path: this.options.modelPath }, "python worker starting");
    worker.loaded.then(
      () => (this.respawnFailures = 0),
      (err: unknown) => this.options.logger.error({ worker_pid: worker.pid, err: (err as Error).message }, "python worker failed to load the model"),
    );
    void worker.exited.then(({ code, signal }) => {
      const at = this.workers.indexOf(worker);
      if (at >= 0) this.workers.splice(at, 1);
      if (this.closing) return;
      this.options.logger.warn({ worker_pid: worker.pid, code, signal }, "python worker exited; starting a replacement");
      this.replaced++;
      const failedToLoad = worker.state === "failed";
      if (failedToLoad) this.respawnFailures++;
      const delay = Math.min(MAX_RESPAWN_DELAY_MS, this.respawnFailures === 0 ? 0 : 250 * 2 ** this.respawnFailures);
      setTimeout(() => {
        if (!this.closing) this.spawn();
      }, delay).unref();
    });
    return worker;
  }
}

function toItem(input: RuntimeInput): WorkerItem {
  if (input.kind === "tensor") return { json: { ...input.body, ...(input.params ? { params: input.params } : {}) } };
  const { frame } = input;
  const data: Record<string, unknown[]> = {};
  frame.columns.forEach((c, i) => (data[c] = frame.data[i] as unknown[]));
  return {
    frame: { columns: frame.columns, data, ...(frame.dtypes ? { dtypes: frame.dtypes } : {}) },
    ...(input.params ? { params: input.params } : {}),
  };
}

function errorCode(code: string): ErrorCode {
  return code in ERROR_STATUS ? (code as ErrorCode) : "BAD_REQUEST";
}
