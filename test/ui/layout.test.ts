// The UI's layout at a desktop width (1400 px) and a tablet width (800 px), measured in a real browser on the
// demo data: nothing is cut off sideways (element boxes against the viewport, or inside a container that
// scrolls), the runs table's columns show their whole header, the audit log wraps JSON between tokens,
// the promote form's fields stay put on a protected target, the model page keeps Description, Tags and
// Promote in view, and run charts are drawn at their real size. Screenshots go to test-output/ui/layout-<width>/.
// page.evaluate callbacks run in the browser:
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const WIDTHS = [1400, 800] as const;

/** The page itself never scrolls sideways: whatever is wider scrolls inside its own container. */
async function assertNoPageOverflow(page: Page, where: string): Promise<void> {
  const { scroll, viewport } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
  }));
  assert.ok(scroll <= viewport, `${where}: the page is ${scroll} px wide in a ${viewport} px viewport`);
}

/** The element's box lies inside the viewport horizontally. */
async function assertInView(locator: Locator, what: string): Promise<void> {
  const box = await locator.boundingBox();
  const width = locator.page().viewportSize()?.width ?? 0;
  assert.ok(box, `${what} is rendered`);
  assert.ok(
    box.x >= 0 && box.x + box.width <= width + 0.5,
    `${what} spans ${box.x}–${box.x + box.width} of ${width} px`,
  );
}

/** The element shows its whole text: nothing hidden behind an ellipsis or clipped by its cell. */
async function assertNotClipped(locator: Locator, what: string): Promise<void> {
  const { scroll, client } = await locator.evaluate((el) => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
  }));
  assert.ok(scroll <= client, `${what} needs ${scroll} px but has ${client} px`);
}

