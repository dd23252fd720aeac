// Deployments in the web UI, in a real browser against a real server with auth on. The deployment is made
// through the API as a user would (three revisions: created on version 1, moved to version 2, then a canary
// of version 3 with an analysis and a shadow of version 1), and a stand-in serving replica reports an
// observation window every half second for whatever the routing snapshot says, as `models serve
// --deployment` does. The server's own controller runs the canary. Screenshots go to test-output/ui/<backend>/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import type { DeploymentSpec, RoutingSnapshot } from "../../src/delivery/deployment.js";
import type { ObservationWindow } from "../../src/delivery/observation.js";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const ADMIN = { FLOWGATE_ADMIN_USERNAME: "admin", FLOWGATE_ADMIN_PASSWORD: "Zv9-copper-falcon" };
const READER = { username: "rhea", password: "Pw3-marble-heron" };
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const asAdmin = basic(ADMIN.FLOWGATE_ADMIN_USERNAME, ADMIN.FLOWGATE_ADMIN_PASSWORD);
const MLFLOW = "/api/2.0/mlflow";
const DEPLOYMENTS = "/api/flowgate/v1/deployments";

const base: DeploymentSpec = { name: "fraud", model: "fraud-detector", primary: "1" };
const canary: DeploymentSpec = {
  ...base,
  primary: "2",
  shadow: { version: "1", percent: 100 },
  strategy: {
    canary: {
      version: "3",
      // The pause lets the replica report the canary's traffic before the analysis measures it.
      steps: [
        { setWeight: 10 },
        { pause: { duration: "3s" } },
        { analysis: { templates: ["error-rate"] } },
        { pause: {} },
      ],
    },
  },
  analysisTemplates: [
    {
      name: "error-rate",
      interval: "1s",
      count: 1,
      successCondition: "result < 0.05",
      provider: { serving: { metric: "error_rate" } },
    },
  ],
};

/** What one serving replica reports for a half-second window under the given routing: 200 requests split by
 * weight, no errors, and a shadow that agrees on 9 answers in 10. */
function windowOf(routing: RoutingSnapshot, now: number): ObservationWindow {
  const latencyMs = { p50: 4, p99: 12, max: 20 };
  const versions = routing.routes
    .filter((r) => r.weight > 0)
    .map((r) => {
      const requests = r.weight * 2;
      return {
        version: r.version,
        role: r.role,
        requests,
        errors: 0,
        latencyMs,
        predictions: { labels: { "0": requests }, numericCount: 0, numericSum: 0 },
      };
    });
  return {
    deployment: routing.deployment,
    replica: "ui-test-replica",
    revision: routing.revision,
    startedAt: now - 500,
    endedAt: now,
    versions,
    ...(routing.shadow
      ? {
          shadow: {
            version: routing.shadow.version,
            requests: 200,
            dropped: 0,
            errors: 0,
            latencyMs,
            compared: 200,
            agreed: 180,
            meanAbsDiff: 0,
            maxAbsDiff: 0,
          },
        }
      : {}),
  };
}

