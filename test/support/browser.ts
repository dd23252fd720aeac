// A real browser for the UI tests: Debian's Chromium driven by playwright-core (no browser download), with
// the flags this machine's closed network needs, a fresh profile per launch, and screenshots saved under
// test-output/ui/ as test artifacts (not in git).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const SCREENSHOTS = path.join(ROOT, "test-output", "ui");

export async function launchBrowser(viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "flowgate-chromium-")), {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    viewport,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export async function screenshot(page: Page, group: string, name: string): Promise<void> {
  const dir = path.join(SCREENSHOTS, group);
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** Seeds a server with the demo (scripts/demo_seed.py) through the real mlflow 3.x client; `env` can carry
 * MLFLOW_TRACKING_USERNAME/PASSWORD for a server with auth on. */
export async function seedDemo(url: string, env: Record<string, string> = {}): Promise<void> {
  const python = path.join(ROOT, ".venvs", "mlflow3", "bin", "python");
  // Async on purpose: the server under test runs in this process and must keep answering.
  await new Promise<void>((resolve, reject) => {
    const child = spawn(python, [path.join(ROOT, "scripts", "demo_seed.py"), url], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, MLFLOW_TRACKING_URI: url, ...env },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`demo seed failed (${code}):\n${output.slice(-3000)}`)),
    );
  });
}
