// Notice that a deployment changed (a revision, a rollout state), so a routing long-poll answers within
// milliseconds — on this server, and through the cluster bus on every other server over the same database
// (a serving replica behind a load balancer may be long-polling any of them).
import { EventEmitter } from "node:events";
import type { ClusterBus } from "../store/cluster-bus.js";

export interface DeploymentChanges {
  notify(name: string): void;
  /** Resolves at the next notify of `name`, after `ms`, or when `signal` aborts, whichever comes first. */
  wait(name: string, ms: number, signal?: AbortSignal): Promise<void>;
}

export function createDeploymentChanges(bus?: ClusterBus): DeploymentChanges {
  const emitter = new EventEmitter();
  // Every waiting long-poll is a listener; there is no leak to warn about.
  emitter.setMaxListeners(0);
  bus?.subscribe("deployment_changed", (name) => emitter.emit(name));
  return {
    notify(name) {
      emitter.emit(name);
      bus?.publish("deployment_changed", name);
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