for (const backend of BACKENDS) {
  describe(`the UI's layout on ${backend.name}`, () => {
    let server: TestServer;
    let experimentId: string;
    let runId: string;

    before(async () => {
      server = await startTestServer(backend);
      await seedDemo(server.url);
      const exp = await call(server, "GET", "/api/2.0/mlflow/experiments/get-by-name", {
        experiment_name: "demo-fraud-detection",
      });
      experimentId = exp.body.experiment.experiment_id;
      const runs = await call(server, "POST", "/api/2.0/mlflow/runs/search", {
        experiment_ids: [experimentId],
        filter: "attributes.run_name = 'logreg-C10.0-2024-02'",
      });
      runId = runs.body.runs[0].info.run_id;
    });
    after(async () => {
      await server?.close();
    });

    for (const width of WIDTHS) {
      describe(`at ${width} px`, () => {
        let browser: BrowserContext;
        let page: Page;
        const shot = (name: string) => screenshot(page, `${backend.name}/layout-${width}`, name);

        before(async () => {
          browser = await launchBrowser({ width, height: 900 });
          page = await browser.newPage();
        });
        after(async () => {
          await browser?.close();
        });

        it("shows the runs table's fixed columns whole, and scrolls the rest inside the table", async () => {
          await page.goto(`${server.url}/experiments/${experimentId}`);
          const rows = page.locator('[aria-label="Run rows"] [role="row"]');
          await rows.first().waitFor();
          const headers = page.locator('[role="table"][aria-label="Runs"] [role="columnheader"]');
          for (const [i, name] of [
            [1, "Run"],
            [2, "Status"],
            [3, "Created"],
            [4, "Duration"],
            [5, "User"],
          ] as const) {
            const header = headers.nth(i);
            assert.match(await header.innerText(), new RegExp(name));
            await assertInView(header, `the ${name} column`);
            await assertNotClipped(header, `the ${name} header`);
          }
          // A whole relative time and duration in the first row.
          const cells = rows.first().locator('[role="cell"]');
          await assertNotClipped(cells.nth(3), "the Created cell");
          await assertNotClipped(cells.nth(4), "the Duration cell");
          assert.match(await cells.nth(3).innerText(), /ago|just now/);
          // Columns past the viewport are reached by the table's own scrollbar, which is in view.
          const scroller = page.getByTestId("runs-table-scroll");
          const { scrollWidth, clientWidth, overflowX, bottom } = await scroller.evaluate((el) => ({
            scrollWidth: el.scrollWidth,
            clientWidth: el.clientWidth,
            overflowX: getComputedStyle(el).overflowX,
            bottom: el.getBoundingClientRect().bottom,
          }));
          if (scrollWidth > clientWidth) {
            assert.equal(overflowX, "auto", "a wider table scrolls inside its container");
            assert.ok(bottom <= 900, "the table's horizontal scrollbar is on screen");
          }
          await assertNoPageOverflow(page, "runs page");
          await shot("runs");
        });

        it("draws run charts at their real size with readable labels", async () => {
          await page.goto(`${server.url}/runs/${runId}`);
          const chart = page.getByRole("img", { name: "train_loss: line chart" });
          await chart.waitFor();
          const { drawn, attr, font } = await chart.evaluate((svg) => ({
            drawn: svg.getBoundingClientRect().width,
            attr: Number(svg.getAttribute("width")),
            font: Number(getComputedStyle(svg.querySelector("text") ?? svg).fontSize.replace("px", "")),
          }));
          assert.equal(Math.round(drawn), attr, "not scaled down from a fixed viewBox");
          assert.ok(drawn >= (width >= 1400 ? 480 : 400), `the chart is ${drawn} px wide`);
          assert.ok(font >= 12, `axis labels are ${font} px`);
          await page
            .getByRole("navigation", { name: "Breadcrumb" })
            .getByRole("link", { name: "demo-fraud-detection" })
            .waitFor();
          await assertNoPageOverflow(page, "run page");
          await shot("run");
        });

        it("keeps the model page's Description, Tags and Promote in view", async () => {
          await page.goto(`${server.url}/models/fraud-detector`);
          const firstVersion = page.locator("table.versions tbody tr").first();
          await firstVersion.waitFor();
          for (const label of ["Description", "Tags", "Actions"]) {
            await assertInView(firstVersion.locator(`td[data-label="${label}"]`), `the ${label} cell`);
          }
          await assertInView(firstVersion.getByRole("button", { name: "Promote…" }), "the Promote button");
          await assertNoPageOverflow(page, "model page");
          await shot("model");
        });

        it("keeps the promote form's fields in place when the target is protected", async () => {
          await page.goto(`${server.url}/models/fraud-detector/versions/3`);
          const target = page.getByLabel("Target", { exact: true });
          await target.waitFor();
          const reason = page.getByLabel(/^Reason/);
          await target.selectOption("Archived");
          const open = await reason.boundingBox();
          await target.selectOption("Production");
          await page.getByText(/Production is a protected target|Apply now is disabled/).waitFor();
          const guarded = await reason.boundingBox();
          assert.ok(open && guarded);
          assert.equal(guarded.x, open.x, "the reason field does not move sideways");
          assert.equal(
            (await target.boundingBox())?.x,
            (await reason.boundingBox())?.x,
            "fields share one column",
          );
          await assertNoPageOverflow(page, "version page");
          await shot("version-promote-protected");
        });

        it("wraps the audit log's before/after between tokens, never inside a word", async () => {
          await page.goto(`${server.url}/governance/audit`);
          await page.locator("table.audit td.change").first().waitFor({ state: "attached" });
          // A line break between two letters or digits is a word cut in two; after "-", "/", "," or a space is
          // not. Only a single value wider than its cell may be cut (there is nowhere else to break it).
          const broken = await page.evaluate(() => {
            const found: string[] = [];
            // No helper functions in here: the test runner's transform would name them with a helper the page lacks.
            const range = document.createRange();
            for (const cell of document.querySelectorAll("table.audit td.change")) {
              const style = getComputedStyle(cell);
              const room =
                cell.getBoundingClientRect().width -
                parseFloat(style.paddingLeft) -
                parseFloat(style.paddingRight);
              const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const text = node.textContent ?? "";
                for (const m of text.matchAll(/\S+/g)) {
                  range.setStart(node, m.index);
                  range.setEnd(node, m.index + m[0].length);
                  const rects = [...range.getClientRects()];
                  if (rects.reduce((w, r) => w + r.width, 0) > room) {
                    // A long single value (a URI, an id) may be cut; a whole JSON document run together may not.
                    if (/[,:]["{[]/.test(m[0])) found.push(m[0]);
                    continue;
                  }
                  let lastTop: number | undefined;
                  for (let i = m.index; i < m.index + m[0].length; i++) {
                    range.setStart(node, i);
                    range.setEnd(node, i + 1);
                    const rect = range.getClientRects()[0];
                    if (!rect) continue;
                    const top = Math.round(rect.top);
                    if (lastTop !== undefined && top > lastTop && /\w\w/.test(text.slice(i - 1, i + 1)))
                      found.push(m[0]);
                    lastTop = top;
                  }
                }
              }
            }
            return found;
          });
          assert.deepEqual(broken, [], "words split across lines");
          await assertNoPageOverflow(page, "audit page");
          await shot("audit");
        });

        it("lays out the experiments and compare pages without sideways overflow", async () => {
          await page.goto(`${server.url}/experiments`);
          await page.getByRole("link", { name: "demo-fraud-detection" }).waitFor();
          await assertNoPageOverflow(page, "experiments page");
          await shot("experiments");
          await page.goto(`${server.url}/experiments/${experimentId}?view=chart`);
          await page.getByRole("img", { name: "val_auc: bar chart" }).waitFor();
          await assertNoPageOverflow(page, "chart view");
          await shot("runs-chart-view");
        });
      });
    }
  });
}
