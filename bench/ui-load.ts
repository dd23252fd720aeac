// Web UI benchmark: bundle size (raw and gzip) of ui/dist, first-load time of the main pages in Debian's
// Chromium with a cold cache (a new browser context per load), and the runs table on 10,000 runs (time to
// show the first page, time to scroll through all of them, rows in the DOM at the end: virtualization keeps
// it small). The server is a real Flowgate on SQLite on loopback, seeded through its MLflow REST API.
// Writes bench/results/ui-load.json. Run with `npm run build && node --import tsx bench/ui-load.ts`.
import { loadavg } from "node:os";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Browser } from "playwright-core";
import { BACKENDS } from "../test/support/backends.js";
import { startTestServer, type TestServer } from "../test/support/test-server.js";

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNS = Number(process.env.UI_BENCH_RUNS ?? 10_000);
const REPEATS = 5;

async function post(server: TestServer, route: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}/api/2.0/mlflow/${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function seed(server: TestServer): Promise<{ experimentId: string; runIds: string[] }> {
  const { experiment_id } = (await post(server, "experiments/create", { name: "bench-10k" })) as {
    experiment_id: string;
  };
  const runIds: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < RUNS) {
      const i = next++;
      const { run } = (await post(server, "runs/create", {
        experiment_id,
        run_name: `run-${i}`,
        start_time: 1_700_000_000_000 + i * 1000,
      })) as { run: { info: { run_id: string } } };
      runIds.push(run.info.run_id);
      await post(server, "runs/log-batch", {
        run_id: run.info.run_id,
        params: [
          { key: "lr", value: String(10 ** -(i % 5)) },
          { key: "depth", value: String(i % 12) },
        ],
        metrics: ["loss", "auc", "f1"].map((key, k) => ({
          key,
          value: Math.abs(Math.sin(i + k)),
          timestamp: 1_700_000_000_000 + i,
          step: 0,
        })),
      });
      await post(server, "runs/update", {
        run_id: run.info.run_id,
        status: "FINISHED",
        end_time: 1_700_000_000_500 + i * 1000,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return { experimentId: experiment_id, runIds };
}

function bundle(): { files: { file: string; bytes: number; gzip: number }[]; totalGzip: number } {
  const dir = path.join(ROOT, "ui", "dist");
  const files = ["index.html", ...readdirSync(path.join(dir, "assets")).map((f) => `assets/${f}`)].map(
    (file) => {
      const data = readFileSync(path.join(dir, file));
      return { file, bytes: statSync(path.join(dir, file)).size, gzip: gzipSync(data, { level: 9 }).length };
    },
  );
  return { files, totalGzip: files.reduce((n, f) => n + f.gzip, 0) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function firstLoad(browser: Browser, url: string, ready: string) {
  const totals: number[] = [];
  const dcl: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const t0 = performance.now();
    await page.goto(url);
    await page.locator(ready).first().waitFor({ timeout: 120_000 });
    totals.push(performance.now() - t0);
    // A function, not a string: the UI's CSP forbids evaluating strings in the page.
    dcl.push(
      await page.evaluate(() => {
        const nav = performance.getEntries().find((e) => (e.entryType as string) === "navigation") as
          { domContentLoadedEventEnd?: number } | undefined;
        return nav?.domContentLoadedEventEnd ?? NaN;
      }),
    );
    await context.close();
  }
  return {
    ready_ms_median: Math.round(median(totals)),
    dom_content_loaded_ms_median: Math.round(median(dcl)),
  };
}

const server = await startTestServer(BACKENDS[0]!);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const t0 = performance.now();
  const { experimentId, runIds } = await seed(server);
  const seedSeconds = (performance.now() - t0) / 1000;
  const base = server.url;
  const pages = {
    experiments: await firstLoad(browser, `${base}/experiments`, 'a:has-text("bench-10k")'),
    runs_10k: await firstLoad(
      browser,
      `${base}/experiments/${experimentId}`,
      '[aria-label="Run rows"] [role="row"]',
    ),
    run: await firstLoad(browser, `${base}/runs/${runIds[0]}`, "#h-params"),
    compare: await firstLoad(browser, `${base}/compare?runs=${runIds[0]},${runIds[1]}`, "table.compare"),
    models: await firstLoad(browser, `${base}/models`, "#h-models"),
  };

  // Scroll the runs table to the end: every page of 200 runs is fetched as it comes into view.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/experiments/${experimentId}`);
  await page.locator('[aria-label="Run rows"] [role="row"]').first().waitFor();
  await page.locator(".vscroll").hover();
  const s0 = performance.now();
  for (;;) {
    await page.mouse.wheel(0, 1_000_000);
    const loaded = await page.locator(".toolbar [aria-live]").innerText();
    if (loaded.startsWith(`${RUNS} runs loaded`) && !loaded.includes("more")) break;
    await page.waitForTimeout(20);
  }
  const scrollAllSeconds = (performance.now() - s0) / 1000;
  const domRows = await page.locator('[aria-label="Run rows"] [role="row"]').count();
  await context.close();

  const result = {
    when: new Date().toISOString(),
    machine: "2 shared cores; Chromium (Debian) headless; Flowgate on SQLite, loopback",
    // Other work on the machine slows every number here; record how busy it was.
    load_average_1m_at_end: Number(loadavg()[0]?.toFixed(1)),
    bundle: bundle(),
    first_load_cold_cache: pages,
    runs_table_10k: {
      runs: RUNS,
      seed_seconds: Math.round(seedSeconds),
      scroll_through_all_seconds: Number(scrollAllSeconds.toFixed(1)),
      rows_in_dom_after_scrolling_all: domRows,
    },
  };
  writeFileSync(path.join(ROOT, "bench", "results", "ui-load.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await browser.close();
  await server.close();
}
