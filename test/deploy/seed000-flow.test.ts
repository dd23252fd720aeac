// Seed 000's flow as one script: one version registered with the REAL mlflow client goes to every target with one
// command each — `models generate-dockerfile` (the image context), `deploy k8s` (manifests), `deploy sagemaker
// create` (against moto) — and the serving command the context's image runs, started locally from the context,
// answers the seed's /invocations request. Every step is the real CLI in its own process against a Flowgate server
// started here (SQLite: the flow is about the targets, the stores are tested elsewhere). Without a container
// engine the image is not built; the SageMaker and Kubernetes steps name the image `build-docker` would tag.
// A written node test rather than a pytest in test/compat, which would run 4× (2 venvs × 2 back ends).
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { x as extract } from "tar";
import { BACKENDS } from "../support/backends.js";
import { freePort } from "../support/free-port.js";
import { startMoto, type Moto } from "../support/moto.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PYTHON = path.join(REPO, ".venvs/mlflow3/bin/python");
const REGISTER = path.join(REPO, "test/serving/fixtures/register_model.py");
const MAIN = path.join(REPO, "src/cli/main.ts");
const AWS = "/usr/bin/aws";
const MODEL = "seed000-iris";
const IMAGE = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${MODEL}:1`;
/** Seed 000's request: two flowers in MLflow's dataframe_split format. */
const SEED_REQUEST = {
  dataframe_split: {
    columns: ["sepal_length", "sepal_width", "petal_length", "petal_width"],
    data: [
      [5.1, 3.5, 1.4, 0.2],
      [6.7, 3.0, 5.2, 2.3],
    ],
  },
};

const run = promisify(execFile);

describe("seed 000: one registered version to a local server, an image context, Kubernetes and SageMaker", () => {
  let server: TestServer;
  let moto: Moto;
  let work: string;
  let modelUri: string;
  const children: ChildProcess[] = [];

  const flowgate = async (...args: string[]): Promise<string> => {
    const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, ...args],
      {
        env: { ...process.env, ...moto.env, MLFLOW_TRACKING_URI: server.url, FLOWGATE_PYTHON: PYTHON },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout;
  };

  before(async () => {
    [server, moto] = await Promise.all([startTestServer(BACKENDS[0]!), startMoto()]);
    work = mkdtempSync(path.join(tmpdir(), "flowgate-seed000-"));
  });
  after(async () => {
    for (const child of children) child.kill("SIGKILL");
    await Promise.all([server.close(), moto.stop()]);
  });

  it("the real mlflow client registers the model", async () => {
    const { stdout } = await run(PYTHON, [REGISTER, MODEL], {
      env: { ...process.env, MLFLOW_TRACKING_URI: server.url },
    });
    assert.match(stdout, /models:\/m-[0-9a-f]+|runs:\//);
    modelUri = `models:/${MODEL}/1`;
  });

  let context: string;

  it("generate-dockerfile, deploy k8s and deploy sagemaker create each take the version in one command", async () => {
    context = path.join(work, "context");
    const manifests = path.join(work, "k8s");
    await run(
      AWS,
      ["--endpoint-url", moto.endpoint, "s3api", "create-bucket", "--bucket", "seed000-models"],
      {
        env: { ...process.env, ...moto.env },
      },
    );
    // npm pack needs a build; a stand-in tarball keeps the context complete without one (the image is not built).
    const pkg = path.join(work, "flowgate-0.1.0.tgz");
    writeFileSync(pkg, "stand-in for npm pack\n");
    // Each command resolves the version itself, as it would on a different machine (own model cache).
    const [image, k8s, sagemaker] = await Promise.all([
      flowgate(
        "models",
        "generate-dockerfile",
        "-m",
        modelUri,
        "-d",
        context,
        "--flowgate-package",
        pkg,
        "--cache-dir",
        path.join(work, "cache-image"),
        "--json",
      ),
      flowgate(
        "deploy",
        "k8s",
        "-m",
        modelUri,
        "-o",
        manifests,
        "--image",
        IMAGE,
        "--cache-dir",
        path.join(work, "cache-k8s"),
        "--json",
      ),
      flowgate(
        "deploy",
        "sagemaker",
        "create",
        MODEL,
        "-m",
        modelUri,
        "--image-url",
        IMAGE,
        "-e",
        "arn:aws:iam::123456789012:role/sagemaker-exec",
        "-b",
        "seed000-models",
        "--region",
        "us-east-1",
        "--endpoint-url",
        moto.endpoint,
        "--cache-dir",
        path.join(work, "cache-sagemaker"),
        "--poll-interval",
        "0.1",
        "--json",
      ),
    ]);

    const dockerfile = readFileSync(path.join(context, "Dockerfile"), "utf8");
    assert.match(dockerfile, /^EXPOSE 8080$/m);
    assert.match(dockerfile, /^CMD \["serve"\]$/m);
    assert.match(dockerfile, /^COPY model_dir\/ \/opt\/ml\/model\/$/m);
    assert.equal(JSON.parse(image).runtime, "onnx");

    const written = readdirSync(manifests).join(" ");
    assert.match(written, /deployment/i);
    const deployment = readdirSync(manifests).find((f) => /deployment/i.test(f)) as string;
    assert.ok(readFileSync(path.join(manifests, deployment), "utf8").includes(`image: ${IMAGE}`));
    assert.ok(JSON.parse(k8s).files.length >= 4);

    const created = JSON.parse(sagemaker);
    assert.equal(created.status, "InService");
    const endpoint = JSON.parse(
      (
        await run(
          AWS,
          [
            "--endpoint-url",
            moto.endpoint,
            "--output",
            "json",
            "sagemaker",
            "describe-endpoint",
            "--endpoint-name",
            MODEL,
          ],
          { env: { ...process.env, ...moto.env } },
        )
      ).stdout,
    );
    assert.equal(endpoint.EndpointStatus, "InService");
    assert.deepEqual(
      endpoint.ProductionVariants.map((v: { VariantName: string }) => v.VariantName),
      [created.variantName],
    );
    // The tarball SageMaker unpacks into /opt/ml/model holds the same model the image copies there.
    const tarball = path.join(work, "model.tar.gz");
    const key = `${created.modelName}/model.tar.gz`;
    await run(
      AWS,
      [
        "--endpoint-url",
        moto.endpoint,
        "s3api",
        "get-object",
        "--bucket",
        "seed000-models",
        "--key",
        key,
        tarball,
      ],
      { env: { ...process.env, ...moto.env } },
    );
    const unpacked = mkdtempSync(path.join(work, "sagemaker-model-"));
    await extract({ file: tarball, cwd: unpacked });
    assert.equal(
      readFileSync(path.join(unpacked, "MLmodel"), "utf8"),
      readFileSync(path.join(context, "model_dir", "MLmodel"), "utf8"),
    );
  });

  it("the context's serving command, started locally, answers the seed's /invocations request", async () => {
    const port = await freePort();
    const cli = path.join(work, "flowgate.mjs");
    // The image runs the package's bin/flowgate.js; from the sources it is the same main().
    writeFileSync(
      cli,
      `const { main } = await import(${JSON.stringify(MAIN)});\nawait main(process.argv);\n`,
    );
    const child = spawn("sh", [path.join(context, "entrypoint.sh"), "serve"], {
      cwd: REPO,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        NODE_OPTIONS: "--import tsx",
        FLOWGATE_CLI: cli,
        FLOWGATE_MODEL_DIR: path.join(context, "model_dir"),
        FLOWGATE_CACHE_DIR: path.join(context, "cache"),
        FLOWGATE_PYTHON: PYTHON,
        FLOWGATE_HOST: "127.0.0.1",
        PORT: String(port),
        FLOWGATE_LOG_LEVEL: "warn",
      },
    });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the entrypoint exited ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`serving from the context never answered /ping: ${stderr}`);
      if (
        (await fetch(`${url}/ping`).then(
          (r) => r.ok,
          () => false,
        )) === true
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const answer = await fetch(`${url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(SEED_REQUEST),
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { predictions: [0, 2] });
  });
});
