// Stored alert rules and alerts (the firing ones and their history). Every method takes the executor, so an
// alert row, its audit record and its webhook event commit together.
import type { Executor } from "../../store/database.js";
import type { Alert, AlertRule } from "../monitoring.js";

export interface AlertQuery {
  deployment?: string;
  state?: Alert["state"];
  /** Only alerts whose window overlaps [from, to). */
  overlapping?: { from: number; to: number };
  limit: number;
}

export interface AlertStore {
  insertRule(x: Executor, r: AlertRule): Promise<void>;
  rule(x: Executor, id: string): Promise<AlertRule | undefined>;
  /** Ordered by creation; narrowed to the rules naming `deployment` or `model` when given. */
  rules(x: Executor, q?: { deployment?: string; model?: string }): Promise<AlertRule[]>;
  /** Enabled rules that apply to a deployment of `model`: its own and its model's. */
  rulesFor(x: Executor, deployment: string, model: string): Promise<AlertRule[]>;
  deleteRule(x: Executor, id: string): Promise<boolean>;

  insertAlert(x: Executor, a: Alert): Promise<void>;
  /** The firing alert of a rule on one deployment version, if any. */
  firing(x: Executor, ruleId: string, deployment: string, version: string): Promise<Alert | undefined>;
  /** The rule's alerts firing now (on any deployment version). */
  firingOf(x: Executor, ruleId: string): Promise<Alert[]>;
  /** Marks a firing alert resolved; false when it was not firing any more (another writer got there). */
  resolve(x: Executor, id: string, resolvedAt: number): Promise<boolean>;
  markRolledBack(x: Executor, id: string): Promise<void>;
  /** Newest first. */
  alerts(x: Executor, q: AlertQuery): Promise<Alert[]>;
  /** Firing alerts per deployment and rule name (the gauges). */
  firingCounts(x: Executor): Promise<{ deployment: string; rule: string; count: number }[]>;
}
