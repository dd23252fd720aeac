// A scoped caller's pages are filled from the rows they may read; the edge cases of that loop.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { decodePageToken, encodePageToken, type Page } from "../../src/core/paging.js";
import type { ReadAccess } from "../../src/governance/read-access.js";
import { visiblePage } from "../../src/governance/visible.js";

const restricted = { unrestricted: false } as ReadAccess;

/** The unfiltered result: rows 0..n-1, paged by offset tokens as the registry pages them. */
function rows(n: number) {
  return async (req: {
    maxResults?: number | undefined;
    pageToken?: string | undefined;
  }): Promise<Page<number>> => {
    const offset = decodePageToken(req.pageToken);
    const size = req.maxResults ?? 10;
    const items = Array.from({ length: Math.max(0, Math.min(size, n - offset)) }, (_, i) => offset + i);
    const next = offset + size < n ? encodePageToken(offset + size) : undefined;
    return { items, nextPageToken: next };
  };
}

describe("pages of what a caller may read", () => {
  it("fills a page from readable rows and points the token just past the last row looked at", async () => {
    const page = await visiblePage(restricted, { maxResults: 2 }, rows(10), (n) => n % 3 === 0);
    assert.deepEqual(page.items, [0, 3]);
    assert.equal(decodePageToken(page.nextPageToken), 4);
  });

  it("answers max_results=0 at once with an empty page and no token (it used to loop forever)", async () => {
    const page = await visiblePage(restricted, { maxResults: 0 }, rows(10), () => true);
    assert.deepEqual(page, { items: [], nextPageToken: undefined });
  });
});
