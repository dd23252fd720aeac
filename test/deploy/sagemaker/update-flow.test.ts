// SageMaker create → status → replace (canary) → add (weight 0) → a rolled-back update → delete, asserting every
// AWS call and its parameters. SageMaker is test/deploy/sagemaker/recording-stub.ts (moto has no UpdateEndpoint;
// MLflow tests its updates against mocks the same way); S3 is a real moto server. The SDK finds both through the
// per-service endpoint variables AWS_ENDPOINT_URL_SAGEMAKER and AWS_ENDPOINT_URL_S3, as a user's shell would set.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { FlowgateError } from "../../../src/core/errors.js";
import { sageMakerClients, type SageMakerClients } from "../../../src/deploy/sagemaker/aws-clients.js";
import { deployToSageMaker, type DeployRequest } from "../../../src/deploy/sagemaker/endpoint-deploy.js";
import { deleteEndpoint, endpointStatus } from "../../../src/deploy/sagemaker/endpoint-ops.js";
import { updatePolicyFromFlags } from "../../../src/deploy/sagemaker/update-policy.js";
import { startMoto, type Moto } from "../../support/moto.js";
import { startSageMakerStub, type SageMakerStub } from "./recording-stub.js";

const BUCKET = "flowgate-models";
const ROLE = "arn:aws:iam::123456789012:role/sagemaker-exec";
const IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/flowgate-serving:1";
const CAPTURE = {
  EnableCapture: true,
  InitialSamplingPercentage: 100,
  DestinationS3Uri: `s3://${BUCKET}/capture`,
  CaptureOptions: [{ CaptureMode: "Input" as const }, { CaptureMode: "Output" as const }],
};
const WAIT = { timeoutSeconds: 10, pollSeconds: 0.01 };

