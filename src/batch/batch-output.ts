// What batch scoring writes: each input row's kept columns (the --id columns, or every input column) followed by
// its prediction columns, as CSV, JSON lines or Parquet. The layout — columns and their Parquet types — is
// decided once, from the first row's answer, and kept in the resume manifest, so every chunk of every run is
// encoded alike. Chunks are encoded into part files; the output is assembled from them in input order (a Parquet
// output gets one row group per chunk), so a resumed run writes the same bytes as an uninterrupted one.
import { createReadStream, createWriteStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { createGzip } from "node:zlib";
import { ParquetWriter, fileWriter, schemaFromColumnData } from "hyparquet-writer";
import { FlowgateError } from "../core/errors.js";
import type { Cell } from "../serving/frame.js";
import type { DataFormat } from "./batch-input.js";

export type ParquetType = "DOUBLE" | "INT64" | "BOOLEAN" | "STRING";

export interface OutputColumn {
  name: string;
  type: ParquetType;
  /** An input column (its index in the file's columns) or a prediction (a record's key, or the whole answer). */
  from: { input: number } | { prediction: string | null };
}

export interface OutputLayout {
  format: DataFormat;
  gzip: boolean;
  /** The input's cells are text (CSV): JSON lines get them as their column's type. */
  textInputs: boolean;
  columns: OutputColumn[];
}

/** The value of one row of a model's answer. */
export type Prediction = unknown;

/** One answer per row: a list of values or records, or a pandas-style record of columns. */
export function predictionRows(predictions: string, rows: number): Prediction[] {
  const value = JSON.parse(predictions) as unknown;
  if (Array.isArray(value)) {
    if (value.length !== rows) throw wrongCount(value.length, rows);
    return value;
  }
  if (value !== null && typeof value === "object") {
    const columns = Object.entries(value as Record<string, unknown>);
    if (columns.every(([, v]) => Array.isArray(v) && v.length === rows)) {
      return Array.from({ length: rows }, (_, r) =>
        Object.fromEntries(columns.map(([k, v]) => [k, (v as unknown[])[r]])),
      );
    }
  }
  if (rows === 1) return [value];
  throw wrongCount(1, rows);
}

function wrongCount(got: number, rows: number): FlowgateError {
  return new FlowgateError(
    "INTERNAL_ERROR",
    `The model answered ${got} predictions for ${rows} rows; batch needs one prediction per row.`,
  );
}

/**
 * The layout for the kept columns and the first row's answer. A CSV's cells are text: a kept column the
 * signature types (`signatureTypes`) is written as that type in Parquet and JSON lines, any other as text.
 */
export function layoutFor(
  format: DataFormat,
  gzip: boolean,
  kept: string[],
  firstRow: Cell[],
  fromText: boolean,
  signatureTypes: ReadonlyMap<string, string>,
  firstPrediction: Prediction,
): OutputLayout {
  const columns: OutputColumn[] = kept.map((name, input) => ({
    name,
    type: fromText ? typeOfSignature(signatureTypes.get(name)) : typeOf(firstRow[input]),
    from: { input },
  }));
  const taken = new Set(kept);
  const unique = (name: string): string => {
    let n = name;
    while (taken.has(n)) n = `${n}_`;
    taken.add(n);
    return n;
  };
  if (isRecord(firstPrediction)) {
    for (const [key, value] of Object.entries(firstPrediction)) {
      columns.push({ name: unique(key), type: typeOf(value), from: { prediction: key } });
    }
  } else {
    columns.push({ name: unique("prediction"), type: typeOf(firstPrediction), from: { prediction: null } });
  }
  return { format, gzip, textInputs: fromText, columns };
}

function typeOfSignature(type: string | undefined): ParquetType {
  if (type === "double" || type === "float") return "DOUBLE";
  if (type === "integer" || type === "long") return "INT64";
  if (type === "boolean") return "BOOLEAN";
  return "STRING";
}

function typeOf(value: unknown): ParquetType {
  if (typeof value === "number") return "DOUBLE";
  if (typeof value === "bigint") return "INT64";
  if (typeof value === "boolean") return "BOOLEAN";
  return "STRING";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Encodes one chunk's scored rows as its part file's bytes: `kept[i]` holds the cells of the layout's kept
 * column i (`from: { input: i }`), one per row, and `predictions[r]` is row r's answer.
 */
export function encodePart(
  layout: OutputLayout,
  kept: readonly (readonly Cell[])[],
  predictions: readonly Prediction[],
): Buffer {
  const { columns } = layout;
  const keys = columns.map((c) => ("prediction" in c.from ? c.from.prediction : null));
  const cells = columns.map((c) => ("input" in c.from ? kept[c.from.input] : undefined));
  const names = columns.map((c) => `${JSON.stringify(c.name)}:`);
  const value = (k: number, r: number, prediction: Prediction): unknown => {
    const column = cells[k];
    if (column !== undefined) return column[r];
    const key = keys[k] as string | null;
    if (key === null) return prediction;
    return isRecord(prediction) ? prediction[key] : undefined;
  };
  // Text built by concatenation (V8 ropes), flattened once by Buffer.from: no array per row or per field.
  let out = "";
  for (let r = 0; r < predictions.length; r++) {
    const prediction = predictions[r];
    if (layout.format === "csv") {
      for (let k = 0; k < columns.length; k++) {
        if (k > 0) out += ",";
        out += csvField(value(k, r, prediction));
      }
      out += "\n";
    } else if (layout.format === "jsonl") {
      out += "{";
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k] as OutputColumn;
        const v = value(k, r, prediction);
        if (k > 0) out += ",";
        out += names[k] as string;
        out += json(layout.textInputs && "input" in c.from ? typed(c.type, v) : v);
      }
      out += "}\n";
    } else {
      // Parquet parts hold each row's values, already of their column's type, as JSON (bigints as text).
      out += "[";
      for (let k = 0; k < columns.length; k++) {
        if (k > 0) out += ",";
        out += json(typed((columns[k] as OutputColumn).type, value(k, r, prediction)));
      }
      out += "]\n";
    }
  }
  return Buffer.from(out);
}

