// How a batch run reports where it is, on stderr: a progress bar with rows/s and ETA on a terminal, else (a pod's
// log, CI) one JSON line every few seconds; and a summary at the end.
import type { BatchProgress, BatchSummary } from "./batch-score.js";

export interface ProgressReporter {
  update(progress: BatchProgress): void;
  finish(summary: BatchSummary): void;
}

export function progressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
): ProgressReporter {
  const tty = stream.isTTY === true;
  const intervalMs = tty ? 200 : 5000;
  let last = 0;
  let lastProgress: BatchProgress | undefined;
  return {
    update(progress) {
      lastProgress = progress;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      const rate = progress.elapsedSeconds > 0 ? progress.rows / progress.elapsedSeconds : 0;
      const eta =
        progress.fraction > 0
          ? (progress.elapsedSeconds * (1 - progress.fraction)) / progress.fraction
          : undefined;
      if (!tty) {
        stream.write(
          `${JSON.stringify({
            event: "progress",
            rows: progress.rows,
            errors: progress.errors,
            percent: Math.round(progress.fraction * 1000) / 10,
            rows_per_second: Math.round(rate),
            eta_seconds: eta === undefined ? null : Math.round(eta),
          })}\n`,
        );
        return;
      }
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 60));
      const filled = Math.round(progress.fraction * width);
      const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
      stream.write(
        `\r${bar} ${(progress.fraction * 100).toFixed(1).padStart(5)}%  ${progress.rows.toLocaleString("en-US")} rows  ${Math.round(rate).toLocaleString("en-US")} rows/s  ETA ${eta === undefined ? "?" : clock(eta)}${progress.errors > 0 ? `  ${progress.errors} bad` : ""}  `,
      );
    },
    finish(summary) {
      if (tty && lastProgress !== undefined) stream.write("\n");
      if (tty) {
        stream.write(
          `Scored ${summary.scored.toLocaleString("en-US")} rows with ${summary.model} version ${summary.version} in ${summary.seconds.toFixed(1)} s (${Math.round(summary.rowsPerSecond).toLocaleString("en-US")} rows/s) → ${summary.output}${summary.errors > 0 ? `; ${summary.errors} bad rows → ${summary.errorsFile ?? ""}` : ""}${summary.resumedChunks > 0 ? `; ${summary.resumedChunks} of ${summary.chunks} chunks were done by an earlier run` : ""}\n`,
        );
      }
      stream.write(`${JSON.stringify({ event: "summary", ...snake(summary) })}\n`);
    },
  };
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function snake(summary: BatchSummary): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(summary).map(([k, v]) => [
      k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 100) / 100 : (v ?? null),
    ]),
  );
}
