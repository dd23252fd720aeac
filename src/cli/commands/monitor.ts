// `flowgate monitor`: a version's baseline (set from a data file profiled here, streaming, or built by the
// server from the version's input example or logged dataset; shown as a table) and labels uploaded from a
// CSV in batches. Other monitor commands register themselves below (report: monitor-report.ts, alerts:
// monitor-alerts.ts).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { parse } from "csv-parse";
import { invalidParameter } from "../../core/errors.js";
import type { Baseline, ColumnProfile } from "../../monitoring/monitoring.js";
import { profileFromFile } from "../../monitoring/profile/profile-files.js";
import {
  createMonitoringClient,
  MAX_LABELS_PER_CALL,
  type LabelInput,
  type MonitoringClient,
} from "../../sdk/monitoring-client.js";
import { registerMonitorAlertsCommand } from "./monitor-alerts.js";
import { registerMonitorReportCommand } from "./monitor-report.js";
import { serverOptions, type ServerCallOptions } from "./server-client.js";

const FROM = { "input-example": "input_example", dataset: "dataset" } as const;
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function clientFor(flags: ServerCallOptions): MonitoringClient {
  const trackingUri = flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? "http://127.0.0.1:5000";
  if (!/^https?:\/\//.test(trackingUri)) {
    throw invalidParameter(
      `Invalid tracking URI '${trackingUri}': use http(s)://host:port of a Flowgate server.`,
    );
  }
  return createMonitoringClient({
    trackingUri,
    token: process.env.MLFLOW_TRACKING_TOKEN,
    username: process.env.MLFLOW_TRACKING_USERNAME,
    password: process.env.MLFLOW_TRACKING_PASSWORD,
  });
}

/** Progress on stderr: redrawn in place on a terminal, a line at most every 2 s otherwise. */
function progress(): { show(text: string): void; done(text: string): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    show(text) {
      const now = Date.now();
      if (tty) process.stderr.write(`\r\x1b[K${text}`);
      else if (now - last >= 2000) process.stderr.write(`${text}\n`);
      else return;
      last = now;
    },
    done(text) {
      process.stderr.write(tty ? `\r\x1b[K${text}\n` : `${text}\n`);
    },
  };
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));

