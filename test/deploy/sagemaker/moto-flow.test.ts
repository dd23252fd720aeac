// `flowgate deploy sagemaker` create → status → predict → delete from the command line against moto in server mode
// (real SageMaker, SageMaker Runtime and S3 wire protocols; moto has every call these commands make), with what
// was created checked by a second, independent client: awscli v2 (/usr/bin/aws).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { list } from "tar";
import { startMoto, type Moto } from "../../support/moto.js";

const AWS = "/usr/bin/aws";
const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/cli/main.ts");
const BUCKET = "models-bucket";
const ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/flowgate-serving:0.1";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- awscli's and the CLI's JSON output, of many shapes
type Json = any;

describe("deploy sagemaker against moto, checked with awscli", () => {
  let moto: Moto;
  let scratch: string;
  let modelDir: string;

  const env = () => ({ ...process.env, ...moto.env });
  const awsJson = async (...args: string[]): Promise<Json> => {
    const { stdout } = await promisify(execFile)(
      AWS,
      ["--endpoint-url", moto.endpoint, "--output", "json", ...args],
      {
        env: env(),
      },
    );
    return stdout.trim() === "" ? {} : JSON.parse(stdout);
  };
  const flowgate = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          script,
          "deploy",
          "sagemaker",
          ...args,
          "--endpoint-url",
          moto.endpoint,
        ],
        { env: env() },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    moto = await startMoto();
    scratch = mkdtempSync(path.join(tmpdir(), "flowgate-sm-moto-"));
    modelDir = path.join(scratch, "model");
    mkdirSync(path.join(modelDir, "artifacts"), { recursive: true });
    writeFileSync(
      path.join(modelDir, "MLmodel"),
      "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n",
    );
    writeFileSync(path.join(modelDir, "artifacts", "model.pkl"), "not really a pickle");
    writeFileSync(
      path.join(scratch, "capture.json"),
      JSON.stringify({
        EnableCapture: true,
        InitialSamplingPercentage: 50,
        DestinationS3Uri: `s3://${BUCKET}/capture`,
        CaptureOptions: [{ CaptureMode: "Input" }],
      }),
    );
    await awsJson("s3api", "create-bucket", "--bucket", BUCKET);
  });
  after(() => moto.stop());

  let created: Json;

  it("create uploads model.tar.gz (tagged SageMaker=true, the model dir at its root) and starts the endpoint", async () => {
    const run = await flowgate(
      "create",
      "churn",
      "-m",
      modelDir,
      "--image-url",
      IMAGE,
      "-e",
      ROLE,
      "-b",
      BUCKET,
      "--region",
      "us-east-1",
      "--data-capture-config",
      path.join(scratch, "capture.json"),
      "--env",
      "FLOWGATE_LOG_LEVEL=info",
      "--poll-interval",
      "0.1",
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    created = JSON.parse(run.stdout);
    assert.equal(created.action, "created");
    assert.equal(created.status, "InService");
    assert.match(run.stderr, /created model churn-model-/);

    const model = await awsJson("sagemaker", "describe-model", "--model-name", created.modelName);
    assert.equal(model.PrimaryContainer.Image, IMAGE);
    assert.equal(model.PrimaryContainer.ModelDataUrl, `s3://${BUCKET}/${created.modelName}/model.tar.gz`);
    assert.deepEqual(model.PrimaryContainer.Environment, { FLOWGATE_LOG_LEVEL: "info" });
    assert.equal(model.ExecutionRoleArn, ROLE);
    const config = await awsJson(
      "sagemaker",
      "describe-endpoint-config",
      "--endpoint-config-name",
      created.configName,
    );
    assert.equal(config.DataCaptureConfig.InitialSamplingPercentage, 50);
    assert.deepEqual(
      (config.ProductionVariants as Json[]).map((v) => [
        String(v.VariantName),
        String(v.ModelName),
        String(v.InstanceType),
        Number(v.InitialInstanceCount),
      ]),
      [[created.variantName, created.modelName, "ml.m5.large", 1]],
    );

    const key = `${created.modelName}/model.tar.gz`;
    const tags = await awsJson("s3api", "get-object-tagging", "--bucket", BUCKET, "--key", key);
    assert.deepEqual(tags.TagSet, [{ Key: "SageMaker", Value: "true" }]);
    const local = path.join(scratch, "downloaded.tar.gz");
    await awsJson("s3api", "get-object", "--bucket", BUCKET, "--key", key, local);
    const entries: string[] = [];
    await list({ file: local, onReadEntry: (e) => entries.push(e.path) });
    assert.deepEqual(entries.sort(), ["MLmodel", "artifacts/", "artifacts/model.pkl"]);
  });

  it("status prints the endpoint and its variant", async () => {
    const run = await flowgate("status", "churn");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^endpoint {3}churn$/m);
    assert.match(run.stdout, /^status {5}InService$/m);
    assert.match(run.stdout, /^capture {4}on$/m);
    assert.match(
      run.stdout,
      new RegExp(`^  ${created.variantName}  model=${created.modelName}  weight=1→1`, "m"),
    );
  });

  it("create of an existing endpoint fails in one line with exit code 2, naming the commands that change it", async () => {
    const run = await flowgate(
      "create",
      "churn",
      "-m",
      modelDir,
      "--image-url",
      IMAGE,
      "-e",
      ROLE,
      "-b",
      BUCKET,
    );
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr.trim(),
      "flowgate: RESOURCE_ALREADY_EXISTS: SageMaker endpoint 'churn' already exists; to change it use `flowgate deploy sagemaker replace` or `add`.",
    );
    assert.equal((await awsJson("sagemaker", "list-models")).Models.length, 1, "nothing was created");
  });

  it("predict sends the file to InvokeEndpoint and prints the answer", async () => {
    await fetch(`${moto.endpoint}/moto-api/static/sagemaker/endpoint-results`, {
      method: "POST",
      body: JSON.stringify({ results: [{ Body: '{"predictions": [1]}', ContentType: "application/json" }] }),
    });
    const input = path.join(scratch, "request.json");
    writeFileSync(input, JSON.stringify({ dataframe_split: { columns: ["x"], data: [[1]] } }));
    const run = await flowgate("predict", "churn", "-i", input);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), '{"predictions": [1]}');
  });

  it("delete removes the endpoint, its config, its model and the tarball", async () => {
    const run = await flowgate("delete", "churn", "--poll-interval", "0.1");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((await awsJson("sagemaker", "list-endpoints")).Endpoints, []);
    assert.deepEqual((await awsJson("sagemaker", "list-endpoint-configs")).EndpointConfigs, []);
    assert.deepEqual((await awsJson("sagemaker", "list-models")).Models, []);
    const objects = await awsJson("s3api", "list-objects-v2", "--bucket", BUCKET);
    assert.equal(objects.Contents, undefined, JSON.stringify(objects));
  });
});
