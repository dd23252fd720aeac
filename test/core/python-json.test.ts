import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { pythonJsonDumps } from "../../src/core/python-json.js";

describe("JSON text as Python's json.dumps writes it", () => {
  it("separates with ', ' and ': ', keeps integers integers", () => {
    assert.equal(
      pythonJsonDumps([
        { name: "model", version: 1 },
        { name: "b", version: 12 },
      ]),
      '[{"name": "model", "version": 1}, {"name": "b", "version": 12}]',
    );
    assert.equal(pythonJsonDumps([]), "[]");
    assert.equal(pythonJsonDumps({}), "{}");
  });

  it("escapes non-ASCII as \\uXXXX (ensure_ascii) and quotes as JSON does", () => {
    assert.equal(pythonJsonDumps({ name: 'Modèle "β"' }), '{"name": "Mod\\u00e8le \\"\\u03b2\\""}');
    assert.equal(pythonJsonDumps([true, null, 1.5]), "[true, null, 1.5]");
  });
});
