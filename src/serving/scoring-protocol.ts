// MLflow's scoring protocol (`mlflow models serve`, mlflow/pyfunc/scoring_server): request content types and
// bodies → a ModelInput, with MLflow's status codes and messages. 415 answers are text/plain, as MLflow's are.
import { parse as parseCsv } from "csv-parse/sync";
import { parquetMetadata, parquetReadObjects, snappyUncompress, type Compressors } from "hyparquet";
import { FlowgateError } from "../core/errors.js";
import { frameFromRecords, frameFromRows, type Cell, type ModelInput } from "./frame.js";

export const CONTENT_TYPE_JSON = "application/json";
export const CONTENT_TYPE_CSV = "text/csv";
export const CONTENT_TYPE_PARQUET = "application/vnd.apache.parquet";
const CONTENT_TYPES = [CONTENT_TYPE_CSV, CONTENT_TYPE_JSON, CONTENT_TYPE_PARQUET];

const DATA_KEYS = ["dataframe_split", "dataframe_records", "instances", "inputs"] as const;
const REQUIRED_INPUT_FORMAT = `The input must be a JSON dictionary with exactly one of the input fields {'dataframe_split', 'dataframe_records', 'instances', 'inputs'}`;
const PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, " +
  "you are likely using an outdated scoring request format.";

/** MLflow prefixes every parse failure with "Invalid input." (MlflowInvalidInputException, BAD_REQUEST). */
function invalidInput(message: string): FlowgateError {
  return new FlowgateError("BAD_REQUEST", `Invalid input. ${message}`);
}

