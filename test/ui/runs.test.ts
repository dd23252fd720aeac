// The web UI in a real browser against a real server seeded by the real mlflow client: a user finds a run
// by filter, compares runs, reads a run's artifacts and model signature. Screenshots of each page go to
// test-output/ui/<backend>/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

for (const backend of BACKENDS) {
  describe(`the web UI on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    const shot = (name: string) => screenshot(page, backend.name, name);
    const rows = () => page.locator('[aria-label="Run rows"] [role="row"]');
    // Polls from the test side: the app's CSP forbids the string evaluation waitForFunction would need.
    const runRowsToBe = async (n: number) => {
      for (let i = 0; i < 300 && (await rows().count()) !== n; i++) await page.waitForTimeout(50);
      assert.equal(await rows().count(), n);
    };

    before(async () => {
      server = await startTestServer(backend);
      await seedDemo(server.url);
      browser = await launchBrowser();
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("shows a new user the demo experiment on the first page", async () => {
      await page.goto(server.url);
      await page.getByRole("link", { name: "demo-fraud-detection" }).waitFor();
      await shot("experiments");
    });

    it("finds a run by typing an MLflow filter", async () => {
      await page.getByRole("link", { name: "demo-fraud-detection" }).click();
      await rows().first().waitFor();
      assert.equal(await rows().count(), 8);
      await page.getByLabel("Filter runs").fill("params.C = '10.0' and tags.data_version = 'v2024-02-01'");
      await page.getByLabel("Filter runs").press("Enter");
      await runRowsToBe(1);
      assert.match(await rows().first().innerText(), /logreg-C10\.0-2024-02/);
      assert.match(page.url(), /filter=/);
      await shot("runs-filtered");
    });

    it("shows the server's message next to the box for a filter it cannot parse", async () => {
      await page.getByLabel("Filter runs").fill("metrics.val_auc >>> 1");
      await page.getByLabel("Filter runs").press("Enter");
      const alert = page.locator(".filter .field-error");
      await alert.waitFor();
      assert.ok((await alert.innerText()).length > 0);
    });

    it("compares two runs: parameter differences, overlaid histories and a scatter", async () => {
      await page.getByLabel("Filter runs").fill("tags.data_version = 'v2024-02-01'");
      await page.getByLabel("Filter runs").press("Enter");
      await runRowsToBe(4);
      await page.getByLabel("Select run logreg-C10.0-2024-02 for comparison").check();
      await page.getByLabel("Select run logreg-C0.01-2024-02 for comparison").check();
      await page.getByRole("button", { name: /Compare \(2\)/ }).click();
      await page.getByRole("heading", { name: "Compare 2 runs" }).waitFor();
      const cRow = page.locator("table.compare tr", { has: page.getByRole("rowheader", { name: /^C/ }) });
      assert.match((await cRow.getAttribute("class")) ?? "", /diff/);
      await page.getByRole("img", { name: "train_loss: line chart" }).waitFor();
      await page.getByRole("img", { name: /scatter plot/ }).waitFor();
      await shot("compare");
    });

    it("opens a run: parameters, metric history, artifact previews and the model signature", async () => {
      await page.getByRole("link", { name: "logreg-C10.0-2024-02" }).first().click();
      await page.getByRole("heading", { name: /logreg-C10\.0-2024-02/ }).waitFor();
      await page.getByRole("img", { name: "train_loss: line chart" }).waitFor();
      await page.getByRole("button", { name: /reports\// }).click();
      await page.getByRole("button", { name: /summary\.json/ }).click();
      assert.match(await page.locator("pre.file-text").innerText(), /"auc"/);
      await page.getByRole("button", { name: /plots\// }).click();
      await page.getByRole("button", { name: /confusion-\d+\.png/ }).click();
      await page.getByRole("img", { name: /Artifact plots\/confusion/ }).waitFor();
      const inputs = page.locator(".signature table", { hasText: "Inputs" });
      await inputs.waitFor();
      assert.match(await inputs.innerText(), /f0\s+double/);
      await shot("run");
    });

    it("stays usable on a 768 px tablet: navigation on top, tables scroll", async () => {
      await page.setViewportSize({ width: 768, height: 1000 });
      await page.goto(`${server.url}/experiments`);
      await page.getByRole("link", { name: "demo-fraud-detection" }).waitFor();
      const nav = await page.getByRole("navigation", { name: "Main" }).boundingBox();
      assert.ok(nav && nav.y < 120, "navigation sits at the top");
      await shot("experiments-768");
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    it("links to monitoring, which says when no alert is firing", async () => {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Monitoring" }).click();
      await page.getByText("No alert is firing.").waitFor();
    });
  });
}