for (const backend of BACKENDS) {
  describe(`deployments in the web UI on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    let reporting = true;
    let replica: Promise<void> = Promise.resolve();
    const shot = (name: string) => screenshot(page, backend.name, `deployments-${name}`);

    const api = async (
      method: "GET" | "POST" | "PUT",
      route: string,
      body: Record<string, unknown> = {},
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
    ): Promise<any> => {
      const res = await call(server, method, route, body, asAdmin);
      assert.equal(res.status, 200, `${method} ${route}: ${JSON.stringify(res.body)}`);
      return res.body;
    };

    const signIn = async (username: string, password: string) => {
      await page.goto(`${server.url}/login`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password", { exact: true }).fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(`Signed in as ${username}`).waitFor();
    };

    /** The stand-in replica: follows the routing snapshot and reports a window every 500 ms. */
    const report = async () => {
      while (reporting) {
        const routing = (await call(server, "GET", `${DEPLOYMENTS}/fraud/routing`, {}, asAdmin)).body;
        if (routing.routes) {
          const res = await call(
            server,
            "POST",
            `${DEPLOYMENTS}/fraud/observations`,
            { ...windowOf(routing as RoutingSnapshot, Date.now()) },
            asAdmin,
          );
          assert.equal(res.status, 200, JSON.stringify(res.body));
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    };

    before(async () => {
      server = await startTestServer(backend, { auth: true, env: ADMIN });
      await api("POST", `${MLFLOW}/registered-models/create`, { name: "fraud-detector" });
      const experiment = await api("POST", `${MLFLOW}/experiments/create`, { name: "fraud" });
      for (let i = 0; i < 3; i++) {
        const run = await api("POST", `${MLFLOW}/runs/create`, { experiment_id: experiment.experiment_id });
        const runId = run.run.info.run_id as string;
        await api("POST", `${MLFLOW}/model-versions/create`, {
          name: "fraud-detector",
          source: `runs:/${runId}/model`,
          run_id: runId,
        });
      }
      await api("POST", "/api/flowgate/v1/users", { ...READER, role: "reader" });
      await api("POST", DEPLOYMENTS, { spec: base, reason: "Serve the first model" });
      await api("PUT", `${DEPLOYMENTS}/fraud`, {
        spec: { ...base, primary: "2" },
        reason: "Version 2 retrained on March data",
      });
      await api("POST", DEPLOYMENTS, {
        spec: {
          name: "ab",
          model: "fraud-detector",
          primary: "1",
          strategy: {
            abTest: {
              split: [
                { version: "1", weight: 50 },
                { version: "2", weight: 50 },
              ],
              sticky: { header: "x-user" },
              iterations: 10000,
            },
          },
        },
        reason: "A/B test of version 2",
      });
      await api("POST", DEPLOYMENTS, {
        spec: {
          name: "bg",
          model: "fraud-detector",
          primary: "2",
          strategy: { blueGreen: { previewVersion: "3" } },
        },
        reason: "Blue/green of version 3",
      });
      replica = report();
      await api("PUT", `${DEPLOYMENTS}/fraud`, { spec: canary, reason: "Canary version 3 at 10%" });
      browser = await launchBrowser();
      page = await browser.newPage();
      await signIn(ADMIN.FLOWGATE_ADMIN_USERNAME, ADMIN.FLOWGATE_ADMIN_PASSWORD);
    });
    after(async () => {
      reporting = false;
      await replica;
      await browser?.close();
      await server?.close();
    });

    it("lists the deployment with its model, primary, split, phase and revision", async () => {
      await page.goto(`${server.url}/models/fraud-detector`);
      await page.getByRole("link", { name: "Deployments of fraud-detector" }).click();
      await page.getByRole("heading", { name: "Deployments of fraud-detector" }).waitFor();
      const row = page
        .locator("table.deployments tbody tr")
        .filter({ has: page.getByRole("link", { name: "fraud", exact: true }) });
      // The list polls: the controller's first step (10% to the canary) shows up without a reload.
      await row.filter({ hasText: "v2 90% · v3 10%" }).waitFor();
      const text = await row.innerText();
      assert.match(text, /version 2/);
      assert.match(text, /Progressing|Paused/);
      assert.equal(await row.locator('td[data-label="Revision"]').innerText(), "3");
      await shot("list");
    });

    it("shows the live split, the steps with the current one, each measurement with its threshold, and serving metrics", async () => {
      await page.getByRole("link", { name: "fraud", exact: true }).click();
      await page.getByRole("heading", { name: /^fraud/ }).waitFor();
      await page.getByRole("img", { name: /version 2 \(primary\) 90%, version 3 \(canary\) 10%/ }).waitFor();
      await page.getByText("Shadow: version 1 gets a copy of 100% of requests").waitFor();
      // The controller measures the canary's error rate once after the 3 s pause, then waits to be promoted.
      const current = page.locator('ol.steps li[aria-current="step"]');
      await current.filter({ hasText: "Pause until promoted" }).waitFor();
      assert.match(await page.locator("ol.steps li.done").first().innerText(), /Set canary weight to 10%/);
      const measurement = page.locator("table.measurements tbody tr").first();
      const cells = await measurement.locator("td").allInnerTexts();
      assert.equal(cells[1], "0", "the canary's error rate");
      assert.equal(cells[2], "result < 0.05", "the success condition beside it");
      assert.equal(cells[4], "Successful");
      // The replica's windows arrive while the page is open: per-version numbers and the shadow's agreement.
      const latest = page.locator("table.latest-metrics");
      await latest.locator("tr", { hasText: "canary" }).waitFor();
      await latest
        .locator("tr", { hasText: "shadow" })
        .getByText(/^90% of \d+$/)
        .waitFor();
      assert.equal(await page.locator("figure.chart").count(), 4);
      await shot("page");
    });

    it("shows the revision history with each change as path: before → after", async () => {
      const history = page.locator("table.revisions");
      const second = history.locator("tr", { hasText: "Version 2 retrained on March data" });
      assert.match(await second.innerText(), /\/primary: 1 → 2/);
      const third = history.locator("tr", { hasText: "Canary version 3 at 10%" });
      assert.match(await third.innerText(), /\/strategy/);
    });

    it("promotes the paused canary with a reason; the controller makes it the primary", async () => {
      await page.getByRole("button", { name: "Promote", exact: true }).click();
      await page.getByLabel("Reason").fill("Canary error rate 0 for a full step");
      await page.getByLabel("Skip the remaining steps (full promotion)").check();
      await page.getByRole("button", { name: "Confirm promote" }).click();
      await page.getByRole("img", { name: "Traffic split: version 3 (primary) 100%" }).waitFor();
      const { deployment } = await api("GET", `${DEPLOYMENTS}/fraud`);
      assert.equal(deployment.spec.primary, "3");
    });

    it("rolls back with one click and a reason, which writes a new revision", async () => {
      const before = (await api("GET", `${DEPLOYMENTS}/fraud`)).deployment.revision as number;
      await page.getByRole("button", { name: "Roll back", exact: true }).click();
      await page.getByLabel("Reason").fill("Version 3 looks wrong in the dashboards");
      await page.getByRole("button", { name: "Confirm roll back" }).click();
      await page
        .getByRole("status")
        .filter({ hasText: `Rolled back: revision ${before + 1} sends all live traffic to version 2.` })
        .waitFor();
      await page
        .locator("table.revisions tr", { hasText: "Version 3 looks wrong in the dashboards" })
        .filter({ hasText: "current" })
        .waitFor();
      const { deployment } = await api("GET", `${DEPLOYMENTS}/fraud`);
      assert.equal(deployment.revision, before + 1);
      assert.deepEqual(deployment.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
      await shot("after-rollback");
    });

    it("follows a change made elsewhere while it is open, without a reload", async () => {
      await api("PUT", `${DEPLOYMENTS}/fraud`, {
        spec: { ...base, primary: "3" },
        reason: "Version 3 straight to primary",
      });
      await page.getByRole("img", { name: "Traffic split: version 3 (primary) 100%" }).waitFor();
      await page.locator("table.revisions tr", { hasText: "Version 3 straight to primary" }).waitFor();
    });

    it("shows an A/B test's split and stickiness, and a blue/green deployment's preview", async () => {
      await page.goto(`${server.url}/deployments/ab`);
      await page.getByRole("img", { name: /version 1 \(\w+\) 50%, version 2 \(\w+\) 50%/ }).waitFor();
      await page
        .getByText(
          /^A\/B test: version 1 50%, version 2 50% — sticky by header x-user\. \d+ requests seen of 10000\.$/,
        )
        .waitFor();
      await page.goto(`${server.url}/deployments/bg`);
      await page.getByRole("img", { name: "Traffic split: version 2 (primary) 100%" }).waitFor();
      await page.getByText(/^Preview: version 3, only for requests with header \S+$/).waitFor();
      await page
        .getByText(/^Blue\/green: preview version 3 takes no live traffic yet; waits to be promoted\./)
        .waitFor();
      await shot("blue-green");
    });

    it("pauses, resumes and aborts a rollout, each with its reason", async () => {
      const heading = page.getByRole("heading", { name: /^bg/ });
      const run = async (button: string, reason: string) => {
        await page.getByRole("button", { name: button, exact: true }).click();
        await page.getByLabel("Reason").fill(reason);
        await page.getByRole("button", { name: `Confirm ${button.toLowerCase()}` }).click();
      };
      await run("Pause", "Hold the switch until the marketing push is over");
      await heading.getByText("Paused").waitFor();
      await run("Resume", "Marketing push over");
      await heading.getByText("Progressing").waitFor();
      await run("Abort", "Preview answers look wrong");
      await page
        .getByRole("status")
        .filter({ hasText: "Aborted: version 2 takes all live traffic" })
        .waitFor();
      const { deployment } = await api("GET", `${DEPLOYMENTS}/bg`);
      assert.equal(deployment.status.phase, "Aborted");
      assert.deepEqual(deployment.routing.routes, [{ version: "2", weight: 100, role: "primary" }]);
    });

    it("fits a tablet: nothing on the deployment page scrolls the page sideways", async () => {
      await page.setViewportSize({ width: 800, height: 1000 });
      await page.goto(`${server.url}/deployments/fraud`);
      await page.locator("table.revisions").waitFor();
      await page.locator("figure.chart").first().waitFor();
      const { scroll, viewport } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
      }));
      assert.ok(scroll <= viewport, `the page is ${scroll} px wide in a ${viewport} px viewport`);
      await shot("page-800");
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    it("disables the actions of a user without rights, with the reason beside them", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await signIn(READER.username, READER.password);
      await page.goto(`${server.url}/deployments/fraud`);
      const rollback = page.getByRole("button", { name: "Roll back", exact: true });
      await rollback.waitFor();
      assert.equal(await rollback.isDisabled(), true);
      const why = page.getByText(/^Roll back is disabled: .+/);
      await why.waitFor();
      assert.equal(await rollback.getAttribute("aria-describedby"), await why.getAttribute("id"));
      await shot("reader");
    });
  });
}
