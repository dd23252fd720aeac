// The in-process ONNX runtime: onnxruntime-node sessions fed with request frames concatenated into one tensor
// per batch, outputs split back per request. Session threads are configurable (intra-op threads).
import * as ort from "onnxruntime-node";
import { FlowgateError } from "../../core/errors.js";
import type { Cell, Column } from "../frame.js";
import type { ModelRuntime, PredictionResult, RuntimeInput } from "../runtime.js";
import type { EnforcedFrame } from "../schema-enforcement.js";
import type { OnnxElementType, OnnxPlan } from "./onnx-plan.js";

export interface OnnxRuntimeOptions {
  intraOpThreads: number;
}

export class OnnxRuntime implements ModelRuntime {
  readonly kind = "onnx" as const;
  readonly slots = 1;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly plan: OnnxPlan,
    private readonly options: OnnxRuntimeOptions,
  ) {}

  static async open(plan: OnnxPlan, options: OnnxRuntimeOptions): Promise<OnnxRuntime> {
    const session = await ort.InferenceSession.create(plan.modelPath, {
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionProviders: ["cpu"],
    });
    return new OnnxRuntime(session, plan, options);
  }

  /** The graph inputs as the session reports them (used to plan native ONNX models). */
  static async graphInputs(modelPath: string): Promise<{ name: string; type: string }[]> {
    const session = await ort.InferenceSession.create(modelPath);
    const inputs = session.inputMetadata.map((m) => ({
      name: m.name,
      type: m.isTensor ? String(m.type) : "unknown",
    }));
    await session.release();
    return inputs;
  }

  ready(): boolean {
    return true;
  }

  recovering(): boolean {
    return false;
  }

  notReadyReason(): string | undefined {
    return undefined;
  }

  describe(): Record<string, unknown> {
    return {
      onnx_inputs: this.plan.inputNames,
      layout: this.plan.layout,
      output: this.plan.output ?? this.session.outputNames,
      intra_op_threads: this.options.intraOpThreads,
    };
  }

  async predictBatch(inputs: readonly RuntimeInput[]): Promise<PredictionResult[]> {
    const results = new Array<PredictionResult | undefined>(inputs.length);
    const frames: { at: number; frame: EnforcedFrame }[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i] as RuntimeInput;
      if (input.kind === "frame" && this.plan.layout !== "tensor") frames.push({ at: i, frame: input.frame });
      else results[i] = await this.runOne(input);
    }
    if (frames.length > 0) {
      const outputs = await this.runFrames(frames.map((f) => f.frame));
      frames.forEach((f, k) => (results[f.at] = { ok: true, predictions: outputs[k] as string }));
    }
    return results as PredictionResult[];
  }

  async close(): Promise<void> {
    await this.session.release();
  }

  private async runFrames(frames: readonly EnforcedFrame[]): Promise<string[]> {
    const rows = frames.reduce((n, f) => n + f.rows, 0);
    const feeds: Record<string, ort.Tensor> = {};
    const { plan } = this;
    if (plan.layout === "matrix") {
      const width = plan.columns.length;
      const type = plan.inputTypes[0] as OnnxElementType;
      const values = allocate(type, rows * width);
      const numeric = type === "float32" || type === "float64" || type === "int32";
      let r0 = 0;
      for (const frame of frames) {
        for (let c = 0; c < width; c++) {
          const column = frame.data[c] as Column;
          if (numeric && column instanceof Float64Array) {
            for (let r = 0, at = r0 * width + c; r < frame.rows; r++, at += width) values[at] = column[r];
            continue;
          }
          for (let r = 0; r < frame.rows; r++) {
            // A number goes into a numeric tensor as it is (what cellValue gives it), without the call.
            const v = column[r] ?? null;
            values[(r0 + r) * width + c] = numeric && typeof v === "number" ? v : cellValue(type, v);
          }
        }
        r0 += frame.rows;
      }
      feeds[plan.inputNames[0] as string] = new ort.Tensor(type, values as never, [rows, width]);
    } else {
      plan.columns.forEach((_name, c) => {
        const type = plan.inputTypes[c] as OnnxElementType;
        const values = allocate(type, rows);
        let r0 = 0;
        for (const frame of frames) {
          const column = frame.data[c] as Column;
          for (let r = 0; r < frame.rows; r++) values[r0 + r] = cellValue(type, column[r] ?? null);
          r0 += frame.rows;
        }
        feeds[plan.inputNames[c] as string] = new ort.Tensor(type, values as never, [rows, 1]);
      });
    }
    const fetches = plan.output === undefined ? this.session.outputNames : [plan.output];
    const out = await this.session.run(feeds, fetches);
    const perOutput = fetches.map((name) =>
      rowsOfTensor(out[name] as ort.Tensor, plan.flatten || plan.output === undefined),
    );
    const answers: string[] = [];
    let r0 = 0;
    for (const frame of frames) {
      if (plan.output !== undefined) {
        answers.push(JSON.stringify((perOutput[0] as unknown[]).slice(r0, r0 + frame.rows)));
      } else {
        // MLflow's onnx pyfunc answers a DataFrame input with one column per output: a list of row dicts.
        const records = [];
        for (let r = r0; r < r0 + frame.rows; r++) {
          const record: Record<string, unknown> = {};
          fetches.forEach((name, k) => (record[name] = (perOutput[k] as unknown[])[r]));
          records.push(record);
        }
        answers.push(JSON.stringify(records));
      }
      r0 += frame.rows;
    }
    return answers;
  }

  /** Tensor-shaped requests run alone: `inputs`/`instances` as a nested list feed the single graph input. */
  private async runOne(input: RuntimeInput): Promise<PredictionResult> {
    const body = input.kind === "tensor" ? input.body : undefined;
    const value = body?.inputs ?? body?.instances;
    if (this.plan.inputNames.length !== 1 || !Array.isArray(value)) {
      return {
        ok: false,
        error: new FlowgateError(
          "INVALID_PARAMETER_VALUE",
          `This model takes ${this.plan.layout === "tensor" ? `the tensor inputs ${JSON.stringify(this.plan.inputNames)}` : `the columns ${JSON.stringify(this.plan.columns)}`}; send them with dataframe_split, dataframe_records or inputs as a dictionary.`,
        ),
      };
    }
    const shape: number[] = [];
    for (let level: unknown = value; Array.isArray(level); level = level[0]) shape.push(level.length);
    const flat = (value as unknown[]).flat(shape.length) as Cell[];
    if (flat.length !== shape.reduce((a, b) => a * b, 1) || flat.some((v) => Array.isArray(v))) {
      return {
        ok: false,
        error: new FlowgateError(
          "BAD_REQUEST",
          "Invalid input. The tensor in 'inputs' is ragged: every row must have the same shape.",
        ),
      };
    }
    const type = this.plan.inputTypes[0] as OnnxElementType;
    for (const v of flat) {
      if (type === "string" ? typeof v !== "string" : typeof v !== "number" && typeof v !== "boolean") {
        return {
          ok: false,
          error: new FlowgateError(
            "INVALID_PARAMETER_VALUE",
            `Failed to enforce schema: the tensor input '${this.plan.inputNames[0] as string}' has element type ${type} but got ${JSON.stringify(v)}.`,
          ),
        };
      }
    }
    const values = allocate(type, flat.length);
    flat.forEach((v, i) => (values[i] = cellValue(type, v)));
    const out = await this.session.run({
      [this.plan.inputNames[0] as string]: new ort.Tensor(type, values as never, shape),
    });
    const names = this.plan.output === undefined ? this.session.outputNames : [this.plan.output];
    if (names.length === 1 && this.plan.output !== undefined) {
      return {
        ok: true,
        predictions: JSON.stringify(rowsOfTensor(out[names[0] as string] as ort.Tensor, this.plan.flatten)),
      };
    }
    const dict: Record<string, unknown> = {};
    for (const name of names) dict[name] = rowsOfTensor(out[name] as ort.Tensor, false);
    return { ok: true, predictions: JSON.stringify(dict) };
  }
}

