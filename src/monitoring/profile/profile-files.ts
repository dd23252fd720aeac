// Baseline profiles from data: a training file (Parquet read one row group at a time, CSV streamed) or a
// model's input example. Columns named like the prediction log's outputs (`prediction`, `confidence`,
// `proba.<class>`) are profiled as predictions unless the caller says which are.

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { parse } from "csv-parse";
import { invalidParameter } from "../../core/errors.js";
import type { DatasetProfile, ProfileSource } from "../monitoring.js";
import { flatColumns, openParquet, readRowGroup, rowGroups } from "../segments/parquet-row-groups.js";
import { ProfileBuilder } from "./profile-builder.js";

export { validateProfile } from "./profile-validation.js";

export interface ProfileProgress {
  /** CSV is read twice: once to learn which columns are numbers ("scan"), once to profile them. */
  phase: "scan" | "profile";
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ProfileFileOptions {
  /** Columns to profile (all when absent). */
  columns?: readonly string[];
  /** Columns profiled as model outputs (default: `prediction`, `confidence` and `proba.*`). */
  predictions?: readonly string[];
  /** "parquet" | "csv"; by default from the extension (.parquet / .pq, .csv / .tsv / .txt). */
  format?: "parquet" | "csv";
  onProgress?: (progress: ProfileProgress) => void;
  source?: ProfileSource;
}

/** Rows per addColumns call on the CSV path: big enough to amortize, small enough to stay bounded. */
const CSV_BATCH = 8192;

/** The tokens pandas.read_csv reads as missing by default, so a CSV profiles as pandas would read it. */
const NA_TOKENS = new Set(
  "|#N/A|#N/A N/A|#NA|-1.#IND|-1.#QNAN|-NaN|-nan|1.#IND|1.#QNAN|<NA>|N/A|NA|NULL|NaN|None|n/a|nan|null".split(
    "|",
  ),
);
const BOOL_TOKENS: Record<string, boolean> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export async function profileFromFile(
  file: string,
  options: ProfileFileOptions = {},
): Promise<DatasetProfile> {
  const format = options.format ?? formatOf(file);
  const source = options.source ?? { kind: "file", name: path.basename(file) };
  return format === "parquet" ? profileParquet(file, options, source) : profileCsv(file, options, source);
}

function formatOf(file: string): "parquet" | "csv" {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".parquet" || ext === ".pq") return "parquet";
  if (ext === ".csv" || ext === ".tsv" || ext === ".txt") return "csv";
  throw invalidParameter(`Cannot profile '${path.basename(file)}': the data file must be .parquet or .csv.`);
}

function isPrediction(options: ProfileFileOptions): (name: string) => boolean {
  if (options.predictions !== undefined) {
    const set = new Set(options.predictions);
    return (name) => set.has(name);
  }
  return (name) => name === "prediction" || name === "confidence" || name.startsWith("proba.");
}

/** Splits a chunk's columns by role and adds them. */
function addSplit(
  builder: ProfileBuilder,
  columns: Record<string, ArrayLike<unknown>>,
  rows: number,
  prediction: (name: string) => boolean,
): void {
  const inputs: Record<string, ArrayLike<unknown>> = {};
  const outputs: Record<string, ArrayLike<unknown>> = {};
  for (const [name, values] of Object.entries(columns)) (prediction(name) ? outputs : inputs)[name] = values;
  builder.addColumns(inputs, rows, "input");
  if (Object.keys(outputs).length > 0) builder.addColumns(outputs, rows, "prediction");
}

async function profileParquet(
  file: string,
  options: ProfileFileOptions,
  source: ProfileSource,
): Promise<DatasetProfile> {
  const parquet = await openParquet(file);
  const available = flatColumns(parquet.metadata);
  const columns = selected(available, options.columns);
  const prediction = isPrediction(options);
  const builder = new ProfileBuilder();
  const totalBytes = parquet.file.byteLength;
  let rowsDone = 0;
  let bytesRead = 0;
  for (const group of rowGroups(parquet.metadata)) {
    if (group.rows > 0) {
      addSplit(
        builder,
        await readRowGroup(parquet, group.start, group.rows, columns),
        group.rows,
        prediction,
      );
    }
    rowsDone += group.rows;
    bytesRead = Math.min(totalBytes, bytesRead + group.bytes);
    options.onProgress?.({ phase: "profile", rows: rowsDone, bytesRead, totalBytes });
  }
  return builder.build(source);
}

function selected(available: string[], wanted: readonly string[] | undefined): string[] {
  if (wanted === undefined) return available;
  const missing = wanted.filter((c) => !available.includes(c));
  if (missing.length > 0)
    throw invalidParameter(
      `Columns not in the file: ${missing.join(", ")} (it has: ${available.join(", ")}).`,
    );
  return [...wanted];
}

/** "empty": only missing values so far (such a column ends up numeric with n = 0). */
type ColumnType = "empty" | "number" | "boolean" | "string";

async function* csvRecords(file: string, onBytes: (bytes: number) => void): AsyncGenerator<string[]> {
  const stream = createReadStream(file);
  stream.on("data", (chunk) => onBytes(chunk.length));
  const delimiter = path.extname(file).toLowerCase() === ".tsv" ? "\t" : ",";
  const parser = stream.pipe(
    parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true }),
  );
  for await (const record of parser) yield record as string[];
}

