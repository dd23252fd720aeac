// Links into MLflow's UI open the matching Flowgate page: the "View run at http://host/#/experiments/…/runs/…"
// line every mlflow client prints after a run, and MLflow's other hash routes (experiments, models, versions,
// compare-runs, a run's artifact). A real browser against a real server; the run comes from the real client.
// page.evaluate callbacks run in the browser:
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const PYTHON = path.resolve(import.meta.dirname, "..", "..", ".venvs", "mlflow3", "bin", "python");

// Logs a run the way a user's script does and returns everything the client printed.
const SCRIPT = `
import mlflow
mlflow.set_experiment("linked-experiment")
with mlflow.start_run(run_name="linked-run") as run:
    mlflow.log_param("alpha", "0.5")
    mlflow.log_metric("rmse", 0.78)
    mlflow.log_text("hello from the linked run", "notes/readme.txt")
`;

async function runClient(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-c", SCRIPT], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MLFLOW_TRACKING_URI: url },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`mlflow client failed (${code}):\n${output}`)),
    );
  });
}

for (const backend of BACKENDS) {
  describe(`MLflow UI links on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    let printedLink: string;
    let experimentId: string;
    let runId: string;
    let otherRunId: string;

    before(async () => {
      server = await startTestServer(backend);
      const output = await runClient(server.url);
      const m = /View run linked-run at: (\S+)/.exec(output);
      assert.ok(m?.[1], `the client printed a run link:\n${output}`);
      printedLink = m[1];
      const parsed = /#\/experiments\/(\w+)\/runs\/(\w+)$/.exec(printedLink);
      assert.ok(parsed, `MLflow's run route: ${printedLink}`);
      [, experimentId = "", runId = ""] = parsed;
      const other = await call(server, "POST", "/api/2.0/mlflow/runs/create", {
        experiment_id: experimentId,
        run_name: "second-run",
        start_time: Date.now(),
      });
      otherRunId = other.body.run.info.run_id;
      await call(server, "POST", "/api/2.0/mlflow/registered-models/create", { name: "linked-model" });
      await call(server, "POST", "/api/2.0/mlflow/model-versions/create", {
        name: "linked-model",
        source: `runs:/${runId}/model`,
        run_id: runId,
      });
      browser = await launchBrowser({ width: 1400, height: 900 });
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("opens the run from the link the mlflow client printed", async () => {
      await page.goto(printedLink);
      await page.getByRole("heading", { name: /linked-run/ }).waitFor();
      assert.equal(new URL(page.url()).pathname, `/runs/${runId}`);
      assert.equal(new URL(page.url()).hash, "", "the MLflow hash is replaced by the Flowgate path");
      // The breadcrumb names the experiment, not its id.
      await page.getByRole("navigation", { name: "Breadcrumb" }).getByText("linked-experiment").waitFor();
      await screenshot(page, backend.name, "printed-run-link");
    });

    it("opens an experiment, a model, a version and a comparison from MLflow's routes", async () => {
      const cases: [string, RegExp, string][] = [
        [`#/experiments/${experimentId}`, /linked-experiment/, `/experiments/${experimentId}`],
        [`#/experiments/${experimentId}/runs`, /linked-experiment/, `/experiments/${experimentId}`],
        [`#/runs/${runId}`, /linked-run/, `/runs/${runId}`],
        ["#/models/linked-model", /^linked-model/, "/models/linked-model"],
        ["#/models/linked-model/versions/1", /linked-model version 1/, "/models/linked-model/versions/1"],
        [
          `#/compare-runs?runs=${encodeURIComponent(JSON.stringify([runId, otherRunId]))}&experiments=${encodeURIComponent(JSON.stringify([experimentId]))}`,
          /Compare 2 runs/,
          "/compare",
        ],
      ];
      for (const [hash, heading, pathname] of cases) {
        await page.goto(`${server.url}/${hash}`);
        await page.getByRole("heading", { name: heading }).first().waitFor();
        assert.equal(new URL(page.url()).pathname, pathname, hash);
      }
    });

    it("opens a run's artifact from MLflow's artifact route, with the file previewed", async () => {
      await page.goto(`${server.url}/#/experiments/${experimentId}/runs/${runId}/artifacts/notes/readme.txt`);
      const preview = page.locator("pre.file-text");
      await preview.waitFor();
      assert.match(await preview.innerText(), /hello from the linked run/);
    });

    it("follows an MLflow link pasted into a tab that already shows Flowgate", async () => {
      await page.goto(`${server.url}/models`);
      await page.getByRole("heading", { name: "Registered models" }).waitFor();
      await page.evaluate((id) => (window.location.hash = `#/experiments/${id}`), experimentId);
      await page.getByRole("heading", { name: /linked-experiment/ }).waitFor();
    });

    it("serves a favicon", async () => {
      const res = await fetch(`${server.url}/favicon.ico`);
      assert.equal(res.status, 200);
      assert.ok((await res.arrayBuffer()).byteLength > 0);
    });
  });
}
