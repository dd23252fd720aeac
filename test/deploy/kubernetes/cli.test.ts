// The commands as a user runs them (argv parsed by the commands' registration): `deploy k8s` with a server-side dry-run apply
// against the recording Kubernetes API stub (kube-api-stub.ts; no cluster in CI), `deploy kserve` and
// `batch k8s-job` on local ONNX and Python model directories, and `deploy k8s --deployment` against a real
// Flowgate server whose routing snapshot lands in the ConfigMap.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { registerBatchK8sJobCommand } from "../../../src/cli/commands/batch-k8s-job.js";
import { registerDeployK8sCommands } from "../../../src/cli/commands/deploy-k8s.js";
import { createDeploymentsClient } from "../../../src/sdk/deployments-client.js";
import { BACKENDS } from "../../support/backends.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { modelWithVersions } from "../../registry/registry-fixtures.js";
import { startKubeApiStub, type KubeApiStub } from "./kube-api-stub.js";

/**
 * `flowgate <args>` in this process: a program with these commands registered as main.ts registers them,
 * parsing argv as the CLI does (no child process per command: the commands here only succeed), output captured.
 */
async function flowgate(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const program = new Command().name("flowgate");
  registerDeployK8sCommands(program);
  registerBatchK8sJobCommand(program);
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  // Passed through as well: the test runner's own protocol goes over stdout meanwhile.
  process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    stdout += String(chunk);
    return out(chunk, ...rest);
  };
  process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    stderr += String(chunk);
    return err(chunk, ...rest);
  };
  try {
    await program.parseAsync(["node", "flowgate", ...args]);
    return { stdout, stderr, code: 0 };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

async function modelDir(root: string, name: string, flavors: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "MLmodel"), `artifact_path: model\nflavors:\n${flavors}`);
  return dir;
}

describe("flowgate deploy k8s | kserve, batch k8s-job", () => {
  let root: string;
  let stub: KubeApiStub;
  let onnx: string;
  let python: string;
  let server: TestServer;
  before(async () => {
    // The CLI only reads the deployment over HTTP: one back end shows it.
    server = await startTestServer(BACKENDS.find((b) => b.name === "sqlite")!);
    root = await mkdtemp(path.join(tmpdir(), "flowgate-k8s-cli-"));
    stub = await startKubeApiStub();
    onnx = await modelDir(
      root,
      "fraud-detector",
      "  onnx:\n    data: model.onnx\n    onnx_version: 1.17.0\n",
    );
    python = await modelDir(
      root,
      "churn",
      "  python_function:\n    loader_module: mlflow.sklearn\n    python_version: 3.11.9\n",
    );
  });
  after(async () => {
    await server.close();
    await stub.close();
    await rm(root, { recursive: true, force: true });
  });

  it("deploy k8s writes the validated manifests and, with --apply --dry-run=server, applies them server-side as a dry run", async () => {
    const out = path.join(root, "k8s");
    const kubeconfig = await stub.writeKubeconfig(root, "serving");
    const r = await flowgate([
      "deploy",
      "k8s",
      "-m",
      onnx,
      "-o",
      out,
      "--apply",
      "--dry-run=server",
      "--kubeconfig",
      kubeconfig,
      "--ingress-host",
      "fraud.example.com",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.deepEqual((await readdir(out)).sort(), [...result.files].sort());
    assert.equal(result.applied.length, 5);
    assert.equal(result.dryRun, true);
    const deployment = parseYaml(await readFile(path.join(out, "deployment-fraud-detector.yaml"), "utf8"));
    assert.equal(deployment.metadata.annotations["flowgate.dev/runtime"], "onnx", "ONNX flavor detected");
    const patches = stub.calls.filter((c) => c.method === "PATCH");
    assert.equal(patches.length, 5);
    for (const p of patches) {
      assert.equal(p.query.dryRun, "All");
      assert.equal(p.query.fieldManager, "flowgate");
      assert.match(p.path, /\/namespaces\/serving\//);
    }
  });

  it("deploy kserve writes a Standard-mode canary of a Python model as spec.canary[]", async () => {
    const out = path.join(root, "kserve");
    const r = await flowgate([
      "deploy",
      "kserve",
      "-m",
      python,
      "-o",
      out,
      "--storage-uri",
      "s3://models/churn/{version}",
      "--mode",
      "standard",
      "--canary-percent",
      "20",
      "--primary-storage-uri",
      "s3://models/churn/11",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const isvc = parseYaml(await readFile(path.join(out, "inferenceservice-churn.yaml"), "utf8"));
    assert.equal(isvc.spec.predictor.model.storageUri, "s3://models/churn/11");
    assert.deepEqual(
      [isvc.spec.canary[0].trafficPercent, isvc.spec.canary[0].predictor.model.storageUri],
      [20, "s3://models/churn/local"],
    );
    assert.equal(isvc.spec.predictor.model.resources.limits.memory, "2Gi", "a Python model's resources");
  });

  it("batch k8s-job writes an Indexed Job of N shards", async () => {
    const out = path.join(root, "job");
    const r = await flowgate([
      "batch",
      "k8s-job",
      "-m",
      onnx,
      "-i",
      "s3://data/in/*.csv",
      "-o",
      "s3://data/out/",
      "--shards",
      "4",
      "--output-dir",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const job = parseYaml(await readFile(path.join(out, "job-fraud-detector-batch.yaml"), "utf8"));
    assert.equal(job.spec.completions, 4);
    assert.deepEqual(job.spec.template.spec.containers[0].args.slice(-2), [
      "--shard",
      "$(JOB_COMPLETION_INDEX)/4",
    ]);
  });

  it("deploy k8s --deployment puts the server's current routing snapshot in the ConfigMap the pods start from", async () => {
    await modelWithVersions(server, "fraud-detector", 2);
    const client = createDeploymentsClient({ trackingUri: server.url });
    const view = await client.create(
      { name: "fraud-live", model: "fraud-detector", primary: "1", shadow: { version: "2", percent: 10 } },
      "first deployment",
    );
    const out = path.join(root, "deployment");
    const r = await flowgate([
      "deploy",
      "k8s",
      "--deployment",
      "fraud-live",
      "--runtime",
      "onnx",
      "--tracking-uri",
      server.url,
      "--pod-tracking-uri",
      "http://flowgate.ml.svc:5000",
      "-o",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const configMap = parseYaml(await readFile(path.join(out, "configmap-fraud-live-routing.yaml"), "utf8"));
    const snapshot = JSON.parse(configMap.data["fraud-live.json"]);
    assert.deepEqual(snapshot, (await client.routing("fraud-live")).snapshot);
    assert.equal(snapshot.revision, view.revision);
    const deployment = parseYaml(await readFile(path.join(out, "deployment-fraud-live.yaml"), "utf8"));
    const env = deployment.spec.template.spec.containers[0].env;
    assert.deepEqual(
      env.find((e: { name: string }) => e.name === "MLFLOW_TRACKING_URI").value,
      "http://flowgate.ml.svc:5000",
    );
  });
});
