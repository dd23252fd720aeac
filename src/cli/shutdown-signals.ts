// SIGTERM/SIGINT → one graceful stop, then exit 0 (or 1 if stopping failed). Shared by long-running commands.
import type { Logger } from "../core/logger.js";

export function exitOnSignals(logger: Logger, stop: () => Promise<void>): void {
  const handle = (signal: string): void => {
    logger.info({ signal }, "signal received; shutting down");
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => handle("SIGTERM"));
  process.once("SIGINT", () => handle("SIGINT"));
}
