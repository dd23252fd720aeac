// The runs page's views and filters, as MLflow 3's runs page offers them, in a real browser on the demo data:
// a chart view that plots each metric across runs in each run's colour, group-by on a param or tag, status /
// start-time / lifecycle filters sent to the server, relative start times, and a compact list view.
// Screenshots go to test-output/ui/<backend>/.
// page.evaluate callbacks run in the browser:
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

for (const backend of BACKENDS) {
  describe(`the runs page's views and filters on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    let experimentId: string;
    const shot = (name: string) => screenshot(page, backend.name, name);
    const rows = () => page.locator('[aria-label="Run rows"] [role="row"]');
    // Polls from the test side: the app's CSP forbids the string evaluation waitForFunction would need.
    const until = async (what: string, check: () => Promise<boolean>) => {
      for (let i = 0; i < 300 && !(await check()); i++) await page.waitForTimeout(50);
      assert.ok(await check(), what);
    };
    const rowsToBe = (n: number) => until(`${n} rows`, async () => (await rows().count()) === n);

    before(async () => {
      server = await startTestServer(backend);
      await seedDemo(server.url);
      const exp = await call(server, "GET", "/api/2.0/mlflow/experiments/get-by-name", {
        experiment_name: "demo-fraud-detection",
      });
      experimentId = exp.body.experiment.experiment_id;
      browser = await launchBrowser({ width: 1400, height: 1000 });
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("shows when each run started relative to now, with the exact time on hover", async () => {
      await page.goto(`${server.url}/experiments/${experimentId}`);
      await rowsToBe(8);
      const created = rows().first().locator('[role="cell"]').nth(3);
      assert.match(await created.innerText(), /^(just now|\d+ (seconds?|minutes?) ago)$/);
      assert.match((await created.getAttribute("title")) ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    });

    it("plots each metric across runs in the chart view, each run in the colour it has in the table", async () => {
      const swatch = rows().first().locator(".swatch");
      const name = await rows().first().getByRole("link").innerText();
      const tableColor = await swatch.evaluate((el) => String(getComputedStyle(el).backgroundColor));
      await page.getByRole("group", { name: "View" }).getByRole("button", { name: "Chart" }).click();
      assert.match(page.url(), /view=chart/);
      const bars = page.getByRole("img", { name: "val_auc: bar chart" });
      await bars.waitFor();
      assert.equal(await bars.locator("rect").count(), 8, "one bar per run");
      const history = page.getByRole("img", { name: "train_loss: line chart" });
      await history.waitFor();
      assert.equal(await history.locator("polyline").count(), 8, "one line per run");
      // The run's bar is drawn in the run's table colour.
      const bar = bars.locator("rect", { has: page.locator("title", { hasText: `${name}:` }) });
      const barColor = await bar.evaluate((el) => String(getComputedStyle(el).fill));
      assert.equal(barColor, tableColor);
      await shot("runs-chart-view");
    });

    it("charts only the runs ticked in the list beside the charts", async () => {
      await page.getByLabel("Chart run logreg-C10.0-2024-02").check();
      await page.getByLabel("Chart run logreg-C0.01-2024-02").check();
      const bars = page.getByRole("img", { name: "val_auc: bar chart" });
      await until("two bars", async () => (await bars.locator("rect").count()) === 2);
      await page.getByLabel("Chart run logreg-C10.0-2024-02").uncheck();
      await page.getByLabel("Chart run logreg-C0.01-2024-02").uncheck();
    });

    it("groups runs by a parameter, in the table and in the charts", async () => {
      await page.getByLabel("Group by").selectOption("p:data_version");
      await page.getByText("2 groups, each the mean of its runs.").waitFor();
      const bars = page.getByRole("img", { name: "val_auc: bar chart" });
      await until("one bar per group", async () => (await bars.locator("rect").count()) === 2);
      assert.match((await bars.textContent()) ?? "", /data_version = v2024-01-15 \(4\)/);
      await shot("runs-chart-grouped");
      await page.getByRole("group", { name: "View" }).getByRole("button", { name: "Table" }).click();
      await rowsToBe(10); // two group rows and eight runs
      const group = page.getByRole("button", { name: /data_version = v2024-02-01/ });
      assert.equal(await group.getAttribute("aria-expanded"), "true");
      await shot("runs-grouped");
      await group.click();
      await rowsToBe(6);
      assert.match(page.url(), /group=p%3Adata_version/);
      await page.getByLabel("Group by").selectOption("");
      await rowsToBe(8);
    });

    it("filters by status, start time and lifecycle on the server, together with a typed filter", async () => {
      await page.getByLabel("Status").selectOption("FAILED");
      await page.getByText("No runs match these filters.").waitFor();
      await page.getByLabel("Status").selectOption("FINISHED");
      await rowsToBe(8);
      await page.getByLabel("Created", { exact: true }).selectOption("1h");
      await rowsToBe(8);
      await page.getByLabel("Filter runs").fill("params.C = '10.0'");
      await page.getByLabel("Filter runs").press("Enter");
      await rowsToBe(2);
      assert.match(page.url(), /status=FINISHED/);
      assert.match(page.url(), /since=1h/);
      await shot("runs-filtered-quick");
      // A deleted run appears under State: Deleted only.
      const victim = await call(server, "POST", "/api/2.0/mlflow/runs/search", {
        experiment_ids: [experimentId],
        filter: "attributes.run_name = 'logreg-C10.0-2024-01'",
      });
      await call(server, "POST", "/api/2.0/mlflow/runs/delete", { run_id: victim.body.runs[0].info.run_id });
      await page.getByLabel("State").selectOption("deleted");
      await rowsToBe(1);
      assert.match(await rows().first().innerText(), /logreg-C10\.0-2024-01/);
      await page.getByRole("button", { name: "Reset filters" }).click();
      await rowsToBe(1); // the typed filter stays: C = 10.0, the other run is deleted
      await page.getByRole("button", { name: "Clear" }).click();
      await rowsToBe(7);
    });

    it("keeps showing the server's message for a typed filter it cannot parse", async () => {
      await page.getByLabel("Status").selectOption("FINISHED");
      await page.getByLabel("Filter runs").fill("metrics.val_auc >>> 1");
      await page.getByLabel("Filter runs").press("Enter");
      const alert = page.locator(".filter .field-error");
      await alert.waitFor();
      assert.ok((await alert.innerText()).length > 0);
      await page.getByRole("button", { name: "Clear" }).click();
      await page.getByRole("button", { name: "Reset filters" }).click();
      await rowsToBe(7);
    });

    it("lists runs compactly with every metric and parameter inline", async () => {
      await page.getByRole("group", { name: "View" }).getByRole("button", { name: "List" }).click();
      const lines = page.locator("li.run-line");
      await until("seven run lines", async () => (await lines.count()) === 7);
      const first = await lines.first().innerText();
      for (const want of ["val_auc", "train_loss", "C=", "data_version="])
        assert.ok(first.includes(want), want);
      await shot("runs-list-view");
    });
  });
}
