// The deployment page's Monitoring tab in a real browser against a real server (SQLite only: the stores are
// tested on both backends by their own tests). The deployment is monitored as seed-monitoring.ts describes:
// a baseline set through the API, two hours of shifted predictions logged, their two windows (both drifting,
// the second with labels) and a firing alert. Screenshots go to test-output/ui/sqlite/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { ALERT_NAME, seedMonitoredDeployment } from "../monitoring/report/seed-monitoring.js";

describe("the Monitoring tab of a deployment", () => {
  let server: TestServer;
  let browser: BrowserContext;
  let page: Page;
  const shot = (name: string) => screenshot(page, "sqlite", `monitoring-${name}`);
  const panel = () => page.getByRole("tabpanel", { name: "Monitoring" });

  before(async () => {
    server = await startTestServer(BACKENDS[0]!, { controller: false, monitor: false });
    await seedMonitoredDeployment(server);
    browser = await launchBrowser({ width: 1400, height: 1000 });
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("opens from the deployment page's tab and keeps the tab in the URL", async () => {
    await page.goto(`${server.url}/deployments/fraud-prod`);
    await page.getByRole("heading", { name: "Traffic" }).waitFor();
    await page.getByRole("tab", { name: "Monitoring" }).click();
    await panel().getByRole("heading", { name: "Monitoring" }).waitFor();
    assert.match(page.url(), /\?tab=monitoring$/);
    assert.equal(await page.getByRole("tab", { name: "Monitoring" }).getAttribute("aria-selected"), "true");
    assert.equal(await page.getByRole("heading", { name: "Traffic" }).count(), 0);
  });

  it("shows a drift heatmap of features × windows, each cell's decision in words", async () => {
    const heatmap = panel().getByRole("table", { name: "Drift heatmap of version 1" });
    await heatmap.waitFor();
    const rows = heatmap.locator("tbody tr");
    assert.deepEqual(await rows.locator("th").allInnerTexts(), ["amount", "color", "prediction: prediction"]);
    // Two windows per feature; the shifted amounts drift in both.
    const amount = rows.first().locator("td");
    assert.equal(await amount.count(), 2);
    // The colour is said in words to screen readers (and in the cell's tooltip).
    const label = (await amount.first().textContent()) ?? "";
    assert.equal(await amount.first().getAttribute("title"), label);
    assert.match(
      label,
      /^amount, window \d{4}-\d\d-\d\d \d\d:00:00: \w+ [\d.e-]+ \(threshold [\d.]+\), alert$/,
    );
    assert.equal(await amount.first().getAttribute("data-level"), "alert");
    await shot("heatmap");
  });

  it("draws the chosen feature's reference vs current distribution and its drift over time", async () => {
    const distribution = (name: string) =>
      panel().getByRole("img", { name: `${name}: reference vs current: reference vs current distribution` });
    await distribution("amount").waitFor();
    await panel()
      .getByText(/^Over the whole range: 2 of 2 input columns drift/)
      .waitFor();
    await panel()
      .getByText(/^whole range: \w+ [\d.e-]+ \(threshold [\d.]+\)/)
      .first()
      .waitFor();
    await panel()
      .getByRole("img", { name: /^Drift of amount over time/ })
      .waitFor();
    await panel().getByLabel("Feature").selectOption("color");
    await distribution("color").waitFor();
    // Bars for red, blue and the new green, on both sides, plus "(other)".
    assert.equal(await distribution("color").locator("rect").count(), 8);
    await panel()
      .getByRole("img", { name: /^Drift of color over time/ })
      .waitFor();
    await distribution("prediction").waitFor();
    await shot("distributions");
  });

  it("shows quality over time once labels exist, and the alerts with their state", async () => {
    await panel().getByText("120 labelled rows over 1 windows.").waitFor();
    await panel().getByRole("img", { name: "Quality over time: line chart" }).waitFor();
    const alerts = panel().getByRole("table", { name: "Alerts" });
    const row = alerts.locator("tbody tr").first();
    assert.equal(await row.locator("td").first().innerText(), ALERT_NAME);
    assert.equal(await row.locator("td").nth(1).innerText(), "firing");
    await shot("quality-alerts");
  });

  it("shows an alert's history after a refresh: a resolved alert beside the firing one", async () => {
    const firing = (await server.app.monitor.alerts.alerts(server.app.database.db, { limit: 1 }))[0];
    assert.ok(firing);
    await server.app.monitor.alerts.insertAlert(server.app.database.db, {
      ...firing,
      id: "a-0",
      ruleName: "prediction drift",
      kind: "prediction_drift",
      state: "resolved",
      firedAt: firing.firedAt - 60_000,
      resolvedAt: firing.firedAt - 30_000,
    });
    await panel().getByRole("button", { name: "Refresh" }).click();
    const rows = panel().getByRole("table", { name: "Alerts" }).locator("tbody tr");
    for (let i = 0; i < 100 && (await rows.count()) < 2; i++) await page.waitForTimeout(50);
    assert.deepEqual(
      await Promise.all([0, 1].map(async (i) => (await rows.nth(i).locator("td").nth(1).innerText()).trim())),
      ["firing", "resolved"],
    );
  });

  it("goes back to the overview", async () => {
    await page.getByRole("tab", { name: "Overview" }).click();
    await page.getByRole("heading", { name: "Traffic" }).waitFor();
    assert.doesNotMatch(page.url(), /tab=/);
  });

  it("lists the firing alerts across deployments on the Monitoring page, each linking to its tab", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Monitoring" }).click();
    await page.getByRole("heading", { name: "Firing now" }).waitFor();
    const firing = page.getByRole("table", { name: "Alerts" }).first().locator("tbody tr");
    await firing.first().waitFor();
    assert.equal(await firing.count(), 1);
    assert.equal((await firing.first().locator("td").nth(1).innerText()).trim(), ALERT_NAME);
    await shot("overview");
    await firing.first().getByRole("link", { name: "fraud-prod" }).click();
    await panel().getByRole("heading", { name: "Monitoring" }).waitFor();
    assert.match(page.url(), /\/deployments\/fraud-prod\?tab=monitoring$/);
  });
});
