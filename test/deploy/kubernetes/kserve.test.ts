// `flowgate deploy kserve`: the InferenceService validates against KServe's published CRD schema (unknown fields
// refused) and matches test/deploy/golden/kserve/<case>/ (rewrite with FLOWGATE_UPDATE_GOLDEN=1, review the diff).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderInferenceService, type KServeModel } from "../../../src/deploy/kubernetes/kserve.js";
import { manifestFileName, manifestYaml } from "../../../src/deploy/kubernetes/manifest-files.js";
import { CrdSchemas } from "../../../src/deploy/validate/crd-schemas.js";
import type { Manifest } from "../../../src/deploy/validate/manifest.js";
import { manifestProblems, validateManifests } from "../../../src/deploy/validate/validate-manifests.js";
import { assertGolden } from "./golden.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read as plain JSON
type Json = any;

const crds = new CrdSchemas();

const ONNX: KServeModel = {
  name: "fraud-detector",
  version: "3",
  kind: "onnx",
  storageUri: "s3://models/fraud-detector/3",
};
const PYTHON: KServeModel = {
  name: "churn",
  version: "12",
  kind: "python",
  storageUri: "s3://models/churn/12",
};
const CANARY: KServeModel = { ...ONNX, version: "4", storageUri: "s3://models/fraud-detector/4" };

function golden(name: string, o: Manifest): Promise<void> {
  return assertGolden("kserve", name, { [manifestFileName(o)]: manifestYaml(o) });
}

describe("deploy kserve", () => {
  it("serves a model with KServe's MLflow runtime over protocol v2, scaling between min and max replicas", async () => {
    const isvc = renderInferenceService(ONNX, { namespace: "ml", minReplicas: 2, maxReplicas: 8 });
    await validateManifests([isvc], { crds });
    const predictor = (isvc.spec as { predictor: Record<string, unknown> }).predictor;
    assert.deepEqual(predictor.model, {
      name: "kserve-container",
      modelFormat: { name: "mlflow" },
      protocolVersion: "v2",
      storageUri: "s3://models/fraud-detector/3",
      resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    });
    assert.equal(predictor.minReplicas, 2);
    assert.equal(predictor.scaleMetric, "concurrency");
    await golden("onnx", isvc);
  });

  it("gives a Python model its resources, and Standard mode scales on CPU", async () => {
    const isvc = renderInferenceService(PYTHON, { mode: "standard" });
    await validateManifests([isvc], { crds });
    assert.equal(isvc.metadata.annotations?.["serving.kserve.io/deploymentMode"], "Standard");
    assert.equal((isvc.spec as Json).predictor.scaleMetric, "cpu");
    assert.equal((isvc.spec as Json).predictor.model.resources.limits.memory, "2Gi");
    await golden("python-standard", isvc);
  });

  it("writes a Knative canary as canaryTrafficPercent on the new predictor", async () => {
    const isvc = renderInferenceService(ONNX, { canary: { model: CANARY, percent: 10 } });
    await validateManifests([isvc], { crds });
    const spec = isvc.spec as Json;
    assert.equal(spec.predictor.canaryTrafficPercent, 10);
    assert.equal(spec.predictor.model.storageUri, "s3://models/fraud-detector/4");
    assert.equal(spec.canary, undefined);
    await golden("canary-knative", isvc);
  });

  it("writes a Standard-mode canary as spec.canary[] beside the primary predictor", async () => {
    const isvc = renderInferenceService(ONNX, { mode: "standard", canary: { model: CANARY, percent: 25 } });
    await validateManifests([isvc], { crds });
    const spec = isvc.spec as Json;
    assert.equal(spec.predictor.model.storageUri, "s3://models/fraud-detector/3");
    assert.equal(spec.canary[0].trafficPercent, 25);
    assert.equal(spec.canary[0].predictor.model.storageUri, "s3://models/fraud-detector/4");
    await golden("canary-standard", isvc);
  });

  it("refuses a canary percent outside 0–100, and a broken InferenceService fails the schema", async () => {
    assert.throws(
      () => renderInferenceService(ONNX, { canary: { model: CANARY, percent: 120 } }),
      /0 to 100/,
    );
    const broken = structuredClone(
      renderInferenceService(ONNX, { mode: "standard", canary: { model: CANARY, percent: 25 } }),
    ) as Json;
    broken.spec.canary[0].trafficPercent = 150;
    broken.spec.predictor.model.protocolVerison = "v2";
    const [found] = await manifestProblems([broken], { crds });
    assert.ok(
      found?.problems.some((p) => p.includes("spec.canary.0.trafficPercent")),
      JSON.stringify(found),
    );
    assert.ok(
      found?.problems.some((p) => p.includes("unknown field 'protocolVerison'")),
      JSON.stringify(found),
    );
  });
});
