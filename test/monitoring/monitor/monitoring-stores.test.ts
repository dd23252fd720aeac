// The window and alert stores on SQLite and PostgreSQL: a recomputed window overwrites its row, ranges and
// versions narrow the listing, stale windows (computed before labels arrived) are found, retention deletes;
// rules apply to their deployment and to every deployment of their model; one alert fires and resolves once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BACKENDS } from "../../support/backends.js";
import { openDatabase, type Database } from "../../../src/store/database.js";
import { createSqlWindowStore } from "../../../src/monitoring/monitor/sql-window-store.js";
import { createSqlAlertStore } from "../../../src/monitoring/alerts/sql-alert-store.js";
import type { Alert, AlertRule, MonitoringWindow } from "../../../src/monitoring/monitoring.js";

const windows = createSqlWindowStore();
const alerts = createSqlAlertStore();
const H = 3_600_000;
const T = 1_800_000_000_000;

function win(version: string, k: number, extra: Partial<MonitoringWindow> = {}): MonitoringWindow {
  return {
    deployment: "fraud",
    version,
    start: T + k * H,
    end: T + (k + 1) * H,
    rows: 10,
    computedAt: T + (k + 1) * H,
    ...extra,
  };
}

const rule: AlertRule = {
  id: "rule-1",
  name: "input drift (PSI)",
  model: "fraud-model",
  kind: "data_drift",
  method: "psi",
  threshold: 0.2,
  forWindows: 2,
  severity: "warning",
  rollbackCanary: true,
  enabled: true,
  createdAt: T,
  createdBy: "alice",
};

for (const backend of BACKENDS) {
  describe(`monitoring stores (${backend.name})`, () => {
    let database: Database;
    before(async () => {
      database = await openDatabase(await backend.freshUri());
    });
    after(() => database.close());

    it("stores windows, overwrites a recomputed one, lists by range and version, finds stale ones", async () => {
      const db = database.db;
      for (const k of [0, 1, 2]) await windows.put(db, win("1", k));
      await windows.put(db, win("2", 2));
      const quality = { task: "classification" as const, labelled: 4, accuracy: 0.75 };
      await windows.put(db, win("1", 1, { quality, computedAt: T + 10 * H }));
      const all = await windows.list(db, "fraud", { limit: 100 });
      assert.deepEqual(
        all.map((w) => [w.version, w.start - T]),
        [
          ["1", 0],
          ["1", H],
          ["1", 2 * H],
          ["2", 2 * H],
        ],
      );
      assert.deepEqual(all[1]?.quality, quality);
      assert.equal((await windows.list(db, "fraud", { from: T + H, to: T + 2 * H, limit: 100 })).length, 1);
      assert.equal((await windows.list(db, "fraud", { version: "2", limit: 100 })).length, 1);
      assert.deepEqual(
        (await windows.recent(db, "fraud", "1", T + 3 * H, 2)).map((w) => w.start - T),
        [2 * H, H],
      );
      assert.equal(await windows.lastEnd(db, "fraud"), T + 3 * H);
      assert.equal(await windows.lastEnd(db, "other"), undefined);
      assert.deepEqual(await windows.staleRanges(db, "fraud", T, T + 5 * H, 10), [
        { start: T, end: T + H },
        { start: T + 2 * H, end: T + 3 * H },
      ]);
      await windows.expire(db, "fraud", T + 2 * H);
      assert.equal(
        (await windows.list(db, "fraud", { limit: 100 })).length,
        3,
        "the window ending before it is gone",
      );
    });

    it("keeps rules per deployment or model and alerts firing until resolved", async () => {
      const db = database.db;
      await alerts.insertRule(db, rule);
      await alerts.insertRule(db, {
        ...rule,
        id: "rule-2",
        model: undefined,
        deployment: "other",
        createdAt: T + 1,
      });
      await alerts.insertRule(db, { ...rule, id: "rule-3", enabled: false, createdAt: T + 2 });
      assert.deepEqual(await alerts.rule(db, "rule-1"), rule);
      assert.deepEqual(
        (await alerts.rulesFor(db, "fraud", "fraud-model")).map((r) => r.id),
        ["rule-1"],
      );
      assert.deepEqual(
        (await alerts.rules(db, { deployment: "other" })).map((r) => r.id),
        ["rule-2"],
      );
      const alert: Alert = {
        id: "a-1",
        ruleId: "rule-1",
        ruleName: rule.name,
        deployment: "fraud",
        version: "2",
        kind: "data_drift",
        severity: "warning",
        state: "firing",
        value: 0.31,
        threshold: 0.2,
        message: "column age psi 0.31 > 0.2",
        windowStart: T,
        windowEnd: T + H,
        firedAt: T + H,
      };
      await alerts.insertAlert(db, alert);
      assert.deepEqual(await alerts.firing(db, "rule-1", "fraud", "2"), alert);
      assert.deepEqual(await alerts.firingCounts(db), [{ deployment: "fraud", rule: rule.name, count: 1 }]);
      await alerts.markRolledBack(db, "a-1");
      assert.equal(await alerts.resolve(db, "a-1", T + 2 * H), true);
      assert.equal(await alerts.resolve(db, "a-1", T + 3 * H), false, "resolved once");
      assert.equal(await alerts.firing(db, "rule-1", "fraud", "2"), undefined);
      const [stored] = await alerts.alerts(db, { deployment: "fraud", state: "resolved", limit: 10 });
      assert.deepEqual(stored, { ...alert, state: "resolved", resolvedAt: T + 2 * H, rolledBack: true });
      const overlapping = (from: number, to: number) =>
        alerts.alerts(db, { deployment: "fraud", overlapping: { from, to }, limit: 10 });
      assert.equal((await overlapping(T + H / 2, T + 5 * H)).length, 1, "a range overlapping its window");
      assert.equal((await overlapping(T + H, T + 5 * H)).length, 0, "a range starting where its window ends");
      assert.equal((await overlapping(T - H, T)).length, 0, "a range ending where its window starts");
      assert.equal(await alerts.deleteRule(db, "rule-2"), true);
      assert.equal(await alerts.deleteRule(db, "rule-2"), false);
    });
  });
}
