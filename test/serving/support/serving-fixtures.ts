// Real models for the serving tests, trained and saved by the REAL mlflow client (test/serving/fixtures/
// make_models.py and make_sklearn_variants.py), built once per content of each script and shared by every test file.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createLogger } from "../../../src/core/logger.js";
import {
  startServing,
  type ServeOptions,
  type ServingProcess,
} from "../../../src/serving/serving-process.js";

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../../..");
export const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");

export type FixtureModel = "classifier" | "regressor" | "strings" | "custom";
export type SklearnVariant =
  "pickle" | "cloudpickle" | "proba" | "labels" | "untyped" | "tensor" | "params" | "code";

const built = new Map<string, Promise<string>>();

/** The models a fixture script saves (it takes an output directory), built once per content of the script. */
function builtBy(script: string, marker: string): Promise<string> {
  const file = path.join(here, "../fixtures", script);
  let dir = built.get(file);
  if (dir === undefined) {
    dir = (async () => {
      const key = createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);
      const out = path.join(tmpdir(), `flowgate-${path.basename(script, ".py")}-${key}`);
      if (existsSync(path.join(out, marker, "MLmodel"))) return out;
      const tmp = mkdtempSync(path.join(tmpdir(), "flowgate-serving-build-"));
      await promisify(execFile)(PYTHON, [file, tmp], { maxBuffer: 64 * 1024 * 1024 });
      try {
        renameSync(tmp, out);
      } catch {
        rmSync(tmp, { recursive: true, force: true }); // another test file built it first
      }
      return out;
    })();
    built.set(file, dir);
  }
  return dir;
}

/** Directory holding classifier/, regressor/, strings/ and custom/ (MLflow model directories). */
export function fixtureModels(): Promise<string> {
  return builtBy("make_models.py", "custom");
}

/** A scikit-learn model saved one of the ways mlflow.sklearn can (fixtures/make_sklearn_variants.py). */
export async function sklearnVariant(name: SklearnVariant): Promise<string> {
  return path.join(await builtBy("make_sklearn_variants.py", "code"), name);
}

export async function modelDir(name: FixtureModel): Promise<string> {
  return path.join(await fixtureModels(), name);
}

/** The serving options every test process shares: loopback, a free port, one worker, small limits. */
export function testServeOptions(): Omit<ServeOptions, "modelUri" | "trackingUri" | "cacheDir"> {
  return {
    host: "127.0.0.1",
    port: 0,
    workers: 1,
    workerWaitSeconds: 30,
    runtime: "auto",
    maxBatchSize: 64,
    maxBatchDelayMs: 2,
    maxQueue: 256,
    maxBodyBytes: 1024 * 1024,
    requestTimeoutSeconds: 60,
    bodyTimeoutSeconds: 60,
    headersTimeoutSeconds: 10,
    python: PYTHON,
    workerPath: path.join(REPO, "python"),
    onnxThreads: 1,
    logger: createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" }),
  };
}

/** Starts a real serving process on a free loopback port and waits until the model is loaded. */
export async function serveForTest(
  modelUri: string,
  overrides: Partial<ServeOptions> = {},
): Promise<ServingProcess & { url: string }> {
  const serving = await startServing({
    modelUri,
    ...testServeOptions(),
    trackingUri: undefined,
    cacheDir: mkdtempSync(path.join(tmpdir(), "flowgate-serving-cache-")),
    ...overrides,
  });
  try {
    await serving.loaded;
  } catch (err) {
    await serving.stop();
    throw err;
  }
  return { ...serving, url: serving.address };
}

/** POSTs a body to a serving route; JSON bodies are serialised. Returns status, headers and text/JSON body. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json" },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary response JSON
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const payload = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const response = await fetch(url, { method: "POST", headers, body: payload as string });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