function columnRow(name: string, c: ColumnProfile): string[] {
  const total = c.n + c.missing;
  const missing = total === 0 ? "0%" : `${((100 * c.missing) / total).toFixed(1)}%`;
  if (c.kind === "numeric") {
    const summary =
      c.n === 0 ? "" : `min ${fmt(c.min)}  mean ${fmt(c.mean)}  max ${fmt(c.max)}  std ${fmt(c.std)}`;
    return [name, "numeric", String(c.n), missing, summary];
  }
  const top = Object.entries(c.frequencies)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k} ${c.n === 0 ? 0 : ((100 * n) / c.n).toFixed(0)}%`);
  const categories = Object.keys(c.frequencies).length;
  return [name, "categorical", String(c.n), missing, `${categories} categories: ${top.join(", ")}`];
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export function baselineText(b: Baseline): string {
  const p = b.profile;
  const source =
    p.source.kind === "file"
      ? `file ${p.source.name}`
      : p.source.kind === "dataset"
        ? `dataset ${p.source.name} of run ${p.source.runId}`
        : p.source.kind === "input_example"
          ? "input example"
          : `window of ${p.source.deployment}`;
  const rows = [["COLUMN", "KIND", "N", "MISSING", "SUMMARY"]];
  for (const [name, c] of Object.entries(p.columns)) rows.push(columnRow(name, c));
  for (const [name, c] of Object.entries(p.predictions)) rows.push(columnRow(`(output) ${name}`, c));
  return [
    `Baseline of ${b.model} version ${b.version}: ${p.rows} rows from ${source}`,
    `Set by ${b.createdBy} at ${new Date(b.createdAt).toISOString()}`,
    "",
    table(rows),
  ].join("\n");
}

async function profileOfFile(file: string) {
  const p = progress();
  const name = path.basename(file);
  const profile = await profileFromFile(file, {
    onProgress: (e) => {
      const share = e.totalBytes > 0 ? ` ${Math.floor((100 * e.bytesRead) / e.totalBytes)}%` : "";
      p.show(`${e.phase === "scan" ? "Scanning" : "Profiling"} ${name}:${share} (${e.rows} rows)`);
    },
  });
  p.done(`Profiled ${name}: ${profile.rows} rows, ${Object.keys(profile.columns).length} columns`);
  return profile;
}

/** Streams request_id,label rows from a CSV in batches of `size`. */
async function* labelBatches(file: string, size: number): AsyncGenerator<LabelInput[]> {
  const parser = createReadStream(file).pipe(
    parse({ columns: true, skip_empty_lines: true, trim: true, bom: true }),
  );
  let batch: LabelInput[] = [];
  let line = 1;
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    line++;
    if (line === 2 && (!("request_id" in record) || !("label" in record))) {
      throw invalidParameter(
        `${path.basename(file)} must have the columns request_id and label (a header row).`,
      );
    }
    const label = record.label ?? "";
    if (record.request_id === undefined || record.request_id === "" || label === "") {
      throw invalidParameter(`${path.basename(file)} line ${line}: request_id and label must both be set.`);
    }
    batch.push({ request_id: record.request_id, label: NUMBER.test(label) ? Number(label) : label });
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export function registerMonitorCommand(program: Command): void {
  const monitor = program
    .command("monitor")
    .description("Monitoring: baselines, labels, reports and alerts of deployed models");

  const baseline = monitor
    .command("baseline")
    .description("A model version's baseline profile (the drift reference)");
  serverOptions(
    baseline
      .command("set <model> <version>")
      .description("Set a version's baseline from a data file (profiled here) or built by the server")
      .option("--data <file>", "training data, .parquet or .csv: profiled locally, streaming")
      .option(
        "--from <input-example|dataset>",
        "build on the server from the version's input-example or its run's logged dataset",
      ),
  ).action(
    async (model: string, version: string, flags: ServerCallOptions & { data?: string; from?: string }) => {
      if ((flags.data === undefined) === (flags.from === undefined)) {
        throw invalidParameter("Give exactly one of --data <file> or --from input-example|dataset.");
      }
      const client = clientFor(flags);
      let result: Baseline;
      if (flags.data !== undefined) {
        await stat(flags.data).catch(() => {
          throw invalidParameter(`No data file ${flags.data}.`);
        });
        result = await client.setBaseline(model, version, await profileOfFile(flags.data));
      } else {
        const from = FROM[flags.from as keyof typeof FROM];
        if (from === undefined)
          throw invalidParameter(`--from must be input-example or dataset, not '${flags.from}'.`);
        result = await client.buildBaseline(model, version, from);
      }
      process.stdout.write(
        flags.json === true
          ? `${JSON.stringify(result, null, 2)}\n`
          : `Baseline of ${result.model} version ${result.version} set: ${result.profile.rows} rows, ` +
              `${Object.keys(result.profile.columns).length} columns.\n`,
      );
    },
  );
  serverOptions(
    baseline.command("show <model> <version>").description("Show a version's baseline as a table"),
  ).action(async (model: string, version: string, flags: ServerCallOptions) => {
    const b = await clientFor(flags).getBaseline(model, version);
    process.stdout.write(flags.json === true ? `${JSON.stringify(b, null, 2)}\n` : `${baselineText(b)}\n`);
  });

  const labels = monitor.command("labels").description("Ground-truth labels of a deployment's predictions");
  serverOptions(
    labels
      .command("upload <deployment> <file>")
      .description(
        "Upload labels from a CSV with columns request_id,label (numbers or class names), in batches",
      )
      .option(
        "--batch-size <n>",
        `labels per call (at most ${MAX_LABELS_PER_CALL})`,
        String(MAX_LABELS_PER_CALL),
      ),
  ).action(async (deployment: string, file: string, flags: ServerCallOptions & { batchSize: string }) => {
    const size = Number(flags.batchSize);
    if (!Number.isInteger(size) || size < 1 || size > MAX_LABELS_PER_CALL) {
      throw invalidParameter(`--batch-size must be an integer from 1 to ${MAX_LABELS_PER_CALL}.`);
    }
    await stat(file).catch(() => {
      throw invalidParameter(`No labels file ${file}.`);
    });
    const client = clientFor(flags);
    const p = progress();
    let sent = 0;
    let batches = 0;
    for await (const batch of labelBatches(file, size)) {
      sent += (await client.uploadLabels(deployment, batch)).received;
      batches++;
      p.show(`Uploaded ${sent} labels (${batches} batches)`);
    }
    if (batches === 0) throw invalidParameter(`${path.basename(file)} has no labels.`);
    p.done(`Uploaded ${sent} labels for ${deployment} in ${batches} batch${batches === 1 ? "" : "es"}.`);
    if (flags.json === true)
      process.stdout.write(`${JSON.stringify({ deployment, received: sent, batches })}\n`);
  });

  registerMonitorReportCommand(monitor);
  registerMonitorAlertsCommand(monitor);
}
