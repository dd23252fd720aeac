// Image contexts (`flowgate models generate-dockerfile` / `build-docker`), per model kind: golden files for the
// Dockerfile, .dockerignore, entrypoint and file list (FLOWGATE_UPDATE_GOLDEN=1 rewrites
// test/deploy/golden/image/; review the diff), hadolint with zero findings on every generated Dockerfile (and
// findings on a broken one), the serving command of the context run locally FROM the context on a free port
// answering /invocations, a models:/ version through a real Flowgate server, and a real build when a container
// engine is on PATH (skipped otherwise; to run it: put docker with a running daemon, podman or buildah on PATH
// and run this file).
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { list as listTar } from "tar";
import { createLogger } from "../../../src/core/logger.js";
import { detectEngine, buildImage } from "../../../src/deploy/image/container-engine.js";
import { PACKAGE_FILE, placeFlowgatePackage } from "../../../src/deploy/image/flowgate-package.js";
import { generateImageContext, type ImageContextOptions } from "../../../src/deploy/image/image-context.js";
import { BACKENDS } from "../../support/backends.js";
import { freePort } from "../../support/free-port.js";
import { call, startTestServer, type TestServer } from "../../support/test-server.js";
import { assertGolden } from "../kubernetes/golden.js";
import { fixtureModels, PYTHON, REPO } from "../../serving/support/serving-fixtures.js";

const HADOLINT = path.join(REPO, ".venvs/services/bin/hadolint");
const run = promisify(execFile);
const logger = createLogger({ level: process.env.FLOWGATE_TEST_LOG_LEVEL ?? "silent" });
const cacheDir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-image-cache-")), "models");
// Golden tests need no real flowgate package: any file stands in for the tarball (its bytes are not rendered).
const fakePackage = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-image-pkg-")), "flowgate.tgz");
writeFileSync(fakePackage, "stand-in for npm pack\n");

function options(modelUri: string, extra: Partial<ImageContextOptions> = {}): ImageContextOptions {
  return {
    modelUri,
    outputDir: mkdtempSync(path.join(tmpdir(), "flowgate-image-ctx-")),
    trackingUri: undefined,
    cacheDir,
    python: PYTHON,
    flowgatePackage: fakePackage,
    logger,
    ...extra,
  };
}

