// The commands as a user runs them (`flowgate` from source in a child process): `deploy k8s` with a server-side
// dry-run apply against the recording Kubernetes API stub (kube-api-stub.ts; no cluster in CI), `deploy kserve`
// and `batch k8s-job`, each on a local ONNX or Python model directory, writing validated manifests.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { startKubeApiStub, type KubeApiStub } from "./kube-api-stub.js";

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../src/cli/main.ts");

async function flowgate(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  const script = `const { main } = await import(${JSON.stringify(MAIN)}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, ...args],
      {
        env: { ...process.env, ...env },
      },
    );
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
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
  before(async () => {
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
});
