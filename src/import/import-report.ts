// What an import brought over and what it left behind, and why: the summary printed at the end, plus the
// progress it reports while it works (a bar on a terminal, JSON lines for a log otherwise).

export type EntityKind =
  | "experiments"
  | "experiment_tags"
  | "runs"
  | "params"
  | "run_tags"
  | "metrics"
  | "dataset_inputs"
  | "logged_models"
  | "registered_models"
  | "registered_model_tags"
  | "model_versions"
  | "model_version_tags"
  | "aliases"
  | "artifact_files";

export interface Skipped {
  kind: string;
  id: string;
  reason: string;
}

export interface ImportReport {
  source: string;
  target: string;
  artifacts: "copy" | "reference";
  /** New rows written per kind (0 everywhere on a second import of an unchanged server). */
  imported: Record<EntityKind, number>;
  /** Entities already in Flowgate from an earlier import (same identity), left as they are. */
  alreadyPresent: Record<string, number>;
  artifactBytes: number;
  skipped: Skipped[];
  seconds: number;
  rowsPerSecond: number;
}

const KINDS: EntityKind[] = [
  "experiments",
  "experiment_tags",
  "runs",
  "params",
  "run_tags",
  "metrics",
  "dataset_inputs",
  "logged_models",
  "registered_models",
  "registered_model_tags",
  "model_versions",
  "model_version_tags",
  "aliases",
  "artifact_files",
];

export function emptyReport(source: string, target: string, artifacts: "copy" | "reference"): ImportReport {
  return {
    source,
    target,
    artifacts,
    imported: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<EntityKind, number>,
    alreadyPresent: {},
    artifactBytes: 0,
    skipped: [],
    seconds: 0,
    rowsPerSecond: 0,
  };
}

export function totalRows(report: ImportReport): number {
  return KINDS.filter((k) => k !== "artifact_files").reduce((n, k) => n + report.imported[k], 0);
}

export function formatReport(report: ImportReport): string {
  const lines = [`Imported from ${report.source} into ${report.target} (artifacts: ${report.artifacts})`];
  for (const kind of KINDS) {
    const present = report.alreadyPresent[kind];
    lines.push(
      `  ${kind.padEnd(22)} ${String(report.imported[kind]).padStart(8)} new` +
        (present === undefined ? "" : `, ${present} already present`),
    );
  }
  lines.push(`  artifact bytes         ${String(report.artifactBytes).padStart(8)}`);
  lines.push(
    `  ${totalRows(report)} rows in ${report.seconds.toFixed(2)} s (${Math.round(report.rowsPerSecond)} rows/s)`,
  );
  if (report.skipped.length === 0) lines.push("Nothing was skipped.");
  else {
    lines.push(`Skipped (${report.skipped.length}):`);
    for (const s of report.skipped) lines.push(`  ${s.kind} ${s.id}: ${s.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

export interface Progress {
  /** `done` of `total` items of `phase` are finished. */
  update(phase: string, done: number, total: number): void;
  end(): void;
}

/** A bar redrawn in place on a terminal; one JSON line per update (at most one per phase step) otherwise. */
export function streamProgress(stream: NodeJS.WriteStream | NodeJS.WritableStream): Progress {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  let drawn = false;
  return {
    update(phase, done, total) {
      if (tty) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        stream.write(
          `\r${phase.padEnd(18)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}\u001b[K`,
        );
        drawn = true;
      } else {
        stream.write(`${JSON.stringify({ progress: phase, done, total })}\n`);
      }
    },
    end() {
      if (tty && drawn) stream.write("\n");
    },
  };
}

export const silentProgress: Progress = { update: () => undefined, end: () => undefined };
