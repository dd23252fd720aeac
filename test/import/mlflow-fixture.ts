// A real `mlflow server` (2.x or 3.x) whose database and artifacts were written by the real client running
// the seeds' workflows (mlflow_seed_workflow.py). The seeded database is cached in the temp dir, keyed by the
// workflow script and the MLflow version, so a second run of the test file only starts the server.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { freePort } from "../support/free-port.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SEED = path.join(REPO, "test/import/mlflow_seed_workflow.py");

export type MlflowMajor = 2 | 3;

export interface MlflowFixture {
  major: MlflowMajor;
  url: string;
  backendStoreUri: string;
  artifactRoot: string;
  python: string;
  stop(): void;
}

export function venvPython(major: MlflowMajor): string {
  return path.join(REPO, `.venvs/mlflow${major}/bin/python`);
}

async function startServer(major: MlflowMajor, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    path.join(REPO, `.venvs/mlflow${major}/bin/mlflow`),
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--backend-store-uri",
      `sqlite:///${dir}/mlflow.db`,
      "--artifacts-destination",
      `${dir}/artifacts`,
      "--workers",
      "1",
    ],
    // Its own process group: the server's workers are its children, and stop() ends them all.
    { stdio: "ignore", detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      /* still starting */
    }
    if (child.exitCode !== null) throw new Error(`mlflow ${major} server exited with ${child.exitCode}`);
    if (i > 1200) throw new Error(`mlflow ${major} server did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function startMlflowFixture(major: MlflowMajor): Promise<MlflowFixture> {
  const key = createHash("sha256")
    .update(readFileSync(SEED))
    .update(String(major))
    .digest("hex")
    .slice(0, 12);
  const dir = path.join(tmpdir(), "flowgate-import-mlflow", `mlflow${major}-${key}`);
  const seeded = path.join(dir, "seeded");
  if (!existsSync(seeded)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const { url, child } = await startServer(major, dir);
  const stop = (): void => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGTERM");
  };
  try {
    if (!existsSync(seeded)) {
      await promisify(execFile)(venvPython(major), [SEED, url], { maxBuffer: 16 * 1024 * 1024 });
      writeFileSync(seeded, new Date().toISOString());
    }
  } catch (err) {
    stop();
    throw err;
  }
  return {
    major,
    url,
    backendStoreUri: `sqlite:///${dir}/mlflow.db`,
    artifactRoot: path.join(dir, "artifacts"),
    python: venvPython(major),
    stop,
  };
}

/** The answers of registry_queries.py, one object per server, asked with the fixture's own client. */
export async function askServers(fixture: MlflowFixture, urls: readonly string[]): Promise<unknown[]> {
  const { stdout } = await promisify(execFile)(
    fixture.python,
    [path.join(REPO, "test/import/registry_queries.py"), ...urls],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as unknown[];
}
