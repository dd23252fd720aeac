// The experiments page a new user lands on, in a real browser against a fresh server: with no run anywhere
// it says how to log one; once a run lands in the Default experiment (mlflow.start_run() without
// set_experiment does that), it lists Default instead of calling the server empty.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

for (const backend of BACKENDS) {
  describe(`the experiments page of a new server on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;

    before(async () => {
      server = await startTestServer(backend);
      browser = await launchBrowser({ width: 1400, height: 900 });
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("tells a new user how to log a first run while there is none", async () => {
      await page.goto(`${server.url}/experiments`);
      await page.getByText("No experiments with runs yet.").waitFor();
      await page.getByText(/export MLFLOW_TRACKING_URI=/).waitFor();
    });

    it("lists the Default experiment, without the empty-server hint, once it has a run", async () => {
      const run = await call(server, "POST", "/api/2.0/mlflow/runs/create", {
        experiment_id: "0",
        start_time: Date.now(),
      });
      assert.equal(run.status, 200, JSON.stringify(run.body));
      await page.reload();
      await page.getByRole("link", { name: "Default" }).waitFor();
      assert.equal(await page.getByText("No experiments with runs yet.").count(), 0);
      await screenshot(page, backend.name, "experiments-default-with-a-run");
    });
  });
}