/** The context's generated files, with the fixture directory and the conversion's content key made stable. */
function goldenFiles(dir: string, models: string): Record<string, string> {
  const stable = (text: string) => text.replaceAll(models, "/fixtures");
  const files = listFiles(dir).map((f) => f.replace(/onnx\/[0-9a-f]{32}\//, "onnx/<model content key>/"));
  return {
    Dockerfile: stable(readFileSync(path.join(dir, "Dockerfile"), "utf8")),
    ".dockerignore": readFileSync(path.join(dir, ".dockerignore"), "utf8"),
    "entrypoint.sh": readFileSync(path.join(dir, "entrypoint.sh"), "utf8"),
    "files.txt": `${files.join("\n")}\n`,
  };
}

function listFiles(dir: string, rel = ""): string[] {
  return readdirSync(path.join(dir, rel))
    .flatMap((name) => {
      const child = rel === "" ? name : `${rel}/${name}`;
      return statSync(path.join(dir, child)).isDirectory() ? listFiles(dir, child) : [child];
    })
    .sort();
}

async function hadolint(dockerfile: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(HADOLINT, ["--failure-threshold", "info", dockerfile]);
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

/** Runs the context's entrypoint as the image would (`serve`), with the image's paths pointed into the context. */
async function serveFromContext(
  dir: string,
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const cli = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-image-cli-")), "flowgate.mjs");
  // The image runs the built package's bin/flowgate.js; from the sources it is the same main().
  writeFileSync(
    cli,
    `const { main } = await import(${JSON.stringify(path.join(REPO, "src/cli/main.ts"))});\nawait main(process.argv);\n`,
  );
  const child = spawn("sh", [path.join(dir, "entrypoint.sh"), "serve"], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      PATH: process.env.PATH ?? "",
      NODE_OPTIONS: "--import tsx",
      FLOWGATE_CLI: cli,
      FLOWGATE_MODEL_DIR: path.join(dir, "model_dir"),
      FLOWGATE_CACHE_DIR: path.join(dir, "cache"),
      FLOWGATE_HOST: "127.0.0.1",
      PORT: String(port),
      FLOWGATE_LOG_LEVEL: "warn",
      ...env,
    },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the entrypoint exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { url, child };
    if (i > 240) throw new Error(`serving from the context did not become healthy: ${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function invoke(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: r.status, json: await r.json() };
}

// Started at once, so the real client's registration overlaps the ONNX conversion of the first suite.
const registered = (async () => {
  const server = await startTestServer(BACKENDS[0] as (typeof BACKENDS)[number]);
  await run(PYTHON, [path.join(REPO, "test/serving/fixtures/register_model.py"), "iris-image"], {
    env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
  });
  return server;
})();
registered.catch(() => undefined); // reported by the suite that awaits it, not as an unhandled rejection

describe("image contexts", () => {
  let models: string;
  let onnxContext: string;
  before(async () => {
    models = await fixtureModels();
  });

  test("a scikit-learn model ONNX serves gets an image with no Python: Node + ONNX Runtime, its checked conversion, non-root, HEALTHCHECK, labels", async () => {
    const result = await generateImageContext(options(path.join(models, "classifier")));
    onnxContext = result.dir;
    assert.equal(result.runtime, "onnx");
    assert.match(result.reason, /converted with skl2onnx; predictions matched/);
    assert.equal(result.baseImage, "node:20-bookworm-slim");
    assert.equal(result.labels["io.flowgate.model.signature-digest"]?.startsWith("sha256:"), true);
    const dockerfile = readFileSync(result.dockerfile, "utf8");
    assert.doesNotMatch(dockerfile, /FROM python|pip install|PYTHON/);
    await assertGolden("image", "onnx", goldenFiles(result.dir, models));
    const lint = await hadolint(result.dockerfile);
    assert.equal(lint.code, 0, `hadolint findings:\n${lint.output}`);
  });

  test("a Python model gets a slim Python image of the model's version with its pinned requirements installed at build time", async () => {
    const result = await generateImageContext(options(path.join(models, "custom")));
    assert.equal(result.runtime, "python");
    assert.match(result.baseImage, /^python:3\.\d+\.\d+-slim-bookworm$/);
    const dockerfile = readFileSync(result.dockerfile, "utf8");
    assert.match(dockerfile, /pip install --no-cache-dir -r \/tmp\/model_dir\/requirements\.txt/);
    await assertGolden("image", "python", goldenFiles(result.dir, models));
    const lint = await hadolint(result.dockerfile);
    assert.equal(lint.code, 0, `hadolint findings:\n${lint.output}`);
  });

  test("--base-image replaces the final stage's base; --runtime onnx refuses a model ONNX cannot serve", async () => {
    const result = await generateImageContext(
      options(path.join(models, "classifier"), { baseImage: "registry.example/node:20-hardened" }),
    );
    assert.match(readFileSync(result.dockerfile, "utf8"), /^FROM registry\.example\/node:20-hardened$/m);
    await assert.rejects(
      generateImageContext(options(path.join(models, "custom"), { runtime: "onnx" })),
      /--runtime onnx needs a model with an onnx or sklearn flavor/,
    );
  });

  test("hadolint fails a deliberately broken Dockerfile (the lint can fail)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowgate-image-broken-"));
    const broken = readFileSync(path.join(onnxContext, "Dockerfile"), "utf8")
      .replace("ARG NODE_IMAGE=node:20-bookworm-slim", "ARG NODE_IMAGE=node")
      .replace("FROM ${NODE_IMAGE}\n", "FROM node:latest\nRUN cd /tmp && pip install flask\n");
    writeFileSync(path.join(dir, "Dockerfile"), broken);
    const lint = await hadolint(path.join(dir, "Dockerfile"));
    assert.notEqual(lint.code, 0);
    assert.match(lint.output, /DL3007/); // :latest
    assert.match(lint.output, /DL3013|DL3042/); // unpinned pip, pip cache
  });

  test("the context's serving command, run from the context with no Python at all, answers /invocations", async () => {
    const { url, child } = await serveFromContext(onnxContext, { FLOWGATE_PYTHON: "/nonexistent/python" });
    try {
      const body = readFileSync(path.join(onnxContext, "model_dir", "serving_input_example.json"), "utf8");
      const answer = await invoke(url, body);
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { predictions: [0, 0, 0] });
      assert.equal((await fetch(`${url}/ping`)).status, 200);
      const meta = (await (await fetch(`${url}/metadata`)).json()) as { models: { runtime: string }[] };
      assert.equal(meta.models[0]?.runtime, "onnx");
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("the entrypoint refuses any command but `serve` (SageMaker's train) with exit code 64", async () => {
    const err = await run("sh", [path.join(onnxContext, "entrypoint.sh"), "train"]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal((err as { code: number }).code, 64);
    assert.match((err as { stderr: string }).stderr, /only serves \('serve'\)/);
  });

  test("build-docker with no container engine on PATH says so, exits 3 and keeps the context", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-image-cli-")), "context");
    const script = `const { main } = await import(${JSON.stringify(path.join(REPO, "src/cli/main.ts"))}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
    const args = ["models", "build-docker", "-m", path.join(models, "custom"), "-n", "custom:1", "-d", dir];
    const failed = await run(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, ...args, "--flowgate-package", fakePackage],
      // Only node's own directory: no docker, podman or buildah.
      {
        cwd: REPO,
        env: { PATH: path.dirname(process.execPath), FLOWGATE_CACHE_DIR: path.dirname(cacheDir) },
      },
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed?.code, 3);
    assert.match(
      failed?.stderr ?? "",
      /no container engine can build here \(docker: not on PATH; podman: not on PATH; buildah: not on PATH\)/,
    );
    assert.match(
      failed?.stderr ?? "",
      /The context is kept in .*context; build it where an engine runs: docker build -t custom:1/,
    );
    assert.equal(statSync(path.join(dir, "Dockerfile")).isFile(), true);
  });

  test("the flowgate package placed in a context is `npm pack` of this installation: the built CLI, the Python worker, ops; no sources or tests", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowgate-image-pack-"));
    const tarball = await placeFlowgatePackage(dir, undefined);
    assert.equal(path.basename(tarball), PACKAGE_FILE);
    const entries: string[] = [];
    await listTar({ file: tarball, onReadEntry: (e) => entries.push(e.path) });
    for (const file of [
      "dist/cli/main.js",
      "bin/flowgate.js",
      "python/flowgate_worker/serve.py",
      "ops/prometheus/flowgate-alerts.yml",
    ])
      assert.ok(entries.includes(`package/${file}`), `${file} in the package`);
    assert.equal(
      entries.some((e) => /^package\/(src|test|bench)\//.test(e)),
      false,
    );
  });

  test("a real build with the first container engine on PATH", async (t) => {
    const { engine, notes } = await detectEngine();
    if (engine === undefined) {
      t.skip(`no container engine can build here (${notes.join("; ")})`);
      return;
    }
    const result = await generateImageContext(
      options(path.join(models, "classifier"), { flowgatePackage: undefined }),
    );
    assert.equal(await buildImage(engine, result.dir, "flowgate-test/classifier:local"), 0);
  });
});

describe("an image context of a registered version on a real Flowgate server", () => {
  let server: TestServer;
  before(async () => {
    server = await registered;
  });
  after(() => server?.close());

  test("models:/name/version is downloaded through the model cache; labels name the version, its run and git commit; no token is copied", async () => {
    const version = await call(server, "GET", "/api/2.0/mlflow/model-versions/get", {
      name: "iris-image",
      version: "1",
    });
    const runId = String(version.body.model_version.run_id);
    const commit = "0123456789abcdef0123456789abcdef01234567";
    await call(server, "POST", "/api/2.0/mlflow/runs/set-tag", {
      run_id: runId,
      key: "mlflow.source.git.commit",
      value: commit,
    });
    const token = "fg-secret-token-never-in-an-image";
    process.env.MLFLOW_TRACKING_TOKEN = token;
    let result;
    try {
      result = await generateImageContext(
        options("models:/iris-image/1", { trackingUri: server.url, runtime: "python" }),
      );
    } finally {
      delete process.env.MLFLOW_TRACKING_TOKEN;
    }
    assert.equal(readFileSync(path.join(result.modelDir, "MLmodel"), "utf8").includes(runId), true);
    assert.deepEqual(
      {
        name: result.labels["io.flowgate.model.name"],
        version: result.labels["io.flowgate.model.version"],
        run: result.labels["io.flowgate.model.run-id"],
        commit: result.labels["io.flowgate.model.git-commit"],
        revision: result.labels["org.opencontainers.image.revision"],
      },
      { name: "iris-image", version: "1", run: runId, commit, revision: commit },
    );
    for (const file of result.files) {
      assert.equal(
        readFileSync(path.join(result.dir, file)).includes(token),
        false,
        `${file} holds the token`,
      );
    }
  });
});
