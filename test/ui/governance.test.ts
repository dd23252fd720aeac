// Governance in the web UI, in a real browser against a real server with auth on, seeded by the real mlflow
// client: a data scientist signs in and requests a promotion to Production (applying it directly is
// disabled, with the reason shown), a release manager approves it, the audit log shows who did what, and
// the release manager rolls back. Screenshots go to test-output/ui/<backend>/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import { BACKENDS } from "../support/backends.js";
import { launchBrowser, screenshot, seedDemo } from "../support/browser.js";
import { call, startTestServer, type TestServer } from "../support/test-server.js";

const ADMIN = { FLOWGATE_ADMIN_USERNAME: "admin", FLOWGATE_ADMIN_PASSWORD: "Zv9-copper-falcon" };
const PASSWORDS = { alice: "Kx7-lantern-quay", rita: "Mq4-orchid-dune" } as const;
const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const asAdmin = basic(ADMIN.FLOWGATE_ADMIN_USERNAME, ADMIN.FLOWGATE_ADMIN_PASSWORD);

for (const backend of BACKENDS) {
  describe(`governance in the web UI on ${backend.name}`, () => {
    let server: TestServer;
    let browser: BrowserContext;
    let page: Page;
    const shot = (name: string) => screenshot(page, backend.name, name);

    const signIn = async (username: string, password: string) => {
      await page.goto(`${server.url}/login`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password", { exact: true }).fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText(`Signed in as ${username}`).waitFor();
    };

    before(async () => {
      server = await startTestServer(backend, { auth: true, env: ADMIN });
      await seedDemo(server.url, {
        MLFLOW_TRACKING_USERNAME: ADMIN.FLOWGATE_ADMIN_USERNAME,
        MLFLOW_TRACKING_PASSWORD: ADMIN.FLOWGATE_ADMIN_PASSWORD,
      });
      for (const [username, role] of [
        ["alice", "data-scientist"],
        ["rita", "release-manager"],
      ] as const) {
        const res = await call(
          server,
          "POST",
          "/api/flowgate/v1/users",
          { username, password: PASSWORDS[username], role },
          asAdmin,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
      browser = await launchBrowser();
      page = await browser.newPage();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it("asks a visitor to sign in before showing any data", async () => {
      await page.goto(`${server.url}/experiments`);
      await page.getByRole("heading", { name: "Sign in to Flowgate" }).waitFor();
      await page.getByLabel("Username").fill("alice");
      await page.getByLabel("Password", { exact: true }).fill("wrong-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
      await shot("login");
    });

    it("lets a data scientist request a promotion, with direct apply disabled and explained", async () => {
      await signIn("alice", PASSWORDS.alice);
      await page.goto(`${server.url}/models/fraud-detector/versions/3`);
      await page.getByRole("heading", { name: /fraud-detector version 3/ }).waitFor();
      await page.getByLabel("Target", { exact: true }).selectOption("Production");
      await page.getByText(/Apply now is disabled: You need the release-manager role/).waitFor();
      assert.equal(await page.getByRole("button", { name: "Apply now" }).isDisabled(), true);
      await page.getByLabel(/^Reason/).fill("Better AUC on the February data");
      await page.getByRole("button", { name: "Request approval" }).click();
      await page.getByRole("status").filter({ hasText: "a release manager must approve it" }).waitFor();
      await shot("request-promotion");
    });

    it("does not let the requester approve their own request, and says why", async () => {
      await page.goto(`${server.url}/governance/requests`);
      const card = page.locator("li.request", { hasText: "fraud-detector version 3" });
      await card.waitFor();
      assert.equal(await card.getByRole("button", { name: "Approve" }).isDisabled(), true);
      await card.getByText(/disabled/).waitFor();
    });

    it("lets a release manager approve it, which moves the version to Production", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await signIn("rita", PASSWORDS.rita);
      await page.goto(`${server.url}/governance/requests`);
      const card = page.locator("li.request", { hasText: "fraud-detector version 3" });
      await card.getByLabel("Comment").fill("Checked the gate results; go.");
      await shot("approvals");
      await card.getByRole("button", { name: "Approve" }).click();
      await page.getByRole("status").filter({ hasText: "approved" }).waitFor();
      const v3 = await call(
        server,
        "GET",
        "/api/2.0/mlflow/model-versions/get",
        { name: "fraud-detector", version: "3" },
        asAdmin,
      );
      assert.equal(v3.body.model_version.current_stage, "Production");
    });

    it("shows the approval in the audit log: who requested, who approved", async () => {
      await page.goto(`${server.url}/governance/audit?actor=rita`);
      const table = page.locator("table.audit");
      await table.waitFor();
      const text = await table.innerText();
      assert.match(text, /rita/);
      assert.match(text, /model_version\.transition_stage|transition_request/);
      await shot("audit");
    });

    it("lets the release manager roll Production back in one click", async () => {
      await page.goto(`${server.url}/models/fraud-detector`);
      await page
        .getByPlaceholder("Why roll back (kept in the audit log)")
        .fill("Version under test misbehaves");
      await page.getByRole("button", { name: "Roll back to version 2" }).click();
      await page.getByRole("status").filter({ hasText: "version 2 is in Production" }).waitFor();
      const v2 = await call(
        server,
        "GET",
        "/api/2.0/mlflow/model-versions/get",
        { name: "fraud-detector", version: "2" },
        asAdmin,
      );
      assert.equal(v2.body.model_version.current_stage, "Production");
      await shot("model-after-rollback");
    });

    it("follows the model's policy: its protected alias needs an approval, other targets apply directly", async () => {
      const policy = await call(
        server,
        "PUT",
        "/api/flowgate/v1/models/fraud-detector/policy",
        {
          document:
            "protected: {stages: [Production], aliases: [gold]}\nrequire_approval: true\n" +
            "gates: [{name: lineage, type: required_tags, tags: [data_version, git_commit], targets: [gold]}]\n",
        },
        asAdmin,
      );
      assert.equal(policy.status, 200, JSON.stringify(policy.body));
      await page.goto(`${server.url}/models/fraud-detector/versions/3`);
      await page.getByRole("heading", { name: /fraud-detector version 3/ }).waitFor();
      await page.getByLabel("Target", { exact: true }).selectOption("alias");
      await page.getByLabel("Alias", { exact: true }).fill("gold");
      await page
        .getByText(
          /Apply now is disabled: the policy of fraud-detector requires a second person's approval for @gold/,
        )
        .waitFor();
      assert.equal(await page.getByRole("button", { name: "Apply now" }).isDisabled(), true);
      await page.getByLabel("Alias", { exact: true }).fill("champion");
      await page.getByText(/Apply now is disabled/).waitFor({ state: "detached" });
      assert.equal(await page.getByRole("button", { name: "Apply now" }).isDisabled(), false);
      await page.getByLabel("Gates of").selectOption("@gold");
      await page.getByRole("button", { name: "Evaluate @gold gates now" }).click();
      await page.getByRole("cell", { name: "tags data_version, git_commit are set" }).waitFor();
      await shot("policy-driven-promote-form");
    });

    it("shows admins the users and their roles, and everyone their tokens", async () => {
      await page.getByRole("button", { name: "Sign out" }).click();
      await signIn("admin", ADMIN.FLOWGATE_ADMIN_PASSWORD);
      await page.goto(`${server.url}/governance/users`);
      const users = page.locator("table", { hasText: "release-manager" });
      await users.waitFor();
      assert.match(await users.innerText(), /alice[\s\S]*data-scientist/);
      await page.getByLabel("New token name").fill("ci");
      await page.getByRole("button", { name: "Create token" }).click();
      await page.locator("code.secret").waitFor();
      await shot("users");
    });
  });
}
