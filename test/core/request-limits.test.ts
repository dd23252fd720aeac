// The limits every request obeys before any handler runs (api/request-values.ts), every search filter obeys
// (core/search-filter/search-limits.ts), page tokens obey (core/paging.ts), and how errors quote values
// (core/value-preview.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkRequestValue, MAX_JSON_DEPTH, parseJsonBody } from "../../src/api/request-values.js";
import { parseFilter } from "../../src/core/search-filter/parser.js";
import { SEARCH_LIMITS } from "../../src/core/search-filter/search-limits.js";
import { decodePageToken, encodePageToken, MAX_PAGE_OFFSET } from "../../src/core/paging.js";
import { previewValue, PREVIEW_LENGTH } from "../../src/core/value-preview.js";
import { refusesAsInvalidParameter } from "../support/invalid-parameter.js";

function nested(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

describe("request bodies and query values", () => {
  it("are JSON objects; an empty body is no fields", () => {
    assert.deepEqual(parseJsonBody("  "), {});
    assert.deepEqual(parseJsonBody('{"a":1}'), { a: 1 });
    for (const body of ["null", "[]", "1", '"x"', "false"]) {
      refusesAsInvalidParameter(() => parseJsonBody(body), /must be a JSON object/);
    }
  });

  it(`nest at most ${MAX_JSON_DEPTH} levels, checked without recursion even for absurd depths`, () => {
    assert.doesNotThrow(() => parseJsonBody(`{"v":${nested(MAX_JSON_DEPTH - 1)}}`));
    refusesAsInvalidParameter(() => parseJsonBody(`{"v":${nested(MAX_JSON_DEPTH)}}`), /nest at most/);
    refusesAsInvalidParameter(() => parseJsonBody(`{"v":${nested(100_000)}}`), /nest at most/);
  });

  it("hold no U+0000 in any string or key, however deep", () => {
    refusesAsInvalidParameter(
      () => checkRequestValue({ a: [{ b: "x\u0000" }] }, "the body"),
      /a\.0\.b.*U\+0000/,
    );
    refusesAsInvalidParameter(() => checkRequestValue({ "k\u0000": 1 }, "the body"), /U\+0000/);
    refusesAsInvalidParameter(() => checkRequestValue({ name: ["a", "b\u0000"] }, "the query"), /U\+0000/);
    assert.doesNotThrow(() => checkRequestValue({ a: "\u0001 é 🚀", n: 1, z: null }, "the body"));
  });
});

describe("search filters", () => {
  it(`join at most ${SEARCH_LIMITS.maxComparisons} comparisons`, () => {
    const filter = (n: number): string => Array.from({ length: n }, () => "params.p = 'a'").join(" and ");
    assert.equal(parseFilter(filter(SEARCH_LIMITS.maxComparisons)).length, SEARCH_LIMITS.maxComparisons);
    refusesAsInvalidParameter(
      () => parseFilter(filter(SEARCH_LIMITS.maxComparisons + 1)),
      /at most 100 comparisons/,
    );
  });

  it(`list at most ${SEARCH_LIMITS.maxListValues} values in all their IN lists together`, () => {
    const list = (n: number): string => `(${Array.from({ length: n }, (_, i) => `'${i}'`).join(",")})`;
    assert.doesNotThrow(() => parseFilter(`run_id IN ${list(500)} and run_id NOT IN ${list(500)}`));
    refusesAsInvalidParameter(
      () => parseFilter(`run_id IN ${list(500)} and run_id NOT IN ${list(501)}`),
      /at most 1000 values/,
    );
  });
});

describe("page tokens", () => {
  it("carry offsets up to MAX_PAGE_OFFSET; a larger one is a forged token", () => {
    assert.equal(decodePageToken(encodePageToken(MAX_PAGE_OFFSET)), MAX_PAGE_OFFSET);
    for (const offset of [MAX_PAGE_OFFSET + 1, 1e20, -1, 1.5]) {
      refusesAsInvalidParameter(() => decodePageToken(encodePageToken(offset)), /page token/);
    }
  });
});

describe("error messages", () => {
  it("quote at most a short prefix of a value, with its length", () => {
    const preview = previewValue("x".repeat(3_000_000));
    assert.ok(preview.length < PREVIEW_LENGTH + 40);
    assert.match(preview, /3000002 characters/);
    assert.equal(previewValue("short"), '"short"');
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.ok(previewValue(deep).length <= PREVIEW_LENGTH + 40);
  });
});
