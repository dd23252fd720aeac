// Structured JSON logs (pino). One logger per process, passed down explicitly.
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(options: { level?: string | undefined; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? "flowgate",
    level: options.level ?? process.env.FLOWGATE_LOG_LEVEL ?? "info",
  });
}
