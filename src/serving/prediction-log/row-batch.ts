// Logged requests as one plain-data batch, the form in which they cross to the segment encoder's worker thread.
// The main thread only copies references and numbers into columns (the chosen input columns' cells, numbers
// into a Float64Array while every cell is one, so it is transferred rather than cloned); the encoder does the
// rest — parsing the predictions, reading outputs, hashing, laying out records — as recordsOf would.
import type { PredictionRecord, PredictionRole } from "../../monitoring/segments/prediction-record.js";
import type { SegmentWriter } from "../../monitoring/segments/segment-writer.js";
import {
  ColumnPlan,
  inputCell,
  outputsOf,
  predictedRowsOf,
  type AnsweredRequest,
  type LogConfig,
  type Value,
} from "./prediction-rows.js";

/** One logged input column of one column plan: numbers (NaN for null) while every cell is one, else the cells. */
export interface BatchColumn {
  name: string;
  hashed: boolean;
  numbers: Float64Array | undefined;
  cells: unknown[] | undefined;
}

export interface RowBatch {
  requests: number;
  /** Rows as the queue counts them (a frame's rows, at least one). */
  rows: number;
  time: Float64Array;
  latencyMs: Float64Array;
  requestId: string[];
  version: string[];
  role: PredictionRole[];
  /** Each answer's JSON text. */
  predictions: string[];
  /** Input rows of each request: its frame's rows (0 for tensor input, which logs no inputs). */
  inputRows: Int32Array;
  /** 1 where the frame came from CSV (numbers arrived as text). */
  fromText: Uint8Array;
  /** Each request's plan, an index into `plans` (-1: no inputs). */
  planOf: Int32Array;
  /** A plan's columns (indices into `columns`, in the frame's order); each column holds the cells of every
   * request with that plan, one request after the other. */
  plans: number[][];
  columns: BatchColumn[];
}

class ColumnValues {
  private numbers: Float64Array | undefined = new Float64Array(256);
  private length = 0;
  private cells: unknown[] | undefined;

  constructor(
    readonly name: string,
    readonly hashed: boolean,
  ) {}

  push(v: unknown): void {
    let numbers = this.numbers;
    if (numbers !== undefined) {
      const number =
        v === null || v === undefined ? NaN : typeof v === "number" && v - v === 0 ? v : undefined;
      if (number !== undefined) {
        if (this.length === numbers.length) {
          const grown = new Float64Array(numbers.length * 2);
          grown.set(numbers);
          this.numbers = numbers = grown;
        }
        numbers[this.length++] = number;
        return;
      }
      // A cell that is not a finite number: the column is kept as cells from here on.
      this.cells = Array.from(numbers.subarray(0, this.length), (n) => (n !== n ? null : n));
      this.numbers = undefined;
    }
    this.cells!.push(v);
  }

  column(transfer: ArrayBuffer[]): BatchColumn {
    if (this.numbers !== undefined) transfer.push(this.numbers.buffer as ArrayBuffer);
    return {
      name: this.name,
      hashed: this.hashed,
      numbers: this.numbers?.subarray(0, this.length),
      cells: this.cells,
    };
  }
}

/** Collects queued requests into a batch on the main thread: O(logged cells), no object per row. */
export class RowBatchBuilder {
  private readonly plan = new ColumnPlan();
  private time: number[] = [];
  private latencyMs: number[] = [];
  private requestId: string[] = [];
  private version: string[] = [];
  private role: PredictionRole[] = [];
  private predictions: string[] = [];
  private inputRows: number[] = [];
  private fromText: number[] = [];
  private planOf: number[] = [];
  private plans: number[][] = [];
  private planIndex = new Map<object, number>();
  private columns: ColumnValues[] = [];
  private rows = 0;

  get requests(): number {
    return this.time.length;
  }