function json(value: unknown): string {
  if (value === undefined) return "null";
  if (typeof value === "bigint") return `"${value.toString()}"`;
  return JSON.stringify(value) ?? "null";
}

function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return String(value);
  }
  return JSON.stringify(value) ?? "";
}

function csvField(value: unknown): string {
  if (typeof value === "number") return String(value);
  const t = text(value);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

function typed(type: ParquetType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "DOUBLE": {
      const n = typeof value === "number" ? value : Number(text(value));
      return Number.isFinite(n) ? n : null;
    }
    case "INT64":
      try {
        return BigInt(text(value));
      } catch {
        return null;
      }
    case "BOOLEAN":
      return typeof value === "boolean" ? value : text(value).toLowerCase() === "true";
    case "STRING":
      return text(value);
  }
}

/**
 * Writes the output from the part files, in order: the header (CSV) and every part's bytes, or (Parquet) one
 * row group per part. gzip when asked (zlib writes no timestamp, so the bytes are the same every time).
 */
export async function assembleOutput(layout: OutputLayout, parts: string[], target: string): Promise<void> {
  if (layout.format === "parquet") return assembleParquet(layout, parts, target);
  const file = createWriteStream(target);
  const gzip = layout.gzip ? createGzip() : undefined;
  const sink = gzip ?? file;
  gzip?.pipe(file);
  const write = async (data: Buffer | string): Promise<void> => {
    if (!sink.write(data)) await once(sink, "drain");
  };
  if (layout.format === "csv") await write(`${layout.columns.map((c) => csvField(c.name)).join(",")}\n`);
  for (const part of parts) {
    for await (const data of createReadStream(part, { highWaterMark: 1024 * 1024 }))
      await write(data as Buffer);
  }
  sink.end();
  await once(file, "close");
}

async function assembleParquet(layout: OutputLayout, parts: string[], target: string): Promise<void> {
  const schema = schemaFromColumnData({
    columnData: layout.columns.map((c) => ({ name: c.name, data: [], type: c.type, nullable: true })),
  });
  const writer = new ParquetWriter({ writer: fileWriter(target), schema, createdBy: "flowgate batch" });
  for (const part of parts) {
    const data: unknown[][] = layout.columns.map(() => []);
    const lines = createInterface({ input: createReadStream(part), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === "") continue;
      const values = JSON.parse(line) as unknown[];
      layout.columns.forEach((c, i) => {
        const v = values[i] ?? null;
        (data[i] as unknown[]).push(c.type === "INT64" && v !== null ? BigInt(v as string) : v);
      });
    }
    const rows = (data[0] as unknown[]).length;
    if (rows === 0) continue;
    await writer.write({
      columnData: layout.columns.map((c, i) => ({ name: c.name, data: data[i] as unknown[] })),
      rowGroupSize: rows,
    });
  }
  await writer.finish();
}
