// `flowgate monitor report <deployment>`: a deployment's monitoring report over a time range, as one
// self-contained HTML file or as JSON, written to --out or stdout. The server streams its progress as JSON
// lines (each version's profile reads every segment of the range); the steps are shown on stderr.
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { FlowgateError, invalidParameter, type ErrorCode } from "../../core/errors.js";
import type { MonitoringReport, ReportProgress } from "../../monitoring/report/report.js";
import { renderReportHtml } from "../../monitoring/report/render-html.js";
import { apiCall, serverOptions, type ServerCallOptions } from "./server-client.js";

interface ReportFlags extends ServerCallOptions {
  from?: string;
  to?: string;
  version?: string;
  format: string;
  out?: string;
}

const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3600_000,
  d: 24 * 3600_000,
  w: 7 * 24 * 3600_000,
};

/** "now", an ISO time, epoch ms, or a time ago like "24h", "30m", "7d". */
export function parseTime(raw: string, now: number, flag: string): number {
  const text = raw.trim();
  if (text === "now") return now;
  const ago = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text);
  if (ago) return Math.round(now - Number(ago[1]) * (UNITS[ago[2] as string] as number));
  if (/^\d{10,}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw invalidParameter(
      `${flag} '${raw}' is not a time: use an ISO time (2026-01-05T10:00Z), epoch ms, "now", or a time ago like 24h, 30m, 7d.`,
    );
  }
  return ms;
}

function progressLine(p: ReportProgress): string {
  return p.stage === "done" ? "report: done" : `report: ${p.stage} (${p.done}/${p.total})`;
}

/** Reads the server's JSON lines: progress to stderr, the report (or the error) at the end. */
async function readReport(res: Response): Promise<MonitoringReport> {
  if (!res.body) throw new FlowgateError("INTERNAL_ERROR", "The server sent no report.");
  const decoder = new TextDecoder();
  let buffered = "";
  let report: MonitoringReport | undefined;
  const handle = (line: string) => {
    if (line.trim() === "") return;
    const msg = JSON.parse(line) as {
      progress?: ReportProgress;
      report?: MonitoringReport;
      error?: { error_code: ErrorCode; message: string };
    };
    if (msg.progress) process.stderr.write(`${progressLine(msg.progress)}\n`);
    if (msg.error) throw new FlowgateError(msg.error.error_code, msg.error.message);
    if (msg.report) report = msg.report;
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  handle(buffered);
  if (!report) throw new FlowgateError("INTERNAL_ERROR", "The server's answer ended before the report.");
  return report;
}

export function registerMonitorReportCommand(monitor: Command): void {
  serverOptions(
    monitor
      .command("report <deployment>")
      .description(
        "A deployment's monitoring report: drift per feature and over time, decisions, quality, alerts",
      )
      .option("--from <time>", "start: ISO time, epoch ms, or a time ago like 24h (default: 24h before --to)")
      .option("--to <time>", "end: ISO time, epoch ms, now, or a time ago (default: now)")
      .option("--version <version>", "only this model version")
      .option("--format <format>", "html (one self-contained file) or json", "html")
      .option("--out <file>", "write the report here instead of stdout"),
  ).action(async (deployment: string, flags: ReportFlags) => {
    if (flags.format !== "html" && flags.format !== "json") {
      throw invalidParameter(`--format '${flags.format}' is not known: use html or json.`);
    }
    const now = Date.now();
    const to = flags.to === undefined ? now : parseTime(flags.to, now, "--to");
    const from = flags.from === undefined ? to - UNITS.d! : parseTime(flags.from, now, "--from");
    if (to <= from)
      throw invalidParameter(
        `--to must be after --from (got ${new Date(from).toISOString()} to ${new Date(to).toISOString()}).`,
      );
    const res = await apiCall(
      flags,
      "GET",
      `monitoring/deployments/${encodeURIComponent(deployment)}/report`,
      { from, to, ...(flags.version === undefined ? {} : { version: flags.version }) },
      { accept: "application/x-ndjson" },
    );
    const report = await readReport(res);
    const text = flags.format === "html" ? renderReportHtml(report) : `${JSON.stringify(report, null, 2)}\n`;
    if (flags.out === undefined) process.stdout.write(text);
    else {
      await writeFile(flags.out, text);
      const s = report.summary;
      process.stderr.write(
        `Wrote ${flags.out}: ${s.windows} windows, ${s.rows} rows, ${s.driftedWindows} with data drift, ` +
          `${s.firingAlerts} alerts firing (worst level ${s.worstLevel}).\n`,
      );
    }
  });
}
