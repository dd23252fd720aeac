import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { refusesAsInvalidParameter as refuses } from "../support/invalid-parameter.js";
import { parseRunsFilter, parseRunsOrderBy } from "../../src/tracking/search/runs-filter.js";
import {
  parseExperimentsFilter,
  parseExperimentsOrderBy,
} from "../../src/tracking/search/experiments-filter.js";

describe("runs filter grammar", () => {
  it("reads every key kind under each of its prefix aliases", () => {
    for (const prefix of ["metric", "metrics"]) {
      assert.deepEqual(parseRunsFilter(`${prefix}.rmse < 1.5`), [
        { kind: "metric", key: "rmse", comparator: "<", value: 1.5 },
      ]);
    }
    for (const prefix of ["param", "params", "parameter", "parameters"]) {
      assert.equal(parseRunsFilter(`${prefix}.lr = '0.1'`)[0]?.kind, "param");
    }
    for (const prefix of ["tag", "tags"]) assert.equal(parseRunsFilter(`${prefix}.t = 'x'`)[0]?.kind, "tag");
    for (const prefix of ["attribute", "attributes", "attr", "run"]) {
      assert.equal(parseRunsFilter(`${prefix}.status = 'FINISHED'`)[0]?.kind, "attribute");
    }
    for (const prefix of ["dataset", "datasets"]) {
      assert.equal(parseRunsFilter(`${prefix}.name = 'iris'`)[0]?.kind, "dataset");
    }
    assert.equal(parseRunsFilter("status = 'RUNNING'")[0]?.kind, "attribute");
  });

  it("reads backticked and double-quoted keys, and both string quotes", () => {
    assert.deepEqual(parseRunsFilter("metrics.`my metric` >= -2e3"), [
      { kind: "metric", key: "my metric", comparator: ">=", value: -2000 },
    ]);
    assert.deepEqual(parseRunsFilter(`tags."a b" = "it's"`), [
      { kind: "tag", key: "a b", comparator: "=", value: "it's" },
    ]);
    // MLflow strips the outer quotes and unescapes nothing; so does Flowgate, so results match.
    assert.deepEqual(parseRunsFilter("params.x = 'don''t'"), [
      { kind: "param", key: "x", comparator: "=", value: "don''t" },
    ]);
    assert.deepEqual(parseRunsFilter(String.raw`params.path = 'C:\new' AND tags.q = 'it\'s'`), [
      { kind: "param", key: "path", comparator: "=", value: String.raw`C:\new` },
      { kind: "tag", key: "q", comparator: "=", value: String.raw`it\'s` },
    ]);
    assert.deepEqual(parseRunsFilter("\"run name\" = 'r'"), [
      { kind: "attribute", key: "run_name", comparator: "=", value: "r" },
    ]);
    assert.equal(parseRunsFilter("tags.mlflow.source.name = 'x'")[0]?.key, "mlflow.source.name");
  });

  it("maps attribute aliases to columns: run name, created", () => {
    assert.equal(parseRunsFilter("attributes.run_name LIKE 'a%'")[0]?.key, "run_name");
    assert.equal(parseRunsFilter("attributes.created > 5")[0]?.key, "start_time");
    assert.equal(parseRunsFilter("attributes.`run name` = 'a'")[0]?.key, "run_name");
  });

  it("reads IN and NOT IN lists, IS NULL and IS NOT NULL, and AND in any case", () => {
    assert.deepEqual(
      parseRunsFilter("attributes.run_id IN ('a', 'b') and params.p IS NULL AND tags.t is not null"),
      [
        { kind: "attribute", key: "run_id", comparator: "IN", value: ["a", "b"] },
        { kind: "param", key: "p", comparator: "IS NULL", value: null },
        { kind: "tag", key: "t", comparator: "IS NOT NULL", value: null },
      ],
    );
    assert.equal(parseRunsFilter("run_id NOT IN ('a')")[0]?.comparator, "NOT IN");
  });

  it("refuses what MLflow refuses, pointing at the place", () => {
    refuses(() => parseRunsFilter("metrics.a = 'x'"), /must be compared with a number/);
    refuses(() => parseRunsFilter("metrics.a LIKE 1"), /comparator 'LIKE' is not allowed for metrics/);
    refuses(() => parseRunsFilter("params.a > '1'"), /comparator '>' is not allowed for params/);
    refuses(() => parseRunsFilter("params.a = 1"), /quoted string/);
    refuses(() => parseRunsFilter("status IN ('A')"), /only the 'run_id' attribute/);
    refuses(() => parseRunsFilter("start_time = 'x'"), /numeric attribute/);
    refuses(() => parseRunsFilter("start_time LIKE 1"), /not allowed/);
    refuses(() => parseRunsFilter("foo.bar = 'x'"), /unknown entity type 'foo' .* at position 1/);
    refuses(() => parseRunsFilter("attributes.nope = 'x'"), /invalid attribute key 'nope'/);
    refuses(() => parseRunsFilter("datasets.size = 'x'"), /invalid dataset key 'size'/);
    refuses(() => parseRunsFilter("metrics.a > 1 OR metrics.b > 2"), /OR is not supported .* position 15/);
    refuses(
      () => parseRunsFilter("metrics.a > 1 metrics.b > 2"),
      /expected AND or the end but found 'metrics.b'/,
    );
    refuses(() => parseRunsFilter("metrics.a >"), /expected a value.* found the end of the expression/);
    refuses(() => parseRunsFilter("metrics.a 5"), /expected a comparator/);
    refuses(() => parseRunsFilter("params.a = 'open"), /unterminated ' quote/);
    refuses(() => parseRunsFilter("params.a = 'x' ; drop table runs"), /unexpected character ';'/);
    refuses(() => parseRunsFilter("(metrics.a > 1)"), /expected a key/);
    refuses(() => parseRunsFilter("metrics. = 1"), /missing key after 'metrics.'/);
    refuses(() => parseRunsFilter("run_id IN ('a', 2)"), /quoted string in the list/);
  });

  it("reads order_by entries with directions and refuses duplicates and unknown keys", () => {
    assert.deepEqual(
      parseRunsOrderBy(["metrics.rmse DESC", "params.`a b`", "attributes.start_time asc", "tags.t"]),
      [
        { kind: "metric", key: "rmse", ascending: false },
        { kind: "param", key: "a b", ascending: true },
        { kind: "attribute", key: "start_time", ascending: true },
        { kind: "tag", key: "t", ascending: true },
      ],
    );
    assert.deepEqual(parseRunsOrderBy(["run_name"]), [
      { kind: "attribute", key: "run_name", ascending: true },
    ]);
    refuses(() => parseRunsOrderBy(["metrics.a", "metric.a DESC"]), /duplicate/);
    refuses(() => parseRunsOrderBy(["metrics.a sideways"]), /expected ASC, DESC/);
    refuses(() => parseRunsOrderBy(["attributes.nope"]), /invalid attribute key/);
    refuses(() => parseRunsOrderBy(["datasets.name"]), /cannot be used in order_by/);
  });
});

describe("experiments filter grammar", () => {
  it("reads name, time and tag comparisons", () => {
    assert.deepEqual(parseExperimentsFilter("name ILIKE '%a%' and creation_time > 5 and tags.k != 'v'"), [
      { kind: "attribute", key: "name", comparator: "ILIKE", value: "%a%" },
      { kind: "attribute", key: "creation_time", comparator: ">", value: 5 },
      { kind: "tag", key: "k", comparator: "!=", value: "v" },
    ]);
    assert.deepEqual(parseExperimentsOrderBy(["last_update_time DESC"]), [
      { key: "last_update_time", ascending: false },
    ]);
  });

  it("refuses other keys, comparators and order_by keys", () => {
    refuses(() => parseExperimentsFilter("lifecycle_stage = 'active'"), /invalid attribute key/);
    refuses(() => parseExperimentsFilter("name < 'a'"), /not allowed/);
    refuses(() => parseExperimentsFilter("metrics.a > 1"), /unknown entity type 'metrics'/);
    refuses(() => parseExperimentsOrderBy(["tags.a"]), /can be ordered by/);
  });
});
