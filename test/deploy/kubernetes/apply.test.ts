// `deploy k8s --apply`: server-side apply through @kubernetes/client-node with a kubeconfig. There is no cluster
// in CI: the client talks to a small recording stub of the Kubernetes API on loopback (kube-api-stub.ts), pointed
// at by a generated kubeconfig, and the test asserts every call's method, path, query (fieldManager, force,
// dryRun=All), content type and body.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { applyManifests } from "../../../src/deploy/kubernetes/apply.js";
import { renderKubernetes } from "../../../src/deploy/kubernetes/serving-manifests.js";
import { CANARY_DEPLOYMENT } from "./fixtures.js";
import { startKubeApiStub, type KubeApiStub } from "./kube-api-stub.js";

const PLURALS: Record<string, string> = {
  ConfigMap: "/api/v1/namespaces/ml/configmaps",
  Deployment: "/apis/apps/v1/namespaces/ml/deployments",
  Service: "/api/v1/namespaces/ml/services",
  Ingress: "/apis/networking.k8s.io/v1/namespaces/ml/ingresses",
  HorizontalPodAutoscaler: "/apis/autoscaling/v2/namespaces/ml/horizontalpodautoscalers",
  PodDisruptionBudget: "/apis/policy/v1/namespaces/ml/poddisruptionbudgets",
};

describe("deploy k8s --apply", () => {
  let stub: KubeApiStub;
  let dir: string;
  let kubeconfig: string;
  before(async () => {
    stub = await startKubeApiStub();
    dir = await mkdtemp(path.join(tmpdir(), "flowgate-kube-"));
    kubeconfig = await stub.writeKubeconfig(dir, "ml");
  });
  after(async () => {
    await stub.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("server-side applies every object in order as field manager flowgate, in the context's namespace, with a dry run when asked", async () => {
    const { objects } = renderKubernetes(CANARY_DEPLOYMENT);
    for (const dryRun of [true, false]) {
      stub.calls.length = 0;
      const applied = await applyManifests(objects, { kubeconfig, dryRun });
      assert.deepEqual(
        applied.map((a) => `${a.namespace}/${a.kind}/${a.name}`),
        objects.map((o) => `ml/${o.kind}/${o.metadata.name}`),
      );
      const patches = stub.calls.filter((c) => c.method === "PATCH");
      assert.equal(patches.length, objects.length, "one PATCH per object");
      for (const [i, call] of patches.entries()) {
        const object = objects[i]!;
        assert.equal(call.path, `${PLURALS[object.kind]}/${object.metadata.name}`);
        assert.deepEqual(call.query, {
          fieldManager: "flowgate",
          force: "true",
          ...(dryRun ? { dryRun: "All" } : {}),
        });
        assert.equal(call.contentType, "application/apply-patch+yaml");
        assert.deepEqual(call.body, { ...object, metadata: { ...object.metadata, namespace: "ml" } });
      }
      // Everything else the client sent was API discovery (GET of a group version's resource list).
      for (const call of stub.calls.filter((c) => c.method !== "PATCH")) {
        assert.equal(call.method, "GET");
        assert.match(call.path, /^\/(api\/v1|apis\/[a-z0-9.]+\/v[0-9a-z]+)$/);
      }
    }
  });

  it("says which object failed and how many were applied before it", async () => {
    const { objects } = renderKubernetes(CANARY_DEPLOYMENT);
    const unknown = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
    await assert.rejects(
      applyManifests([objects[0]!, unknown], { kubeconfig, dryRun: true }),
      (e: Error & { code?: string }) =>
        e.code === "INVALID_STATE" && /Widget\/w failed \(1 of 2 applied before it\)/.test(e.message),
    );
  });

  it("refuses a kubeconfig that cannot be read", async () => {
    await assert.rejects(
      applyManifests([], { kubeconfig: path.join(dir, "missing.yaml"), dryRun: true }),
      (e: Error & { code?: string }) =>
        e.code === "INVALID_PARAMETER_VALUE" && /Cannot read the kubeconfig/.test(e.message),
    );
  });
});
