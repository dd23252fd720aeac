// The registry in the web UI, in a real browser against a real server seeded by the real mlflow client: a user
// opens a model and its versions (stages, aliases, lineage, signature, history) and rolls Production back in
// one click. Screenshots go to test-output/ui/<backend>/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

for (const backend of BACKENDS) {
  describe(`the registry in the web UI on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    const shot = (name: string) => screenshot(page, backend.name, name);

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

    it("opens a model: versions with stage, aliases, source run and lineage", async () => {
      await page.goto(`${server.url}/models`);
      await page.getByRole("link", { name: "fraud-detector" }).click();
      await page.getByRole("heading", { name: "fraud-detector" }).waitFor();
      const table = page.locator("table.grid", { hasText: "Version 1" });
      await table.waitFor();
      const text = await table.innerText();
      for (const want of ["Production", "Staging", "Archived", "@champion", "v2024-02-01", "deprecated"]) {
        assert.ok(text.includes(want), `versions table shows ${want}`);
      }
      await shot("model");
      await page.getByRole("link", { name: "Version 2", exact: true }).click();
      await page.getByRole("heading", { name: /fraud-detector version 2/ }).waitFor();
      await page.locator(".signature table", { hasText: "Inputs" }).waitFor();
      await shot("model-version");
    });

    it("rolls Production back to the previous version in one click", async () => {
      // The demo deprecates version 1, and a deprecated version is never offered: lift the deprecation first.
      await call(server, "DELETE", "/api/2.0/mlflow/model-versions/delete-tag", {
        name: "fraud-detector",
        version: "1",
        key: "deprecated",
      });
      await page.getByRole("link", { name: "fraud-detector" }).first().click();
      await page
        .getByPlaceholder("Why roll back (kept in the audit log)")
        .fill("Version under test misbehaves");
      await page.getByRole("button", { name: "Roll back to version 1" }).click();
      await page.getByRole("status").filter({ hasText: "version 1 is in Production" }).waitFor();
      const v1 = await call(server, "GET", "/api/2.0/mlflow/model-versions/get", {
        name: "fraud-detector",
        version: "1",
      });
      const v2 = await call(server, "GET", "/api/2.0/mlflow/model-versions/get", {
        name: "fraud-detector",
        version: "2",
      });
      assert.equal(v1.body.model_version.current_stage, "Production");
      assert.equal(v2.body.model_version.current_stage, "Archived");
      await shot("model-rolled-back");
    });
  });
}
