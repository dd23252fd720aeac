// The HTML report is one self-contained file (no script, nothing loaded from elsewhere), escapes every name
// and message, and draws one chart figure per column with the reference vs current bars and the drift line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildReport } from "../../../src/monitoring/report/build-report.js";
import { renderReportHtml } from "../../../src/monitoring/report/render-html.js";
import { HOSTILE, HOUR, T0, fixtureSources } from "./fixtures.js";

async function html(): Promise<string> {
  return renderReportHtml(await buildReport(fixtureSources(), "fraud", { from: T0, to: T0 + 3 * HOUR }));
}

describe("the HTML monitoring report", () => {
  it("needs nothing outside the file: no script, no src, no href, no url(), no link", async () => {
    const page = await html();
    assert.match(page, /^<!doctype html>/);
    assert.doesNotMatch(page, /<script/i);
    // Attribute names only: escaped text and attribute values (a column named "<img src=x>") are not markup.
    const markup = page.replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(markup, /<[a-z][^>]*\s(src|href|xlink:href)\s*=/i);
    assert.doesNotMatch(page, /url\(|@import|<link|<iframe|<object/i);
  });

  it("escapes every name and message that came from users", async () => {
    const page = await html();
    assert.ok(!page.includes(HOSTILE), "the hostile column name appears raw");
    assert.doesNotMatch(page, /<img/i);
    assert.ok(page.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"));
  });

  it("has a summary and one chart figure per column, each with its two charts", async () => {
    const page = await html();
    assert.match(page, /<dl class="summary">/);
    const figures = page.match(/<figure class="feature"[^>]*>/g) ?? [];
    // Version 1's two inputs and its prediction; version 2 has no baseline and no columns.
    assert.equal(figures.length, 3);
    assert.equal((page.match(/reference vs current distribution"/g) ?? []).length, 3);
    assert.equal((page.match(/drift score over time"/g) ?? []).length, 3);
  });

  it("says each column's decision over the whole range, and the dataset's", async () => {
    const page = await html();
    assert.match(page, /Over the whole range: 2 of 2 input columns drift/);
    assert.match(page, /Whole range: ks p-value [\d.e-]+ \(drifts below 0.05\)/);
  });

  it("lists every decision with its method and thresholds", async () => {
    const page = await html();
    const table = /<table class="decisions">([\s\S]*?)<\/table>/.exec(page)?.[1] ?? "";
    // Three windows × three columns.
    assert.equal((table.match(/<tr><td>/g) ?? []).length, 9);
    assert.match(
      table,
      /<td>amount<\/td><td>input<\/td><td>psi<\/td><td class="num">0.3<\/td><td class="num">0.1<\/td><td class="num">0.05<\/td><td>yes<\/td>/,
    );
  });
});