async function profileCsv(
  file: string,
  options: ProfileFileOptions,
  source: ProfileSource,
): Promise<DatasetProfile> {
  const totalBytes = (await stat(file)).size;
  const progress = (phase: ProfileProgress["phase"]) => {
    let bytesRead = 0;
    let rows = 0;
    return {
      bytes: (b: number) => (bytesRead += b),
      row: () => {
        if (++rows % CSV_BATCH === 0) options.onProgress?.({ phase, rows, bytesRead, totalBytes });
      },
      done: () => options.onProgress?.({ phase, rows, bytesRead: totalBytes, totalBytes }),
      rows: () => rows,
    };
  };

  // Pass 1: a column is numbers (or booleans) only when every non-missing value in the file parses as one.
  const scan = progress("scan");
  let header: string[] | null = null;
  let types: ColumnType[] = [];
  for await (const record of csvRecords(file, scan.bytes)) {
    if (header === null) {
      header = record;
      types = record.map(() => "empty");
      continue;
    }
    scan.row();
    for (let i = 0; i < header.length; i++) {
      const v = record[i] ?? "";
      const t = types[i];
      if (t === "string" || NA_TOKENS.has(v)) continue;
      const kind: ColumnType = NUMBER.test(v) ? "number" : v in BOOL_TOKENS ? "boolean" : "string";
      if (t === "empty") types[i] = kind;
      else if (t !== kind) types[i] = "string";
    }
  }
  scan.done();
  if (header === null)
    throw invalidParameter(`Cannot profile '${path.basename(file)}': the CSV file is empty.`);
  const names = header;
  const wanted = new Set(selected(names, options.columns));

  // Pass 2: batches of columns into the builder.
  const read = progress("profile");
  const prediction = isPrediction(options);
  const builder = new ProfileBuilder();
  let batch = names.map(() => [] as unknown[]);
  let rows = 0;
  const flush = () => {
    const columns: Record<string, unknown[]> = {};
    names.forEach((n, i) => {
      if (wanted.has(n)) columns[n] = batch[i]!;
    });
    addSplit(builder, columns, rows, prediction);
    batch = names.map(() => []);
    rows = 0;
  };
  let first = true;
  for await (const record of csvRecords(file, read.bytes)) {
    if (first) {
      first = false;
      continue;
    }
    read.row();
    for (let i = 0; i < names.length; i++) batch[i]!.push(typed(record[i] ?? "", types[i]!));
    if (++rows === CSV_BATCH) flush();
  }
  // A file with a header and no rows still names its columns (each with n = 0).
  if (rows > 0 || read.rows() === 0) flush();
  read.done();
  return builder.build(source);
}

function typed(v: string, type: ColumnType): unknown {
  if (NA_TOKENS.has(v)) return null;
  if (type === "number") return Number(v);
  if (type === "boolean") return BOOL_TOKENS[v];
  return v;
}

/**
 * A profile of an input example (input_example.json / serving_input_example.json as MLflow writes them):
 * pandas "split" ({columns, data}), records ([{…}]), a dict of columns ({a: [..]}) or one row ({a: 1}),
 * optionally wrapped as dataframe_split / dataframe_records / inputs / instances.
 */
export function profileFromRows(
  example: unknown,
  source: ProfileSource = { kind: "input_example" },
): DatasetProfile {
  const { columns, rows } = exampleColumns(example);
  const builder = new ProfileBuilder();
  addSplit(builder, columns, rows, isPrediction({}));
  return builder.build(source);
}

function exampleColumns(example: unknown): { columns: Record<string, unknown[]>; rows: number } {
  if (Array.isArray(example)) {
    const rows = example.length;
    const columns: Record<string, unknown[]> = {};
    example.forEach((row: unknown, r) => {
      const entries: [string, unknown][] = Array.isArray(row)
        ? row.map((v, i) => [String(i), v])
        : row !== null && typeof row === "object"
          ? Object.entries(row)
          : [["0", row]];
      for (const [k, v] of entries) (columns[k] ??= new Array<unknown>(rows).fill(null))[r] = v;
    });
    return { columns, rows };
  }
  if (example !== null && typeof example === "object") {
    const obj = example as Record<string, unknown>;
    for (const wrapper of ["dataframe_split", "dataframe_records", "inputs", "instances"]) {
      if (wrapper in obj && Object.keys(obj).length <= 2) return exampleColumns(obj[wrapper]);
    }
    if (Array.isArray(obj.columns) && Array.isArray(obj.data)) {
      const names = (obj.columns as unknown[]).map(String);
      const data = obj.data as unknown[];
      return exampleColumns(
        data.map((row) =>
          Object.fromEntries(names.map((n, i) => [n, Array.isArray(row) ? (row as unknown[])[i] : null])),
        ),
      );
    }
    const values = Object.values(obj);
    if (values.length > 0 && values.every(Array.isArray)) {
      const rows = Math.max(...values.map((v) => (v as unknown[]).length));
      return { columns: obj as Record<string, unknown[]>, rows };
    }
    if (values.length > 0) return exampleColumns([obj]);
  }
  throw invalidParameter(
    "Cannot profile the input example: expected records ([{…}]), pandas split ({columns, data}) or a dict of columns.",
  );
}
