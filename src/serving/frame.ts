// The in-memory form of a scoring request's data once parsed, before and after signature enforcement.

/** One cell of a request: JSON scalars, or a nested value for composite columns. */
export type Cell = number | string | boolean | null | readonly unknown[] | { readonly [k: string]: unknown };

/** A data frame, column-major. `fromText` marks CSV input, where every cell arrived as text. */
export interface Frame {
  columns: string[];
  /** `data[i]` holds the values of `columns[i]`, one per row. */
  data: Cell[][];
  rows: number;
  fromText: boolean;
}

/** What one scoring request asks the model: a data frame, or a tensor-shaped body passed through as sent. */
export type ModelInput =
  | { kind: "frame"; frame: Frame; params: Record<string, unknown> | undefined }
  | { kind: "tensor"; body: Record<string, unknown>; params: Record<string, unknown> | undefined };

/** Builds a frame from rows given as arrays of cells (dataframe_split's `data`, CSV rows). */
export function frameFromRows(columns: string[], rows: readonly Cell[][], fromText: boolean): Frame {
  const data: Cell[][] = columns.map(() => new Array<Cell>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] ?? [];
    for (let c = 0; c < columns.length; c++) (data[c] as Cell[])[r] = row[c] ?? null;
  }
  return { columns, data, rows: rows.length, fromText };
}

/** Builds a frame from records; columns in order of first appearance, absent keys become null (pandas NaN). */
export function frameFromRecords(records: readonly Record<string, unknown>[]): Frame {
  const index = new Map<string, number>();
  for (const record of records) {
    for (const key of Object.keys(record)) if (!index.has(key)) index.set(key, index.size);
  }
  const columns = [...index.keys()];
  const data: Cell[][] = columns.map(() => new Array<Cell>(records.length).fill(null));
  records.forEach((record, r) => {
    for (const [key, value] of Object.entries(record)) {
      (data[index.get(key) as number] as Cell[])[r] = (value ?? null) as Cell;
    }
  });
  return { columns, data, rows: records.length, fromText: false };
}
