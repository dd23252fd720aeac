// The in-memory form of a scoring request's data once parsed, before and after signature enforcement.
import { FlowgateError } from "../core/errors.js";

/** One cell of a request: JSON scalars, or a nested value for composite columns. */
export type Cell = number | string | boolean | null | readonly unknown[] | { readonly [k: string]: unknown };

/**
 * A column's values, one per row: cells, or float64 numbers (a batch's CSV read straight into them, which reach
 * the runtimes without a JS value per cell).
 */
export type Column = readonly Cell[] | Float64Array;

/** A data frame, column-major. `fromText` marks CSV input, where every cell arrived as text. */
export interface Frame {
  columns: string[];
  /** `data[i]` holds the values of `columns[i]`, one per row. */
  data: Column[];
  rows: number;
  fromText: boolean;
}

/** What one scoring request asks the model: a data frame, or a tensor-shaped body passed through as sent. */
export type ModelInput =
  | { kind: "frame"; frame: Frame; params: Record<string, unknown> | undefined }
  | { kind: "tensor"; body: Record<string, unknown>; params: Record<string, unknown> | undefined };

/**
 * Records or rows may omit cells, which become null: a few bytes of sparse JSON (one record with 100,000 keys
 * and 5,000 empty ones) would otherwise ask for 500 million cells. A frame may hold at most `maxCells`.
 */
function checkCells(columns: number, rows: number, maxCells: number): void {
  if (columns * rows > maxCells) {
    throw new FlowgateError(
      "PAYLOAD_TOO_LARGE",
      `The input makes a frame of ${rows} rows × ${columns} columns (absent cells count too), more cells than the request body has bytes (${maxCells}); send dense rows, e.g. with dataframe_split.`,
    );
  }
}

/** Builds a frame from rows given as arrays of cells (dataframe_split's `data`, CSV rows). */
export function frameFromRows(
  columns: string[],
  rows: readonly Cell[][],
  fromText: boolean,
  maxCells = Infinity,
): Frame {
  checkCells(columns.length, rows.length, maxCells);
  const data: Cell[][] = columns.map(() => new Array<Cell>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] ?? [];
    for (let c = 0; c < columns.length; c++) (data[c] as Cell[])[r] = row[c] ?? null;
  }
  return { columns, data, rows: rows.length, fromText };
}

/** Builds a frame from records; columns in order of first appearance, absent keys become null (pandas NaN). */
export function frameFromRecords(records: readonly Record<string, unknown>[], maxCells = Infinity): Frame {
  const index = new Map<string, number>();
  for (const record of records) {
    for (const key of Object.keys(record)) if (!index.has(key)) index.set(key, index.size);
  }
  const columns = [...index.keys()];
  checkCells(columns.length, records.length, maxCells);
  const data: Cell[][] = columns.map(() => new Array<Cell>(records.length).fill(null));
  records.forEach((record, r) => {
    for (const [key, value] of Object.entries(record)) {
      (data[index.get(key) as number] as Cell[])[r] = (value ?? null) as Cell;
    }
  });
  return { columns, data, rows: records.length, fromText: false };
}