/** Checks the Content-Type as MLflow does: utf-8 only, no parameters but charset, three media types. */
export function checkContentType(contentType: string | undefined): string {
  const raw = contentType ?? "";
  const [mime = "", ...parameters] = raw.split(";").map((p) => p.trim());
  const values = new Map<string, string>();
  for (const pair of parameters) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    values.set(
      (eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase(),
      eq < 0 ? "" : pair.slice(eq + 1).trim(),
    );
  }
  const charset = (values.get("charset") ?? "utf-8").replace(/"/g, "").toLowerCase();
  if (charset !== "utf-8") {
    throw new FlowgateError("UNSUPPORTED_MEDIA_TYPE", "The scoring server only supports UTF-8");
  }
  const unexpected = [...values.keys()].filter((k) => k !== "charset");
  if (unexpected.length > 0) {
    throw new FlowgateError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Unrecognized content type parameters: ${unexpected.join(", ")}. ${PROTOCOL_CHANGE_INFO}`,
    );
  }
  const lower = mime.toLowerCase();
  if (!CONTENT_TYPES.includes(lower)) {
    throw new FlowgateError(
      "UNSUPPORTED_MEDIA_TYPE",
      `This predictor only supports the following content types: Types: ['${CONTENT_TYPES.join("', '")}']. Got '${raw}'.`,
    );
  }
  return lower;
}

/**
 * Parses a /invocations body of an already-checked media type. `maxBytes` (the body limit) also bounds what a
 * Parquet file may expand to: its metadata and page headers declare sizes that would otherwise drive allocation.
 */
export async function parseInvocation(mime: string, body: Buffer, maxBytes: number): Promise<ModelInput> {
  if (mime === CONTENT_TYPE_CSV) return { kind: "frame", frame: parseCsvBody(body), params: undefined };
  if (mime === CONTENT_TYPE_PARQUET)
    return { kind: "frame", frame: await parseParquetBody(body, maxBytes), params: undefined };
  // A frame may not have more cells than the body has bytes (dense JSON needs several bytes per cell).
  return parseJsonBody(body.toString("utf8"), Math.max(body.length, 1024));
}

export function parseJsonBody(text: string, maxCells = Infinity): ModelInput {
  let decoded: unknown;
  try {
    decoded = JSON.parse(text);
  } catch (err) {
    throw invalidInput(
      `Ensure that input is a valid JSON formatted string. Error: '${(err as Error).message}'`,
    );
  }
  if (nestingDepth(decoded, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw invalidInput(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return modelInputFromJson(decoded, maxCells);
}

/**
 * Far deeper than any frame or tensor; below Python's recursion limit, so a body the Python workers decode again
 * cannot crash them (json.loads raises RecursionError near 1,000 levels), and recursive walks here stay shallow.
 */
export const MAX_JSON_DEPTH = 100;

/** Nesting depth of a JSON value, walked iteratively; stops counting once past `limit`. */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop() as { value: unknown; depth: number };
    if (top.value === null || typeof top.value !== "object") continue;
    const depth = top.depth + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Object.values(top.value)) stack.push({ value: child, depth });
  }
  return deepest;
}

/** The JSON dictionary forms: exactly one data key, optional params; other keys are ignored as in MLflow. */
export function modelInputFromJson(decoded: unknown, maxCells = Infinity): ModelInput {
  if (Array.isArray(decoded)) throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received a list.`);
  if (decoded === null || typeof decoded !== "object") {
    throw invalidInput(`${REQUIRED_INPUT_FORMAT}. Received unexpected input type '${pythonType(decoded)}'.`);
  }
  const dict = decoded as Record<string, unknown>;
  const keys = DATA_KEYS.filter((k) => Object.hasOwn(dict, k));
  if (keys.length !== 1) {
    const fields = Object.keys(dict)
      .map((k) => `'${k}'`)
      .join(", ");
    throw new FlowgateError(
      "BAD_REQUEST",
      `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: [${fields}]. ${PROTOCOL_CHANGE_INFO}`,
    );
  }
  const params = dict.params;
  if (params !== undefined && params !== null && (typeof params !== "object" || Array.isArray(params))) {
    throw new FlowgateError(
      "BAD_REQUEST",
      `Invalid input. 'params' must be a JSON dictionary, got ${pythonType(params)}.`,
    );
  }
  const p = (params ?? undefined) as Record<string, unknown> | undefined;
  const key = keys[0] as (typeof DATA_KEYS)[number];
  const value = dict[key];
  switch (key) {
    case "dataframe_split":
      return { kind: "frame", frame: splitFrame(value), params: p };
    case "dataframe_records":
      return { kind: "frame", frame: recordsFrame(value, maxCells), params: p };
    case "instances":
      if (!Array.isArray(value)) {
        throw invalidInput(
          `Ensure that the input is a valid JSON-formatted string.\nError: 'instances' must be a list.`,
        );
      }
      if (value.length > 0 && value.every(isPlainObject)) {
        return { kind: "frame", frame: frameFromRecords(value, maxCells), params: p };
      }
      return { kind: "tensor", body: { instances: value }, params: p };
    case "inputs":
      if (isPlainObject(value)) return { kind: "frame", frame: columnsFrame(value), params: p };
      return { kind: "tensor", body: { inputs: value }, params: p };
  }
}

function splitFrame(value: unknown): ReturnType<typeof frameFromRows> {
  if (!isPlainObject(value)) {
    throw invalidInput(
      `Dataframe split format must be a dictionary. Got ${Array.isArray(value) ? "list" : `type ${pythonType(value)}`}.`,
    );
  }
  const keys = Object.keys(value);
  if (!keys.includes("data") || keys.some((k) => !["columns", "data", "index"].includes(k))) {
    throw invalidInput(
      `Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {${keys.map((k) => `'${k}'`).join(", ")}}.'`,
    );
  }
  const { columns, data } = value as { columns?: unknown; data: unknown };
  const notValid = (why: string): FlowgateError =>
    invalidInput(
      `Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '${why}'`,
    );
  if (!Array.isArray(data)) throw notValid("DataFrame constructor not properly called!");
  const rows = data.map((row) => (Array.isArray(row) ? (row as Cell[]) : [row as Cell]));
  const width = rows.reduce((w, row) => Math.max(w, row.length), 0);
  let names: string[];
  if (columns === undefined || columns === null) {
    names = Array.from({ length: width }, (_v, i) => String(i));
  } else {
    if (!Array.isArray(columns)) throw notValid("columns must be a list");
    names = columns.map((c) => String(c));
    if (new Set(names).size !== names.length) throw notValid("columns must be unique");
  }
  for (const row of rows) {
    if (row.length !== names.length && rows.length > 0) {
      throw notValid(`${names.length} columns passed, passed data had ${row.length} columns`);
    }
  }
  return frameFromRows(names, rows, false);
}

function recordsFrame(value: unknown, maxCells: number): ReturnType<typeof frameFromRecords> {
  if (!Array.isArray(value)) {
    throw invalidInput(
      `Dataframe records format must be a list of records. Got ${isPlainObject(value) ? "dictionary" : `type ${pythonType(value)}`}.`,
    );
  }
  if (value.every(isPlainObject)) return frameFromRecords(value, maxCells);
  if (value.every(Array.isArray)) {
    const width = (value as unknown[][]).reduce((w, r) => Math.max(w, r.length), 0);
    return frameFromRows(
      Array.from({ length: width }, (_v, i) => String(i)),
      value as Cell[][],
      false,
      maxCells,
    );
  }
  throw invalidInput(
    "Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: 'every record must be a JSON object'",
  );
}

/** `inputs` as a dict of columns: each value a list (one per row) or a scalar (one row). */
function columnsFrame(value: Record<string, unknown>): ReturnType<typeof frameFromRows> {
  const columns = Object.keys(value);
  const lists = columns.map((c) => {
    const v = value[c];
    return Array.isArray(v) ? (v as Cell[]) : [v as Cell];
  });
  const rows = lists.reduce((n, l) => Math.max(n, l.length), 0);
  if (lists.some((l) => l.length !== rows)) {
    throw invalidInput(
      "Ensure that the input is a valid JSON-formatted string.\nError: 'All arrays must be of the same length'",
    );
  }
  return { columns, data: lists.map((l) => [...l]), rows, fromText: false };
}

function parseCsvBody(body: Buffer): ReturnType<typeof frameFromRows> {
  try {
    const records: string[][] = parseCsv(body, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
    });
    const [header, ...rows] = records;
    if (header === undefined) throw new Error("No columns to parse from file");
    return frameFromRows(
      header,
      rows.map((r) => r.map((cell) => (cell === "" ? null : cell))),
      true,
    );
  } catch (err) {
    throw new FlowgateError(
      "BAD_REQUEST",
      "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame " +
        `produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${(err as Error).message}'`,
    );
  }
}

