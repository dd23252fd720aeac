// Starting a worker thread whose entry is a sibling module: TypeScript under tsx (tests), JavaScript in dist/.
import { Worker } from "node:worker_threads";

/** The entry `name` (without extension) beside the module at `base` (its import.meta.url). */
export function siblingEntry(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}

/**
 * Starts the worker. Under tsx a worker thread does not inherit tsx's loader, so a TypeScript entry is loaded
 * by a bootstrap that registers it first.
 */
export function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url);
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  return new Worker(
    `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`,
    { eval: true },
  );
}
