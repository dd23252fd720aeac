// Editing in place, in a real browser against a real server seeded by the real mlflow client: a model's
// description and tags, a version's description and tags, and a run's description. Each edit goes through the
// MLflow API route the mlflow client uses, so it is in the audit log; a reload shows it; a refusal shows the
// server's own message. Rollback never offers a deprecated version. Screenshots go to test-output/ui/<backend>/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * Clicks Save and waits until the saved text is shown (the page reloads it from the server after the save), or
 * fails with the error the page shows. A reload before that would cancel a save still in flight.
 */
async function saveAndSee(page: Page, text: string): Promise<void> {
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const shown = page.getByText(text, { exact: true });
  const refused = page.locator(".edit-form .field-error");
  await shown.or(refused).first().waitFor({ timeout: 60_000 });
  if (await refused.isVisible()) assert.fail(`the save was refused: ${await refused.innerText()}`);
}

for (const backend of BACKENDS) {
  describe(`in-place editing on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    const shot = (name: string) => screenshot(page, backend.name, name);
    const model = async (): Promise<{ description?: string; tags: { key: string }[] }> => {
      const res = await call(server, "GET", "/api/2.0/mlflow/registered-models/get", {
        name: "fraud-detector",
      });
      const found = res.body.registered_model as { description?: string; tags?: { key: string }[] };
      return { ...found, tags: found.tags ?? [] };
    };

    before(async () => {
      server = await startTestServer(backend);
      await seedDemo(server.url);
      browser = await launchBrowser({ width: 1400, height: 1000 });
      page = await browser.newPage();
      // On a loaded CI machine (2 CPUs, the delivery suites beside these) a reload once took over the default
      // 30 s to show a saved description; saveAndSee allows 60 s for the same reason.
      page.setDefaultTimeout(60_000);
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("edits a model's description in place; a reload shows it and the audit log records it", async () => {
      await page.goto(`${server.url}/models/fraud-detector`);
      await page.getByRole("button", { name: "Edit model description" }).click();
      const box = page.getByLabel("Model description", { exact: true });
      await box.fill("Scores card transactions; retrained monthly.");
      await shot("model-description-editing");
      await saveAndSee(page, "Scores card transactions; retrained monthly.");
      await page.reload();
      await page.getByText("Scores card transactions; retrained monthly.", { exact: true }).waitFor();
      assert.equal((await model()).description, "Scores card transactions; retrained monthly.");
      const audit = await call(server, "GET", "/api/flowgate/v1/audit", {
        target_type: "registered_model",
        target_id: "fraud-detector",
      });
      assert.ok(
        JSON.stringify(audit.body.events).includes("retrained monthly"),
        "the change is in the audit log",
      );
    });

    it("adds and removes a model tag in place", async () => {
      await page.getByLabel("Tag key").fill("owner");
      await page.getByLabel("Tag value").fill("risk-ml");
      await page.getByRole("button", { name: "Set tag" }).click();
      await page.getByText("owner=risk-ml").waitFor();
      await page.reload();
      await page.getByText("owner=risk-ml").waitFor();
      assert.ok((await model()).tags.some((t) => t.key === "owner"));
      await shot("model-tags-edited");
      await page.getByRole("button", { name: "Remove tag owner" }).click();
      await page.getByText("owner=risk-ml").waitFor({ state: "detached" });
      await page.reload();
      await page.getByRole("heading", { name: "fraud-detector" }).waitFor();
      assert.equal(await page.getByText("owner=risk-ml").count(), 0);
      assert.ok(!(await model()).tags.some((t) => t.key === "owner"));
    });

    it("shows the server's message when it refuses an edit", async () => {
      await page.getByLabel("Tag key").fill("k".repeat(300));
      await page.getByLabel("Tag value").fill("x");
      await page.getByRole("button", { name: "Set tag" }).click();
      const alert = page.locator(".editable-tags .field-error");
      await alert.waitFor();
      assert.match(await alert.innerText(), /INVALID_PARAMETER_VALUE/);
      await shot("model-tag-refused");
    });

    it("never offers a deprecated version for rollback, until its deprecation is removed", async () => {
      await page.reload();
      await page.getByText("No earlier archived version to roll back to").waitFor();
      await page.goto(`${server.url}/models/fraud-detector/versions/1`);
      await page.getByRole("button", { name: "Remove tag deprecated" }).click();
      await page.getByRole("button", { name: "Remove tag deprecated" }).waitFor({ state: "detached" });
      await page.goto(`${server.url}/models/fraud-detector`);
      await page.getByRole("button", { name: "Roll back to version 1" }).waitFor();
    });

    it("edits a version's description in place", async () => {
      await page.goto(`${server.url}/models/fraud-detector/versions/2`);
      await page.getByRole("button", { name: "Edit version description" }).click();
      await page.getByLabel("Version description", { exact: true }).fill("Champion since February.");
      await saveAndSee(page, "Champion since February.");
      await page.reload();
      await page.getByText("Champion since February.", { exact: true }).waitFor();
      const v2 = await call(server, "GET", "/api/2.0/mlflow/model-versions/get", {
        name: "fraud-detector",
        version: "2",
      });
      assert.equal(v2.body.model_version.description, "Champion since February.");
    });

    it("edits a run's description in place, stored where MLflow keeps it", async () => {
      const runId = (
        await call(server, "GET", "/api/2.0/mlflow/model-versions/get", {
          name: "fraud-detector",
          version: "2",
        })
      ).body.model_version.run_id;
      await page.goto(`${server.url}/runs/${runId}`);
      await page.getByRole("button", { name: "Edit run description" }).click();
      await page.getByLabel("Run description", { exact: true }).fill("Best F1 on the February data.");
      await saveAndSee(page, "Best F1 on the February data.");
      await page.reload();
      await page.getByText("Best F1 on the February data.", { exact: true }).waitFor();
      const run = await call(server, "GET", "/api/2.0/mlflow/runs/get", { run_id: runId });
      const note = run.body.run.data.tags.find((t: { key: string }) => t.key === "mlflow.note.content");
      assert.equal(note?.value, "Best F1 on the February data.");
      await shot("run-description-edited");
    });
  });
}
