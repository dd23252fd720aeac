// `flowgate batch k8s-job`: an Indexed Job whose pods each score one shard; validated with kubernetes-models
// and compared with test/deploy/golden/k8s/batch-job-*/ (rewrite with FLOWGATE_UPDATE_GOLDEN=1, review the diff).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderBatchJob } from "../../../src/deploy/kubernetes/batch-job.js";
import { manifestFileName, manifestYaml } from "../../../src/deploy/kubernetes/manifest-files.js";
import { manifestProblems, validateManifests } from "../../../src/deploy/validate/validate-manifests.js";
import { assertGolden } from "./golden.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read as plain JSON
type Json = any;

describe("batch k8s-job", () => {
  it("shards the inputs over N pods of an Indexed Job, each scoring --shard <index>/N, retried per index", async () => {
    const job = renderBatchJob({
      scorer: { modelUri: "models:/fraud-detector/3" },
      name: "fraud-detector",
      kind: "onnx",
      input: "s3://data/transactions/2026-12-01/*.parquet",
      output: "s3://data/scores/2026-12-01/",
      shards: 8,
      trackingUri: "http://flowgate.flowgate.svc:5000",
      tokenSecret: "flowgate-batch-token",
    });
    await validateManifests([job]);
    const spec = job.spec as Json;
    assert.equal(spec.completionMode, "Indexed");
    assert.equal(spec.completions, 8);
    assert.equal(spec.parallelism, 8);
    assert.equal(spec.backoffLimitPerIndex, 2);
    const pod = spec.template.spec;
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const container = pod.containers[0];
    assert.deepEqual(container.args.slice(-2), ["--shard", "$(JOB_COMPLETION_INDEX)/8"]);
    assert.ok(
      container.env.some((e: { name: string }) => e.name === "JOB_COMPLETION_INDEX"),
      "declared, so it expands in args",
    );
    assert.equal(container.readinessProbe, undefined, "a batch pod serves nothing");
    await assertGolden("k8s", "batch-job-onnx", { [manifestFileName(job)]: manifestYaml(job) });
  });

  it("scores through a deployment's primary with a Python model's resources", async () => {
    const job = renderBatchJob({
      scorer: { deployment: "churn-live" },
      name: "churn-live",
      kind: "python",
      input: "/data/in.csv",
      output: "/data/out.csv",
      shards: 3,
    });
    await validateManifests([job]);
    const container = (job.spec as Json).template.spec.containers[0];
    assert.deepEqual(container.args.slice(2, 4), ["--deployment", "churn-live"]);
    assert.equal(container.resources.limits.memory, "2Gi");
    await assertGolden("k8s", "batch-job-python", { [manifestFileName(job)]: manifestYaml(job) });
    assert.throws(
      () =>
        renderBatchJob({
          scorer: { deployment: "x" },
          name: "x",
          kind: "onnx",
          input: "a",
          output: "b",
          shards: 0,
        }),
      /--shards/,
    );
  });

  it("a broken Job fails validation", async () => {
    const job = renderBatchJob({
      scorer: { deployment: "x" },
      name: "x",
      kind: "onnx",
      input: "a",
      output: "b",
      shards: 2,
    }) as Json;
    job.spec.completions = "two";
    assert.equal((await manifestProblems([job])).length, 1);
  });
});
