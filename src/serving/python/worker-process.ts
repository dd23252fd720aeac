// One Python worker child process: spawned with an argv array (never a shell), announces readiness once the model
// is loaded, then answers predict requests by id. If it exits, every in-flight request fails with a 503.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { FlowgateError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { encodeRequest, type WorkerItem, type WorkerMessage, type WorkerResult } from "./worker-protocol.js";

export interface WorkerSpawnOptions {
  python: string;
  /** Directory that holds the flowgate_worker package (PYTHONPATH). */
  workerPath: string;
  modelPath: string;
  /** Where workers keep what a start learns about their Python for the next one (skops' trusted type names). */
  cacheDir?: string;
  logger: Logger;
}

type State = "loading" | "ready" | "failed" | "exited";

export class WorkerProcess {
  state: State = "loading";
  /** What loaded the model (the worker's ready message): flowgate_worker.sklearn_model or mlflow.pyfunc. */
  loadedBy: string | undefined;
  readonly child: ChildProcess;
  private nextId = 1;
  private readonly inFlight = new Map<number, (results: WorkerResult[] | FlowgateError) => void>();
  readonly loaded: Promise<void>;
  /** Resolves when the process has exited (code or signal). */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(options: WorkerSpawnOptions) {
    const env = {
      ...process.env,
      PYTHONPATH: [options.workerPath, process.env.PYTHONPATH].filter(Boolean).join(":"),
      PYTHONUNBUFFERED: "1",
      ...(options.cacheDir !== undefined ? { FLOWGATE_WORKER_CACHE: options.cacheDir } : {}),
    };
    this.child = spawn(options.python, ["-m", "flowgate_worker", "serve", "--model-path", options.modelPath], {
      env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const log = options.logger.child({ worker_pid: this.child.pid });
    const stderr = createInterface({ input: this.child.stderr as NodeJS.ReadableStream });
    stderr.on("line", (line) => log.debug({ stderr: line }, "python worker output"));
    let onLoaded!: () => void;
    let onLoadFailed!: (err: Error) => void;
    this.loaded = new Promise<void>((resolve, reject) => {
      onLoaded = resolve;
      onLoadFailed = reject;
    });
    this.loaded.catch(() => undefined);
    const lines = createInterface({ input: this.child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      let message: WorkerMessage;
      try {
        message = JSON.parse(line) as WorkerMessage;
      } catch {
        log.warn({ line: line.slice(0, 200) }, "python worker wrote a line that is not protocol JSON");
        return;
      }
      if ("type" in message) {
        if (message.type === "ready") {
          this.state = "ready";
          this.loadedBy = message.loaded_by;
          log.info({ load_seconds: message.load_seconds, loaded_by: message.loaded_by }, "python worker loaded the model");
          onLoaded();
        } else {
          this.state = "failed";
          onLoadFailed(new FlowgateError("INVALID_STATE", `The Python worker could not load the model: ${message.message}`));
        }
        return;
      }
      const done = this.inFlight.get(message.id);
      this.inFlight.delete(message.id);
      done?.(message.results);
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        const wasLoading = this.state === "loading";
        if (this.state !== "failed") this.state = "exited";
        if (wasLoading) onLoadFailed(new FlowgateError("INVALID_STATE", `The Python worker exited while loading the model (code ${code}, signal ${signal}).`));
        const error = new FlowgateError(
          "TEMPORARILY_UNAVAILABLE",
          `The Python worker running this request exited (code ${code}, signal ${signal}); it is being replaced. Retry the request.`,
        );
        for (const done of this.inFlight.values()) done(error);
        this.inFlight.clear();
        resolve({ code, signal });
      });
    });
    this.child.on("error", (err) => log.error({ err }, "python worker process error"));
    (this.child.stdin as NodeJS.WritableStream).on("error", () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  predict(items: WorkerItem[]): Promise<WorkerResult[] | FlowgateError> {
    if (this.state !== "ready") {
      return Promise.resolve(new FlowgateError("TEMPORARILY_UNAVAILABLE", "No Python worker is ready; retry shortly."));
    }
    const id = this.nextId++;
    const { line, bytes } = encodeRequest(id, items);
    return new Promise((resolve) => {
      this.inFlight.set(id, resolve);
      const stdin = this.child.stdin as NodeJS.WritableStream;
      stdin.write(line);
      for (const chunk of bytes) stdin.write(chunk);
    });
  }

  /** Asks the worker to finish and exit; kills it if it has not after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.state === "exited" || this.child.exitCode !== null) return;
    (this.child.stdin as NodeJS.WritableStream).end(JSON.stringify({ op: "shutdown" }) + "\n");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
