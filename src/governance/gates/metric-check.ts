// Metric threshold expressions: `<metric> <op> <number>` (absolute) or
// `<metric> <op> <ref>.<metric> [+|- <number>]` (relative to the version currently in the target, where <ref>
// is `production`, `current` or `target` — all three mean "whatever holds the target now").
import { invalidParameter } from "../../core/errors.js";

export type Comparison = ">=" | ">" | "<=" | "<" | "==";

export interface MetricCheck {
  text: string;
  metric: string;
  op: Comparison;
  /** Absolute threshold, or the offset added to the reference value. */
  constant: number;
  /** Set for relative checks: the metric read from the version currently in the target. */
  reference: string | undefined;
}

const NUMBER = "[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?";
const ABSOLUTE = new RegExp(`^\\s*([\\w./ -]+?)\\s*(>=|<=|==|>|<)\\s*(${NUMBER})\\s*$`);
const RELATIVE = new RegExp(
  `^\\s*([\\w./ -]+?)\\s*(>=|<=|==|>|<)\\s*(?:production|current|target)\\.([\\w./-]+?)\\s*(?:([+-])\\s*(${NUMBER}))?\\s*$`,
  "i",
);

export function parseMetricCheck(text: string, field: string): MetricCheck {
  const abs = ABSOLUTE.exec(text);
  if (abs !== null) {
    return {
      text,
      metric: abs[1] as string,
      op: abs[2] as Comparison,
      constant: Number(abs[3]),
      reference: undefined,
    };
  }
  const rel = RELATIVE.exec(text);
  if (rel !== null) {
    const offset = rel[5] === undefined ? 0 : Number(rel[5]) * (rel[4] === "-" ? -1 : 1);
    return {
      text,
      metric: rel[1] as string,
      op: rel[2] as Comparison,
      constant: offset,
      reference: rel[3],
    };
  }
  throw invalidParameter(
    `Invalid ${field} '${text}': write "<metric> <op> <number>" or "<metric> <op> production.<metric> [+|- <number>]", ` +
      "with <op> one of >=, >, <=, <, ==.",
  );
}

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case ">=":
      return value >= threshold;
    case ">":
      return value > threshold;
    case "<=":
      return value <= threshold;
    case "<":
      return value < threshold;
    case "==":
      return value === threshold;
  }
}
