// The SDK's and the UI's API types are generated from the server's OpenAPI document: the committed files
// must be what `npm run openapi:types` writes for the current route schemas.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { GENERATED_FILES, generatedTypes } from "../../scripts/openapi-types.js";

describe("the generated API types", () => {
  it("match the current OpenAPI document (run `npm run openapi:types` after changing a route schema)", async () => {
    const expected = await generatedTypes();
    for (const file of GENERATED_FILES) {
      assert.ok(
        readFileSync(file, "utf8") === expected,
        `${path.basename(path.dirname(file))}/${path.basename(file)} is stale: run npm run openapi:types`,
      );
    }
  });
});