async function parseParquetBody(
  body: Buffer,
  maxBytes: number,
): Promise<ReturnType<typeof frameFromRecords>> {
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(file);
  } catch (err) {
    throw parquetFailure(err);
  }
  checkParquetSize(metadata, maxBytes);
  try {
    const rows = (await parquetReadObjects({
      file,
      metadata,
      compressors: boundedDecompressors(maxBytes),
    })) as Record<string, unknown>[];
    // pandas stores a non-default index as an extra column; read_parquet turns it back into the index.
    const columns = metadata.schema
      .slice(1)
      .map((s) => s.name)
      .filter((n) => !n.startsWith("__index_level_"));
    const data = columns.map((c) => rows.map((row) => toCell(row[c])));
    return { columns, data, rows: rows.length, fromText: false };
  } catch (err) {
    if (err instanceof FlowgateError) throw err;
    throw parquetFailure(err);
  }
}

function parquetFailure(err: unknown): FlowgateError {
  return new FlowgateError(
    "BAD_REQUEST",
    "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid Parquet Pandas DataFrame produced " +
      `using the \`pandas.DataFrame.to_parquet()\` method. Error: '${(err as Error).message}'`,
  );
}

function parquetTooLarge(what: string, maxBytes: number): FlowgateError {
  return new FlowgateError(
    "PAYLOAD_TOO_LARGE",
    `The Parquet body declares ${what}, more than the request body limit of ${maxBytes} bytes allows.`,
  );
}

/** A Parquet file may not declare more cells, or more uncompressed bytes, than the body limit allows. */
function checkParquetSize(metadata: ReturnType<typeof parquetMetadata>, maxBytes: number): void {
  const columns = Math.max(1, metadata.schema.length - 1);
  const rows = Number(metadata.num_rows);
  if (!Number.isSafeInteger(rows) || rows < 0 || rows * columns > maxBytes) {
    throw parquetTooLarge(`${String(metadata.num_rows)} rows of ${columns} columns`, maxBytes);
  }
  let uncompressed = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) uncompressed += Number(chunk.meta_data?.total_uncompressed_size ?? 0);
  }
  if (!(uncompressed <= maxBytes)) throw parquetTooLarge(`${uncompressed} uncompressed bytes`, maxBytes);
}

/**
 * hyparquet allocates each page by the size its header declares before decompressing; these wrappers refuse a
 * declared size over the limit first. Only SNAPPY is built into hyparquet; other codecs stay unsupported (400).
 */
function boundedDecompressors(maxBytes: number): Compressors {
  return {
    SNAPPY: (input: Uint8Array, outputLength: number): Uint8Array => {
      if (!(outputLength >= 0 && outputLength <= maxBytes))
        throw parquetTooLarge(`a page of ${outputLength} bytes`, maxBytes);
      const output = new Uint8Array(outputLength);
      snappyUncompress(input, output);
      return output;
    },
  };
}

function toCell(value: unknown): Cell {
  if (typeof value === "bigint") return Number(value);
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return value as Cell;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Python's name for a JSON value's type, as MLflow's messages print it. */
export function pythonType(value: unknown): string {
  if (value === null) return "<class 'NoneType'>";
  if (Array.isArray(value)) return "<class 'list'>";
  if (typeof value === "string") return "<class 'str'>";
  if (typeof value === "boolean") return "<class 'bool'>";
  if (typeof value === "number") return Number.isInteger(value) ? "<class 'int'>" : "<class 'float'>";
  return "<class 'dict'>";
}
