// One monitoring window of a deployment, per version: its segments read once, one row group at a time (the
// whole log is never in memory), each version's rows profiled on its baseline's bins and keys, tested against
// the baseline with the spec's drift options, the methods alert rules name scored per column, and joined by
// request id to the labels that arrived for quality (a label applies to every row of its request). The
// version's expected quality comes from its run's metrics (expected-quality.ts).
import { datasetDrift } from "../drift/dataset-drift.js";
import { columnDrift } from "../drift/column-drift.js";
import type { MonitoringSpec } from "../../delivery/deployment.js";
import { ProfileBuilder } from "../profile/profile-builder.js";
import { readSegment, type SegmentChunk } from "../segments/segment-reader.js";
import {
  INPUT_PREFIX,
  OUTPUT_PREFIX,
  SEGMENT_COLUMNS,
  type ColumnDrift,
  type DatasetProfile,
  type DriftMethod,
  type MonitoringWindow,
  type PredictionSegment,
} from "../monitoring.js";
import { expectedQuality } from "./expected-quality.js";
import { QualityAccumulator, type QualityRow } from "./quality.js";
import type { PlannedWindow } from "./window-planner.js";

const PREDICTION = `${OUTPUT_PREFIX}prediction`;
const CONFIDENCE = `${OUTPUT_PREFIX}confidence`;
const PROBA = `${OUTPUT_PREFIX}proba.`;

/** Where a window's inputs come from (C's segments, D's baselines and labels, the tracking store's runs). */
export interface WindowSources {
  /** Segments holding rows in [from, to). */
  segments(deployment: string, from: number, to: number): Promise<PredictionSegment[]>;
  openSegment(segment: PredictionSegment): Promise<Uint8Array>;
  baseline(model: string, version: string): Promise<DatasetProfile | undefined>;
  labels(deployment: string, requestIds: readonly string[]): Promise<Map<string, number | string>>;
  /** Whether any label ever arrived for the deployment: without one, a window looks none up. */
  labelled(deployment: string): Promise<boolean>;
  /** The latest value per metric key of the version's run (empty without a run). */
  runMetrics(model: string, version: string): Promise<Record<string, number>>;
}

export interface WindowTarget {
  deployment: string;
  model: string;
  spec: MonitoringSpec;
  /** Methods alert rules name for the deployment (scored per column besides the spec's own tests). */
  methods: readonly DriftMethod[];
}

interface VersionState {
  builder: ProfileBuilder;
  reference: DatasetProfile | undefined;
  quality: QualityAccumulator;
  rows: number;
}

export async function computeWindow(
  sources: WindowSources,
  target: WindowTarget,
  range: PlannedWindow,
  now: number,
): Promise<MonitoringWindow[]> {
  const segments = await sources.segments(target.deployment, range.start, range.end);
  // One question per window instead of one label lookup per row group of a deployment that has no labels.
  const labelled = await sources.labelled(target.deployment);
  const states = new Map<string, VersionState>();
  const stateOf = async (version: string): Promise<VersionState> => {
    let s = states.get(version);
    if (s === undefined) {
      const reference = await sources.baseline(target.model, version);
      s = {
        builder: new ProfileBuilder(reference),
        reference,
        quality: new QualityAccumulator(target.spec.task),
        rows: 0,
      };
      states.set(version, s);
    }
    return s;
  };
  for (const segment of segments) {
    const bytes = await sources.openSegment(segment);
    for await (const chunk of readSegment(bytes, { from: range.start, to: range.end })) {
      for (const [version, part] of byVersion(chunk)) {
        const s = await stateOf(version);
        s.rows += part.rows;
        profileChunk(s.builder, part);
        if (labelled) await addQuality(sources, target.deployment, s.quality, part);
      }
    }
  }
  const windows: MonitoringWindow[] = [];
  for (const [version, s] of [...states].sort(([a], [b]) => a.localeCompare(b))) {
    if (s.rows === 0) continue;
    const current = s.builder.build(
      { kind: "window", deployment: target.deployment, from: range.start, to: range.end },
      now,
    );
    const drift =
      s.reference === undefined ? undefined : datasetDrift(s.reference, current, target.spec.drift);
    const methodScores =
      s.reference === undefined
        ? []
        : scoresByMethod(s.reference, current, target.methods, drift?.columns ?? []);
    const quality = s.quality.result();
    const expected = expectedQuality(await sources.runMetrics(target.model, version));
    windows.push({
      deployment: target.deployment,
      version,
      start: range.start,
      end: range.end,
      rows: s.rows,
      ...(drift !== undefined ? { drift } : {}),
      ...(methodScores.length > 0 ? { methodScores } : {}),
      ...(quality !== undefined ? { quality } : {}),
      ...(expected !== undefined ? { expectedQuality: expected } : {}),
      computedAt: now,
    });
  }
  return windows;
}

