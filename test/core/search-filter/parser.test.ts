import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { refusesAsInvalidParameter as refuses } from "../../support/invalid-parameter.js";
import { parseFilter, parseOrderBy } from "../../../src/core/search-filter/parser.js";

describe("the shared search-filter parser", () => {
  it("reads an empty or blank filter as no comparisons", () => {
    assert.deepEqual(parseFilter(""), []);
    assert.deepEqual(parseFilter("   "), []);
  });

  it("reads prefixed, backticked and double-quoted keys with their values", () => {
    const [a, b, c] = parseFilter(
      "tags.`my key` = 'it''s' and \"run name\" != \"x\" AND metrics.rmse <= -1.5e2",
    );
    assert.deepEqual(a?.field, { prefix: "tags", key: "my key", position: 0 });
    assert.deepEqual(a?.value, { type: "string", value: "it''s" }, "kept as written, as MLflow does");
    assert.deepEqual(
      [b?.field.key, b?.comparator, b?.value],
      ["run name", "!=", { type: "string", value: "x" }],
    );
    assert.deepEqual([c?.comparator, c?.value], ["<=", { type: "number", value: -150, raw: "-1.5e2" }]);
  });

  it("reads IN lists, <> as != and IS [NOT] NULL", () => {
    const parsed = parseFilter("run_id NOT IN ('a', \"b\") AND name <> 'x' AND tags.t IS NOT NULL");
    assert.deepEqual(
      parsed.map((c) => [c.comparator, c.value]),
      [
        ["NOT IN", { type: "list", value: ["a", "b"] }],
        ["!=", { type: "string", value: "x" }],
        ["IS NOT NULL", { type: "null" }],
      ],
    );
  });

  it("takes a caller's pattern for bare identifiers", () => {
    const [c] = parseFilter("tags.a/b-c = 'x'", { identifier: /^[A-Za-z_]\w*(?:\.[\w.\-/:]*)?/ });
    assert.deepEqual(c?.field, { prefix: "tags", key: "a/b-c", position: 0 });
  });

  it("refuses OR, broken lists, missing values and stray text, naming the position", () => {
    refuses(() => parseFilter("name = 'a' OR name = 'b'"), /OR is not supported.*position 12/);
    refuses(() => parseFilter("name IN ()"), /quoted string in the list/);
    refuses(() => parseFilter("name IN 'a'"), /parenthesized list/);
    refuses(() => parseFilter("name = "), /expected a value/);
    refuses(() => parseFilter("name = 'open"), /unterminated ' quote/);
    refuses(() => parseFilter("name = 'a' ; x"), /unexpected character ';'/);
  });

  it("reads an order_by entry with an optional direction", () => {
    assert.deepEqual(parseOrderBy("metrics.`a b` desc"), {
      field: { prefix: "metrics", key: "a b", position: 0 },
      ascending: false,
    });
    assert.equal(parseOrderBy("name").ascending, true);
    refuses(() => parseOrderBy("name DESC extra"), /end of the order_by clause/);
  });
});