describe("deploy sagemaker: updates against the recording stub (S3 on moto)", () => {
  let moto: Moto;
  let stub: SageMakerStub;
  let clients: SageMakerClients;
  let modelDir: string;
  const log: string[] = [];

  before(async () => {
    [moto, stub] = await Promise.all([startMoto(), startSageMakerStub()]);
    Object.assign(process.env, moto.env, {
      AWS_ENDPOINT_URL_SAGEMAKER: stub.url,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
    });
    clients = sageMakerClients({ region: "us-east-1" });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    modelDir = mkdtempSync(path.join(tmpdir(), "flowgate-sm-model-"));
    writeFileSync(
      path.join(modelDir, "MLmodel"),
      "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n",
    );
  });
  after(async () => {
    await Promise.all([moto.stop(), stub.close()]);
  });

  const request = (overrides: Partial<DeployRequest>): DeployRequest => ({
    mode: "create",
    endpoint: "fraud-detector",
    model: { uri: "models:/fraud-detector/1", dir: modelDir },
    imageUrl: IMAGE,
    executionRoleArn: ROLE,
    bucket: BUCKET,
    instanceType: "ml.m5.large",
    instanceCount: 1,
    env: {},
    tags: {},
    wait: WAIT,
    archive: false,
    ...overrides,
  });
  /** The calls made since `from`, and `from` moved past them. */
  let seen = 0;
  const newCalls = () => {
    const calls = stub.calls.slice(seen);
    seen = stub.calls.length;
    return calls;
  };
  const objectKeys = async () =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key);

  let first: Awaited<ReturnType<typeof deployToSageMaker>>;
  let second: Awaited<ReturnType<typeof deployToSageMaker>>;

  it("create uploads the tarball, creates model, config and endpoint, and waits for InService", async () => {
    first = await deployToSageMaker(
      clients,
      request({
        dataCapture: CAPTURE,
        env: { GUNICORN_CMD_ARGS: "--timeout 60" },
        tags: { team: "payments" },
        vpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1"] },
      }),
      (l) => log.push(l),
    );
    assert.equal(first.action, "created");
    assert.equal(first.status, "InService");
    assert.match(first.modelName, /^fraud-detector-model-[0-9a-f]{16}$/);
    assert.match(first.configName, /^fraud-detector-config-[0-9a-f]{16}$/);
    assert.equal(first.modelDataUrl, `s3://${BUCKET}/${first.modelName}/model.tar.gz`);
    const calls = newCalls();
    assert.deepEqual(
      calls.map((c) => c.operation),
      [
        "DescribeEndpoint",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
      ],
    );
    for (const c of calls)
      assert.match(c.scope ?? "", /^testing\/\d{8}\/us-east-1\/sagemaker\/aws4_request$/);
    assert.deepEqual(calls[0]!.params, { EndpointName: "fraud-detector" });
    assert.deepEqual(calls[1]!.params, {
      ModelName: first.modelName,
      PrimaryContainer: {
        Image: IMAGE,
        ModelDataUrl: first.modelDataUrl,
        Environment: { GUNICORN_CMD_ARGS: "--timeout 60" },
      },
      ExecutionRoleArn: ROLE,
      VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1"] },
      Tags: [
        { Key: "team", Value: "payments" },
        { Key: "model_uri", Value: "models:/fraud-detector/1" },
      ],
    });
    assert.deepEqual(calls[2]!.params, {
      EndpointConfigName: first.configName,
      ProductionVariants: [
        {
          VariantName: first.modelName,
          ModelName: first.modelName,
          InitialVariantWeight: 1,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
      DataCaptureConfig: CAPTURE,
      Tags: [{ Key: "app_name", Value: "fraud-detector" }],
    });
    assert.deepEqual(calls[3]!.params, {
      EndpointName: "fraud-detector",
      EndpointConfigName: first.configName,
      Tags: [
        { Key: "team", Value: "payments" },
        { Key: "app_name", Value: "fraud-detector" },
      ],
    });
    assert.deepEqual(await objectKeys(), [`${first.modelName}/model.tar.gz`]);
    const tarball = await clients.s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `${first.modelName}/model.tar.gz` }),
    );
    assert.equal(tarball.ContentType, "application/gzip");
  });

  it("status shows the endpoint's one variant with its model, weight and instances", async () => {
    const status = await endpointStatus(clients, "fraud-detector");
    assert.equal(status.status, "InService");
    assert.equal(status.configName, first.configName);
    assert.equal(status.dataCapture, true);
    assert.deepEqual(
      status.variants.map((v) => [v.name, v.model, v.currentWeight, v.currentInstances, v.instanceType]),
      [[first.modelName, first.modelName, 1, 1, "ml.m5.large"]],
    );
    assert.deepEqual(
      newCalls().map((c) => [c.operation, c.params]),
      [
        ["DescribeEndpoint", { EndpointName: "fraud-detector" }],
        ["DescribeEndpointConfig", { EndpointConfigName: first.configName }],
      ],
    );
  });

  it("create refuses an endpoint that exists, before uploading anything", async () => {
    await assert.rejects(
      deployToSageMaker(clients, request({}), () => {}),
      (e: FlowgateError) => e.code === "RESOURCE_ALREADY_EXISTS" && /replace.*add/.test(e.message),
    );
    assert.deepEqual(
      newCalls().map((c) => c.operation),
      ["DescribeEndpoint"],
    );
    assert.equal((await objectKeys()).length, 1);
  });

  it("replace by canary: a new config keeping the variant's name and the data capture, then the old model, tarball and config go", async () => {
    const policy = updatePolicyFromFlags({
      trafficRouting: "canary",
      canarySize: "10%",
      waitInterval: "600",
      terminationWait: "300",
      rollbackAlarm: ["fraud-detector-5xx", "fraud-detector-p99"],
    });
    second = await deployToSageMaker(
      clients,
      request({
        mode: "replace",
        model: { uri: "models:/fraud-detector/2", dir: modelDir },
        updatePolicy: policy,
      }),
      (l) => log.push(l),
    );
    assert.equal(second.action, "updated");
    assert.equal(second.variantName, first.modelName, "blue/green needs the old variant name");
    assert.deepEqual(second.deleted, { configs: [first.configName], models: [first.modelName] });
    const calls = newCalls();
    assert.deepEqual(
      calls.map((c) => c.operation),
      [
        "DescribeEndpoint",
        "DescribeEndpointConfig",
        "CreateModel",
        "CreateEndpointConfig",
        "UpdateEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
        "DescribeModel",
        "DeleteModel",
        "DeleteEndpointConfig",
      ],
    );
    assert.equal(calls[2]!.params.PrimaryContainer.ModelDataUrl, second.modelDataUrl);
    assert.deepEqual(calls[2]!.params.Tags, [{ Key: "model_uri", Value: "models:/fraud-detector/2" }]);
    assert.deepEqual(calls[3]!.params, {
      EndpointConfigName: second.configName,
      ProductionVariants: [
        {
          VariantName: first.modelName,
          ModelName: second.modelName,
          InitialVariantWeight: 1,
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
      DataCaptureConfig: CAPTURE,
      Tags: [{ Key: "app_name", Value: "fraud-detector" }],
    });
    assert.deepEqual(calls[4]!.params, {
      EndpointName: "fraud-detector",
      EndpointConfigName: second.configName,
      DeploymentConfig: {
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: "CANARY",
            WaitIntervalInSeconds: 600,
            CanarySize: { Type: "CAPACITY_PERCENT", Value: 10 },
          },
          TerminationWaitInSeconds: 300,
        },
        AutoRollbackConfiguration: {
          Alarms: [{ AlarmName: "fraud-detector-5xx" }, { AlarmName: "fraud-detector-p99" }],
        },
      },
    });
    assert.deepEqual(calls[7]!.params, { ModelName: first.modelName });
    assert.deepEqual(calls[8]!.params, { ModelName: first.modelName });
    assert.deepEqual(calls[9]!.params, { EndpointConfigName: first.configName });
    assert.deepEqual(await objectKeys(), [`${second.modelName}/model.tar.gz`]);
  });

  let third: Awaited<ReturnType<typeof deployToSageMaker>>;

  it("add puts the new variant at weight 0 beside the running one and deletes only the old config", async () => {
    third = await deployToSageMaker(
      clients,
      request({
        mode: "add",
        variantName: "challenger",
        model: { uri: "models:/fraud-detector/3", dir: modelDir },
      }),
      () => {},
    );
    assert.deepEqual(third.deleted, { configs: [second.configName], models: [] });
    const calls = newCalls();
    assert.deepEqual(
      calls.map((c) => c.operation),
      [
        "DescribeEndpoint",
        "DescribeEndpointConfig",
        "CreateModel",
        "CreateEndpointConfig",
        "UpdateEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
        "DeleteEndpointConfig",
      ],
    );
    assert.deepEqual(calls[3]!.params.ProductionVariants, [
      {
        VariantName: first.modelName,
        ModelName: second.modelName,
        InitialVariantWeight: 1,
        InstanceType: "ml.m5.large",
        InitialInstanceCount: 1,
      },
      {
        VariantName: "challenger",
        ModelName: third.modelName,
        InitialVariantWeight: 0,
        InstanceType: "ml.m5.large",
        InitialInstanceCount: 1,
      },
    ]);
    assert.deepEqual(
      calls[3]!.params.DataCaptureConfig,
      CAPTURE,
      "data capture survives every update (mlflow#7255)",
    );
    assert.deepEqual(calls[4]!.params, {
      EndpointName: "fraud-detector",
      EndpointConfigName: third.configName,
      RetainAllVariantProperties: true,
    });
    assert.deepEqual(calls[7]!.params, { EndpointConfigName: second.configName });
    const status = await endpointStatus(clients, "fraud-detector");
    newCalls();
    assert.deepEqual(
      status.variants.map((v) => [v.name, v.model, v.currentWeight]),
      [
        [first.modelName, second.modelName, 1],
        ["challenger", third.modelName, 0],
      ],
    );
    assert.equal((await objectKeys()).length, 2);
  });

  it("an update SageMaker rolls back is an error, and nothing that still serves is deleted", async () => {
    stub.rollBackNextUpdate("Alarm fraud-detector-5xx fired; traffic rolled back to the previous fleet.");
    await assert.rejects(
      deployToSageMaker(
        clients,
        request({
          mode: "replace",
          dataCapture: null,
          model: { uri: "models:/fraud-detector/4", dir: modelDir },
        }),
        () => {},
      ),
      (e: FlowgateError) =>
        e.code === "ABORTED" &&
        e.message.includes(`runs config '${third.configName}'`) &&
        e.message.includes("Alarm fraud-detector-5xx fired"),
    );
    const calls = newCalls();
    assert.deepEqual(
      calls.map((c) => c.operation),
      [
        "DescribeEndpoint",
        "DescribeEndpointConfig",
        "CreateModel",
        "CreateEndpointConfig",
        "UpdateEndpoint",
        "DescribeEndpoint", // Updating
        "DescribeEndpoint", // RollingBack
        "DescribeEndpoint", // InService, old config
      ],
    );
    assert.equal(calls[3]!.params.DataCaptureConfig, undefined, "--no-data-capture drops it");
    assert.equal(stub.endpoints.get("fraud-detector")!.config, third.configName);
    assert.ok(stub.models.has(second.modelName) && stub.models.has(third.modelName));
  });

  it("delete removes the endpoint, then its config, models and tarballs", async () => {
    const leftover = [...stub.models.keys()].filter((m) => m !== second.modelName && m !== third.modelName);
    const result = await deleteEndpoint(clients, "fraud-detector", { archive: false, wait: WAIT }, () => {});
    assert.deepEqual(result.deleted, {
      configs: [third.configName],
      models: [second.modelName, third.modelName],
    });
    assert.deepEqual(
      newCalls().map((c) => [c.operation, c.params]),
      [
        ["DescribeEndpoint", { EndpointName: "fraud-detector" }],
        ["DescribeEndpointConfig", { EndpointConfigName: third.configName }],
        ["DeleteEndpoint", { EndpointName: "fraud-detector" }],
        ["DescribeEndpoint", { EndpointName: "fraud-detector" }],
        ["DeleteEndpointConfig", { EndpointConfigName: third.configName }],
        ["DescribeModel", { ModelName: second.modelName }],
        ["DeleteModel", { ModelName: second.modelName }],
        ["DescribeModel", { ModelName: third.modelName }],
        ["DeleteModel", { ModelName: third.modelName }],
      ],
    );
    assert.equal(stub.endpoints.size, 0);
    // What remains is the rolled-back update's model and config, kept for inspection.
    assert.deepEqual([...stub.models.keys()], leftover);
    assert.deepEqual(
      await objectKeys(),
      leftover.map((m) => `${m}/model.tar.gz`),
    );
  });

  it("add creates a missing endpoint with its variant at weight 1 (as MLflow); replace --archive keeps what it replaced", async () => {
    const added = await deployToSageMaker(clients, request({ mode: "add", endpoint: "scratch" }), () => {});
    assert.equal(added.action, "created");
    const calls = newCalls();
    assert.deepEqual(
      calls.map((c) => c.operation),
      [
        "DescribeEndpoint",
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
        "DescribeEndpoint",
        "DescribeEndpoint",
      ],
    );
    assert.equal(calls[2]!.params.ProductionVariants[0].InitialVariantWeight, 1);
    const replaced = await deployToSageMaker(
      clients,
      request({ mode: "replace", endpoint: "scratch", archive: true }),
      () => {},
    );
    assert.deepEqual(replaced.deleted, { configs: [], models: [] });
    assert.equal(newCalls().filter((c) => c.operation.startsWith("Delete")).length, 0);
    assert.ok(stub.configs.has(added.configName) && stub.models.has(added.modelName));
    assert.equal(stub.endpoints.get("scratch")!.config, replaced.configName);
  });

  it("a deployment that does not settle within --timeout is DEADLINE_EXCEEDED, naming the last status", async () => {
    stub.neverSettle();
    await assert.rejects(
      deployToSageMaker(
        clients,
        request({ endpoint: "slow", wait: { timeoutSeconds: 0.2, pollSeconds: 0.02 } }),
        () => {},
      ),
      (e: FlowgateError) => e.code === "DEADLINE_EXCEEDED" && /last status: Creating/.test(e.message),
    );
    newCalls();
  });

  it("refuses what SageMaker would refuse or what could lose data, before any change", async () => {
    await assert.rejects(
      deployToSageMaker(clients, request({ endpoint: "new-one", wait: undefined }), () => {}),
      (e: FlowgateError) => e.code === "INVALID_PARAMETER_VALUE" && /--async needs --archive/.test(e.message),
    );
    await assert.rejects(
      deployToSageMaker(
        clients,
        request({
          endpoint: "new-one",
          mode: "replace",
          updatePolicy: updatePolicyFromFlags({ trafficRouting: "all-at-once" }),
        }),
        () => {},
      ),
      (e: FlowgateError) => /does not exist yet; traffic routing/.test(e.message),
    );
    assert.deepEqual(
      newCalls().map((c) => c.operation),
      ["DescribeEndpoint"],
    );
  });
});