/** A typed array or string list written cell by cell. */
interface Values {
  [i: number]: unknown;
  length: number;
}

function allocate(type: OnnxElementType, n: number): Values {
  switch (type) {
    case "float32":
      return new Float32Array(n);
    case "float64":
      return new Float64Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "int32":
      return new Int32Array(n);
    case "string":
      return new Array<string>(n);
    case "bool":
      return new Uint8Array(n);
  }
}

function cellValue(type: OnnxElementType, v: Cell): unknown {
  switch (type) {
    case "string":
      return v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    case "int64":
      return BigInt(Math.trunc(Number(v ?? 0)));
    case "bool":
      return v === true || v === 1 ? 1 : 0;
    case "float32":
    case "float64":
    case "int32":
      return v === null ? NaN : Number(v);
  }
}

/** Tensor → nested JS lists, int64 as numbers; [N, 1] → [N] when `flatten`. */
function rowsOfTensor(tensor: ort.Tensor, flatten: boolean): unknown[] {
  // A loop, not Array.from with a callback: batch turns millions of labels into numbers here.
  const source = tensor.data as ArrayLike<unknown>;
  const data = new Array<unknown>(source.length);
  for (let i = 0; i < source.length; i++) {
    const v = source[i];
    data[i] = typeof v === "bigint" ? Number(v) : v;
  }
  const dims = [...tensor.dims];
  if (dims.length <= 1 || (flatten && dims.length === 2 && dims[1] === 1)) return data;
  const nest = (offset: number, level: number): unknown[] => {
    const size = dims[level] as number;
    if (level === dims.length - 1) return data.slice(offset, offset + size);
    const stride = dims.slice(level + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: size }, (_v, i) => nest(offset + i * stride, level + 1));
  };
  return nest(0, 0);
}
