// Builds a DatasetProfile from rows or columns in one pass and bounded memory. Without a reference it decides
// each column's kind and bin edges (a baseline); with one (a current window) it keeps the reference's kinds,
// counts on its bin edges and by its category keys, so drift compares like with like.

import {
  PROFILE_FORMAT,
  type ColumnProfile,
  type DatasetProfile,
  type ProfileSource,
} from "../monitoring.js";
import { CategoricalColumn, categoryKey } from "./categorical-column.js";
import { NumericColumn } from "./numeric-column.js";

/** Model inputs go to `columns`, model outputs to `predictions`. */
export type ProfileRole = "input" | "prediction";

type Column = NumericColumn | CategoricalColumn;

interface RoleState {
  rows: number;
  columns: Map<string, Column>;
  /** Without a reference: columns whose kind is not known yet (only missing values so far). */
  fixed: boolean;
}

export class ProfileBuilder {
  private readonly roles: Record<ProfileRole, RoleState>;

  /**
   * Kinds without a reference: a column is numeric when its values are numbers (bigints and dates count as
   * numbers), categorical when they are strings or booleans. A numeric column that meets a string while it
   * has seen at most SAMPLE_LIMIT values becomes categorical (its numbers counted by their JSON text); after
   * that, values of the other kind count as missing. A column with only missing values is numeric and empty.
   */
  constructor(private readonly reference?: DatasetProfile) {
    this.roles = {
      input: { rows: 0, columns: fromReference(reference?.columns), fixed: reference !== undefined },
      prediction: { rows: 0, columns: fromReference(reference?.predictions), fixed: reference !== undefined },
    };
  }

  /**
   * The fast path: one array per column, `rows` rows (shorter arrays: the rest is missing; typed arrays are
   * read without boxing). With a reference, columns it does not have are ignored.
   */
  addColumns(columns: Record<string, ArrayLike<unknown>>, rows: number, role: ProfileRole = "input"): void {
    const state = this.roles[role];
    for (const [name, values] of Object.entries(columns)) {
      const column = this.column(state, name, values, rows);
      if (column === undefined) continue;
      if (column.kind === "categorical") {
        column.addValues(values, rows);
        continue;
      }
      if (column.addValues(values, rows) > 0 && !state.fixed)
        this.maybeCategorical(state, name, column, values, rows);
    }
    state.rows += rows;
  }

  /** One row (an input example, a CSV line): each key a column. */
  add(row: Record<string, unknown>, role: ProfileRole = "input"): void {
    const columns: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(row)) columns[k] = [v];
    this.addColumns(columns, 1, role);
  }

  build(source: ProfileSource, createdAt: number = Date.now()): DatasetProfile {
    const input = this.roles.input;
    const prediction = this.roles.prediction;
    return {
      format: PROFILE_FORMAT,
      rows: Math.max(input.rows, prediction.rows),
      columns: profiles(input),
      predictions: profiles(prediction),
      source,
      createdAt,
    };
  }

  private column(
    state: RoleState,
    name: string,
    values: ArrayLike<unknown>,
    rows: number,
  ): Column | undefined {
    const existing = state.columns.get(name);
    if (existing !== undefined || state.fixed) return existing;
    const created =
      firstKind(values, rows) === "categorical" ? new CategoricalColumn() : new NumericColumn(name);
    state.columns.set(name, created);
    return created;
  }

  /** A numeric column met strings: it becomes categorical while it still holds every value it saw. */
  private maybeCategorical(
    state: RoleState,
    name: string,
    numeric: NumericColumn,
    values: ArrayLike<unknown>,
    rows: number,
  ): void {
    const seen = numeric.allValues();
    if (seen === null) return;
    const categorical = new CategoricalColumn();
    const carried = new Map<string, number>();
    for (const v of seen) carried.set(String(v), (carried.get(String(v)) ?? 0) + 1);
    for (const [k, c] of carried) categorical.addKey(k, c);
    // The chunk's numbers are already in `seen`; add only its other values.
    const rest: unknown[] = [];
    for (let i = 0; i < Math.min(rows, values.length); i++) {
      const v = values[i];
      if (typeof v !== "number" && typeof v !== "bigint" && !(v instanceof Date) && categoryKey(v) !== null)
        rest.push(v);
    }
    categorical.addValues(rest, rest.length);
    state.columns.set(name, categorical);
  }
}

function fromReference(columns: Record<string, ColumnProfile> | undefined): Map<string, Column> {
  const map = new Map<string, Column>();
  for (const [name, p] of Object.entries(columns ?? {})) {
    map.set(
      name,
      p.kind === "numeric"
        ? new NumericColumn(
            name,
            p.binEdges.length >= 2 ? p.binEdges : [p.min, p.max + (p.max === p.min ? 1 : 0)],
          )
        : new CategoricalColumn(new Set(Object.keys(p.frequencies))),
    );
  }
  return map;
}

function firstKind(values: ArrayLike<unknown>, rows: number): "numeric" | "categorical" {
  for (let i = 0; i < Math.min(rows, values.length); i++) {
    const v = values[i];
    if (typeof v === "string" || typeof v === "boolean") return "categorical";
    if (v !== null && v !== undefined) return "numeric";
  }
  return "numeric";
}

function profiles(state: RoleState): Record<string, ColumnProfile> {
  const out: Record<string, ColumnProfile> = {};
  for (const [name, column] of state.columns) out[name] = column.profile(state.rows - column.n);
  return out;
}
