// A real Flowgate server for HTTP tests: a fresh store on the given back end, a temporary artifact root,
// listening on a free loopback port. Always close it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp, type App } from "../../src/app.js";
import { loadServerConfig, type ServerConfig } from "../../src/core/config.js";
import { createLogger } from "../../src/core/logger.js";
import type { TestBackend } from "./backends.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface TestServer {
  app: App;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  artifactRoot: string;
  close(): Promise<void>;
}

/**
 * `overrides` replace configuration fields (e.g. a small `maxArtifactBytes`, `auth`, a shared
 * `backendStoreUri`) after defaults are loaded; `env` is read as the server's environment (FLOWGATE_* settings
 * such as the first admin or webhook timings).
 */
export async function startTestServer(
  backend: TestBackend,
  overrides: Partial<ServerConfig> & { env?: NodeJS.ProcessEnv } = {},
): Promise<TestServer> {
  const scratch = mkdtempSync(path.join(tmpdir(), "flowgate-art-"));
  const artifactRoot = path.join(scratch, "artifacts");
  const { env = {}, ...fields } = overrides;
  const config = {
    ...loadServerConfig(
      {
        backendStoreUri: fields.backendStoreUri ?? (await backend.freshUri()),
        artifactsDestination: artifactRoot,
        port: 0,
        // The Python the compat suite installs: the max_latency gate's smoke benchmark converts and runs models.
        python: path.join(REPO, ".venvs/mlflow3/bin/python"),
        cacheDir: path.join(scratch, "cache"),
      },
      env,
    ),
    ...fields,
  };
  const app = await createApp(
    config,
    createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" }),
    undefined,
    env,
  );
  const url = await app.server.listen({ host: "127.0.0.1", port: 0 });
  return { app, url, artifactRoot, close: () => app.close() };
}

/** POST/PATCH/DELETE a JSON body (or GET with query args) and return status and parsed JSON. */
export async function call(
  server: TestServer,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  route: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
): Promise<{ status: number; body: any }> {
  let url = `${server.url}${route}`;
  const init: RequestInit = { method, headers };
  if (method === "GET") {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(args)) {
      for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
    }
    if ([...qs].length > 0) url += `?${qs.toString()}`;
  } else {
    init.headers = { ...headers, "content-type": "application/json" };
    init.body = JSON.stringify(args);
  }
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text === "" ? {} : JSON.parse(text) };
}
