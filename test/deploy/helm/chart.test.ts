// The Helm chart deploy/helm/flowgate, rendered by a real helm (v3.22, built into .services/bin by
// scripts/setup-helm.sh; FLOWGATE_HELM names another) with `helm template` for a few values sets; every object
// validates (kubernetes-models) and the output matches test/deploy/golden/helm/<set>.yaml (rewrite with
// FLOWGATE_UPDATE_GOLDEN=1 and review the diff).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import type { Manifest } from "../../../src/deploy/validate/manifest.js";
import { validateManifests } from "../../../src/deploy/validate/validate-manifests.js";
import { assertGolden } from "../kubernetes/golden.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const CHART = path.join(REPO, "deploy/helm/flowgate");
const HELM = process.env.FLOWGATE_HELM ?? path.join(REPO, ".services/bin/helm");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered objects are read as plain JSON
type Json = any;

async function helmTemplate(sets: string[]): Promise<{ text: string; objects: Manifest[] }> {
  assert.ok(existsSync(HELM), `helm is missing at ${HELM}: run scripts/setup-helm.sh`);
  const { stdout } = await promisify(execFile)(HELM, [
    "template",
    "fg",
    CHART,
    "--namespace",
    "ml",
    ...sets.flatMap((s) => ["--set", s]),
  ]);
  const objects = parseAllDocuments(stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
  return { text: stdout, objects };
}

function find(objects: Manifest[], kind: string, name: string): Json {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} rendered`);
  return o;
}

function env(container: Json): Record<string, Json> {
  return Object.fromEntries(container.env.map((e: Json): [string, Json] => [e.name, e.value ?? e.valueFrom]));
}

describe("helm chart deploy/helm/flowgate", () => {
  it("by default runs two server replicas on PostgreSQL from a Secret, one shared secret key, artifacts on a RWX volume", async () => {
    const { text, objects } = await helmTemplate([]);
    await validateManifests(objects);
    assert.deepEqual(objects.map((o) => o.kind).sort(), [
      "Deployment",
      "PersistentVolumeClaim",
      "PodDisruptionBudget",
      "Service",
    ]);
    const deployment = find(objects, "Deployment", "fg-flowgate");
    assert.equal(deployment.spec.replicas, 2);
    const container = deployment.spec.template.spec.containers[0];
    const e = env(container);
    assert.deepEqual(e.FLOWGATE_BACKEND_STORE_URI, {
      secretKeyRef: { name: "flowgate-database", key: "url" },
    });
    assert.deepEqual(e.FLOWGATE_SECRET_KEY, {
      secretKeyRef: { name: "flowgate-secret-key", key: "secret-key" },
    });
    assert.equal(e.FLOWGATE_ARTIFACTS_DESTINATION, "/var/lib/flowgate/artifacts");
    assert.match(e.FLOWGATE_ALLOWED_HOSTS, /fg-flowgate\.ml\.svc/);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(
      find(objects, "PersistentVolumeClaim", "fg-flowgate-artifacts").spec.accessModes[0],
      "ReadWriteMany",
    );
    await assertGolden("helm", "defaults", { "rendered.yaml": text });
  });

  it("stores artifacts in S3 with the endpoint and credentials from a Secret, behind an Ingress, with a serving deployment", async () => {
    const { text, objects } = await helmTemplate([
      "replicaCount=3",
      "artifacts.type=s3",
      "artifacts.s3.destination=s3://ml-artifacts/flowgate",
      "artifacts.s3.endpointUrl=http://minio.storage:9000",
      "artifacts.s3.credentialsSecret=flowgate-s3",
      "ingress.enabled=true",
      "ingress.className=nginx",
      "ingress.hosts[0]=flowgate.example.com",
      "serving[0].name=fraud-live",
      "serving[0].runtime=onnx",
      "serving[0].tokenSecret=fraud-live-token",
    ]);
    await validateManifests(objects);
    const server = find(objects, "Deployment", "fg-flowgate");
    assert.equal(server.spec.replicas, 3);
    const e = env(server.spec.template.spec.containers[0]);
    assert.equal(e.FLOWGATE_ARTIFACTS_DESTINATION, "s3://ml-artifacts/flowgate");
    assert.equal(e.MLFLOW_S3_ENDPOINT_URL, "http://minio.storage:9000");
    assert.deepEqual(e.AWS_SECRET_ACCESS_KEY, {
      secretKeyRef: { name: "flowgate-s3", key: "AWS_SECRET_ACCESS_KEY" },
    });
    assert.match(e.FLOWGATE_ALLOWED_HOSTS, /flowgate\.example\.com/);
    assert.equal(
      objects.some((o) => o.kind === "PersistentVolumeClaim"),
      false,
    );
    const ingress = find(objects, "Ingress", "fg-flowgate");
    assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"], "1g");
    const serving = find(objects, "Deployment", "fg-flowgate-serving-fraud-live").spec.template.spec
      .containers[0];
    assert.deepEqual(serving.args.slice(0, 4), ["models", "serve", "--deployment", "fraud-live"]);
    assert.equal(env(serving).MLFLOW_TRACKING_URI, "http://fg-flowgate.ml.svc:5000");
    find(objects, "Service", "fg-flowgate-serving-fraud-live");
    await assertGolden("helm", "s3-ingress-serving", { "rendered.yaml": text });
  });

  it("refuses several replicas without PostgreSQL, saying why", async () => {
    await assert.rejects(
      helmTemplate(["replicaCount=2", "database.existingSecret="]),
      /replicaCount > 1 needs PostgreSQL/,
    );
  });
});