/** The chunk's rows split by their version column (one part when the chunk holds one version). */
function byVersion(chunk: SegmentChunk): Map<string, SegmentChunk> {
  const versions = chunk.columns[SEGMENT_COLUMNS.version];
  const parts = new Map<string, SegmentChunk>();
  if (versions === undefined || chunk.rows === 0) return parts;
  const indexes = new Map<string, number[]>();
  for (let i = 0; i < chunk.rows; i++) {
    const v = String(versions[i]);
    const list = indexes.get(v) ?? [];
    list.push(i);
    indexes.set(v, list);
  }
  if (indexes.size === 1) return new Map([[String(versions[0]), chunk]]);
  for (const [v, idx] of indexes) {
    const columns: Record<string, ArrayLike<unknown>> = {};
    for (const [name, values] of Object.entries(chunk.columns)) columns[name] = idx.map((i) => values[i]);
    parts.set(v, { rows: idx.length, columns });
  }
  return parts;
}

function profileChunk(builder: ProfileBuilder, chunk: SegmentChunk): void {
  const inputs: Record<string, ArrayLike<unknown>> = {};
  const outputs: Record<string, ArrayLike<unknown>> = {};
  for (const [name, values] of Object.entries(chunk.columns)) {
    if (name.startsWith(INPUT_PREFIX)) inputs[name.slice(INPUT_PREFIX.length)] = values;
    else if (name.startsWith(OUTPUT_PREFIX)) outputs[name.slice(OUTPUT_PREFIX.length)] = values;
  }
  builder.addColumns(inputs, chunk.rows, "input");
  builder.addColumns(outputs, chunk.rows, "prediction");
}

async function addQuality(
  sources: WindowSources,
  deployment: string,
  quality: QualityAccumulator,
  chunk: SegmentChunk,
): Promise<void> {
  const ids = chunk.columns[SEGMENT_COLUMNS.requestId];
  const predictions = chunk.columns[PREDICTION];
  if (ids === undefined || predictions === undefined) return;
  const wanted = new Set<string>();
  for (let i = 0; i < chunk.rows; i++) if (typeof ids[i] === "string") wanted.add(ids[i] as string);
  if (wanted.size === 0) return;
  const labels = await sources.labels(deployment, [...wanted]);
  if (labels.size === 0) return;
  const confidence = chunk.columns[CONFIDENCE];
  const proba = Object.entries(chunk.columns).filter(([name]) => name.startsWith(PROBA));
  for (let i = 0; i < chunk.rows; i++) {
    const label = labels.get(ids[i] as string);
    const prediction = predictions[i];
    if (label === undefined || !isValue(prediction)) continue;
    const row: QualityRow = { label, prediction };
    const c = confidence?.[i];
    if (typeof c === "number" && Number.isFinite(c)) row.confidence = c;
    if (proba.length > 0) {
      const p: Record<string, number> = {};
      for (const [name, values] of proba) {
        const v = values[i];
        if (typeof v === "number" && Number.isFinite(v)) p[name.slice(PROBA.length)] = v;
      }
      if (Object.keys(p).length > 0) row.proba = p;
    }
    quality.add(row);
  }
}

function isValue(v: unknown): v is number | string | boolean {
  return (typeof v === "number" && Number.isFinite(v)) || typeof v === "string" || typeof v === "boolean";
}

/**
 * Each column scored by each method a rule names, unless it is already the column's own method; a method that
 * does not apply to a column's kind (KS on categories) is left out for that column.
 */
function scoresByMethod(
  reference: DatasetProfile,
  current: DatasetProfile,
  methods: readonly DriftMethod[],
  own: readonly ColumnDrift[],
): ColumnDrift[] {
  const scores: ColumnDrift[] = [];
  const roles = [
    ["input", reference.columns, current.columns],
    ["prediction", reference.predictions, current.predictions],
  ] as const;
  for (const method of methods) {
    for (const [role, ref, cur] of roles) {
      for (const [name, r] of Object.entries(ref)) {
        const c = cur[name];
        if (c === undefined || r.n === 0 || c.n === 0) continue;
        if (own.some((o) => o.column === name && o.role === role && o.method === method)) continue;
        try {
          scores.push(columnDrift(name, role, r, c, { method }));
        } catch {
          // Not applicable to this column's kind: no score by this method.
        }
      }
    }
  }
  return scores;
}
