// In-process notice that a deployment changed (a revision, a rollout state), so a routing long-poll on this
// replica answers within milliseconds; changes made through another server replica are seen by re-reading.
import { EventEmitter } from "node:events";

export interface DeploymentChanges {
  notify(name: string): void;
  /** Resolves at the next notify of `name`, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(name: string, ms: number, signal?: AbortSignal): Promise<void>;
}

export function createDeploymentChanges(): DeploymentChanges {
  const emitter = new EventEmitter();
  // Every waiting long-poll is a listener; there is no leak to warn about.
  emitter.setMaxListeners(0);
  return {
    notify(name) {
      emitter.emit(name);
    },
    wait(name, ms, signal) {
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          emitter.off(name, done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        emitter.on(name, done);
        signal?.addEventListener("abort", done);
        if (signal?.aborted === true) done();
      });
    },
  };
}
