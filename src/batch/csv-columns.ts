// Reads a chunk of plain CSV records straight into the columns scoring needs: the signature's numeric columns
// parsed in place into the numbers enforcement would make of their text, and the columns written to the output
// kept as text — no string per numeric cell, no array per record (on 1M rows × 4 numbers those strings and
// their collection were most of the run). A chunk it cannot read exactly so — a record with quotes, a cell
// enforcement refuses — is read as text by the general path, so bad rows, their reasons, --on-error skip and the
// output are what they would be without it.
import type { Cell } from "../serving/frame.js";
import { acceptedNumber, numberFromText, type NumericType } from "../serving/schema-enforcement.js";
import type { BadRow } from "./chunk-reader.js";
import type { CsvBlock } from "./csv-records.js";

/** What scoring needs of each of a file's columns, by position: a number of a signature type, its text. */
export interface ColumnNeeds {
  numbers: (NumericType | undefined)[];
  texts: boolean[];
}

/** Records [from, to) of a block. */
export interface RecordRange {
  block: CsvBlock;
  from: number;
  to: number;
}

export interface NeededColumns {
  /** The needed text columns (others undefined), one cell per readable row. */
  data: (Cell[] | undefined)[];
  /** The needed number columns (others undefined), as float64 numbers. */
  numbers: (Float64Array | undefined)[];
  rowNumbers: number[];
  bad: BadRow[];
}

/**
 * The needed columns of the records in `ranges`, the first being data row `firstRow` + 1; undefined when a
 * record has quotes or a number cell is one enforcement refuses (the chunk is then read as text).
 */
export function readNeededColumns(
  ranges: readonly RecordRange[],
  width: number,
  needs: ColumnNeeds,
  firstRow: number,
): NeededColumns | undefined {
  const data = needs.texts.map((t) => (t ? ([] as Cell[]) : undefined));
  // Room for every record; row k's numbers go at k, so a bad record's are overwritten by the next one's.
  const records = ranges.reduce((n, r) => n + r.to - r.from, 0);
  const numbers = needs.numbers.map((t) => (t === undefined ? undefined : new Float64Array(records)));
  const rowNumbers: number[] = [];
  const bad: BadRow[] = [];
  let row = firstRow;
  for (const { block, from, to } of ranges) {
    const { text, starts, ends, quoted } = block;
    for (let i = from; i < to; i++) {
      if (quoted.size > 0 && quoted.has(i)) return undefined;
      row++;
      const end = ends[i] as number;
      let at = starts[i] as number;
      let fields = 0;
      for (;;) {
        let stop = text.indexOf(",", at);
        if (stop === -1 || stop > end) stop = end;
        if (fields < width) {
          const type = needs.numbers[fields];
          if (type !== undefined) {
            const fast = plainNumber(text, at, stop);
            const n = Number.isNaN(fast)
              ? numberFromText(type, text.slice(at, stop))
              : acceptedNumber(type, fast);
            if (n === undefined) return undefined;
            (numbers[fields] as Float64Array)[rowNumbers.length] = n;
          }
          if (needs.texts[fields] === true) (data[fields] as Cell[]).push(text.slice(at, stop));
        }
        fields++;
        if (stop === end) break;
        at = stop + 1;
      }
      if (fields === width) {
        rowNumbers.push(row);
        continue;
      }
      // A record of another field count is a bad row: the cells taken from it are dropped.
      for (const column of data) if (column !== undefined) column.length = rowNumbers.length;
      bad.push({ row, reason: `the record has ${fields} fields; the header has ${width}` });
    }
  }
  const rows = rowNumbers.length;
  return {
    data,
    numbers: numbers.map((column) =>
      column === undefined || column.length === rows ? column : column.subarray(0, rows),
    ),
    rowNumbers,
    bad,
  };
}

/** 10^k for k ≤ 15, each exactly a double. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The value of text[start, end) when it is a plain decimal — an optional minus, at most 15 digits with at most
 * one point among them — else NaN (the caller converts such a cell's text as enforcement does). Its digits make
 * an integer below 2^53, exact, and the divisor is an exact power of ten, so the one division is correctly
 * rounded: the double Number() gives for the same text, -0 included.
 */
export function plainNumber(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let point = -1;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else if (d === -2 && point === -1) point = digits;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = point === -1 ? mantissa : mantissa / (POW10[digits - point] as number);
  return negative ? -value : value;
}