  add(req: AnsweredRequest, time: number, config: LogConfig, rows: number): void {
    const input = req.input;
    const frame = input.kind === "frame" ? input.frame : undefined;
    // The plan first: if anything here throws, nothing of the request was added.
    const plan = frame !== undefined ? this.plan.plan(frame.columns, config) : undefined;
    this.time.push(time);
    this.latencyMs.push(req.latencyMs);
    this.requestId.push(req.requestId);
    this.version.push(req.version);
    this.role.push(req.role);
    this.predictions.push(req.predictions);
    this.rows += rows;
    if (frame === undefined || plan === undefined) {
      this.inputRows.push(0);
      this.fromText.push(0);
      this.planOf.push(-1);
      return;
    }
    let p = this.planIndex.get(plan);
    if (p === undefined) {
      p = this.plans.length;
      this.plans.push(plan.map(({ name, hashed }) => this.columns.push(new ColumnValues(name, hashed)) - 1));
      this.planIndex.set(plan, p);
    }
    this.inputRows.push(frame.rows);
    this.fromText.push(frame.fromText ? 1 : 0);
    this.planOf.push(p);
    const columns = this.plans[p]!;
    for (let k = 0; k < plan.length; k++) {
      const cells = frame.data[plan[k]!.index];
      const column = this.columns[columns[k]!]!;
      for (let r = 0; r < frame.rows; r++) column.push(cells?.[r]);
    }
  }

  /** The batch so far, with the buffers to transfer; the builder starts empty again. */
  take(): { batch: RowBatch; transfer: ArrayBuffer[] } {
    const transfer: ArrayBuffer[] = [];
    const typed = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
      transfer.push(a.buffer as ArrayBuffer);
      return a;
    };
    const batch: RowBatch = {
      requests: this.time.length,
      rows: this.rows,
      time: typed(Float64Array.from(this.time)),
      latencyMs: typed(Float64Array.from(this.latencyMs)),
      requestId: this.requestId,
      version: this.version,
      role: this.role,
      predictions: this.predictions,
      inputRows: typed(Int32Array.from(this.inputRows)),
      fromText: typed(Uint8Array.from(this.fromText)),
      planOf: typed(Int32Array.from(this.planOf)),
      plans: this.plans,
      columns: this.columns.map((c) => c.column(transfer)),
    };
    this.time = [];
    this.latencyMs = [];
    this.requestId = [];
    this.version = [];
    this.role = [];
    this.predictions = [];
    this.inputRows = [];
    this.fromText = [];
    this.planOf = [];
    this.plans = [];
    this.planIndex = new Map();
    this.columns = [];
    this.rows = 0;
    return { batch, transfer };
  }
}

function cellAt(column: BatchColumn, at: number): unknown {
  if (column.cells !== undefined) return column.cells[at];
  const n = column.numbers![at]!;
  return n !== n ? null : n;
}

/** Appends a batch's records to a segment (in the encoder): the same records recordsOf makes of each request. */
export function appendRowBatch(writer: SegmentWriter, batch: RowBatch): void {
  const at = new Int32Array(batch.columns.length);
  for (let q = 0; q < batch.requests; q++) {
    const predicted = predictedRowsOf(batch.predictions[q]!);
    const p = batch.planOf[q]!;
    const columns = p >= 0 ? batch.plans[p]! : [];
    const inputRows = batch.inputRows[q]!;
    const fromText = batch.fromText[q] === 1;
    const records: PredictionRecord[] = new Array<PredictionRecord>(predicted.length);
    for (let i = 0; i < predicted.length; i++) {
      const inputs: Record<string, Value> = {};
      if (i < inputRows) {
        for (const c of columns) {
          const column = batch.columns[c]!;
          inputs[column.name] = inputCell(cellAt(column, at[c]! + i), column.hashed, fromText);
        }
      }
      records[i] = {
        time: batch.time[q]!,
        requestId: batch.requestId[q]!,
        row: i,
        version: batch.version[q]!,
        role: batch.role[q]!,
        latencyMs: batch.latencyMs[q]!,
        inputs,
        outputs: outputsOf(predicted[i]),
      };
    }
    for (const c of columns) at[c] = at[c]! + inputRows;
    writer.append(records);
  }
}
