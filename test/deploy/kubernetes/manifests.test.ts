// `flowgate deploy k8s` renderers: every object validates against its schema (kubernetes-models for core kinds,
// the Argo CRDs for Rollout and AnalysisTemplate) and matches its golden file in test/deploy/golden/k8s/<case>/.
// Golden files are rewritten with FLOWGATE_UPDATE_GOLDEN=1 (review the diff before committing).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import type { RoutingSnapshot } from "../../../src/delivery/deployment.js";
import { manifestFileName, manifestYaml } from "../../../src/deploy/kubernetes/manifest-files.js";
import { renderKubernetes } from "../../../src/deploy/kubernetes/serving-manifests.js";
import { CrdSchemas } from "../../../src/deploy/validate/crd-schemas.js";
import type { Manifest } from "../../../src/deploy/validate/manifest.js";
import { manifestProblems, validateManifests } from "../../../src/deploy/validate/validate-manifests.js";
import { CANARY_DEPLOYMENT, ONNX_MODEL, PYTHON_MODEL } from "./fixtures.js";
import { assertGolden } from "./golden.js";

const crds = new CrdSchemas();

function files(objects: Manifest[]): Record<string, string> {
  return Object.fromEntries(objects.map((o) => [manifestFileName(o), manifestYaml(o)]));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read as plain JSON
type Json = any;

function byKind(objects: Manifest[], kind: string): Json {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0];
}

describe("deploy k8s", () => {
  it("serves an ONNX model version with probes, limits, a locked-down pod, autoscaling and a disruption budget", async () => {
    const { objects, notes } = renderKubernetes(ONNX_MODEL, {
      namespace: "ml",
      ingressHost: "fraud.example.com",
    });
    await validateManifests(objects, { crds });
    assert.deepEqual(
      objects.map((o) => o.kind),
      ["Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"],
    );
    assert.deepEqual(notes, []);
    const pod = byKind(objects, "Deployment").spec.template.spec;
    const container = pod.containers[0];
    assert.equal(container.image, "fraud-detector:3");
    assert.deepEqual(container.args, ["serve"]);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
      assert.deepEqual(container[probe].httpGet, { path: "/health", port: "http" });
    assert.equal(container.ports[0].containerPort, 8080);
    assert.deepEqual(container.resources, {
      requests: { cpu: "250m", memory: "256Mi" },
      limits: { cpu: "1", memory: "512Mi" },
    });
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(
      container.volumeMounts.map((m: { mountPath: string }) => m.mountPath),
      ["/tmp"],
      "only /tmp is writable: the image serves the model and ONNX conversion baked into it",
    );
    assert.deepEqual(
      pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey),
      ["topology.kubernetes.io/zone", "kubernetes.io/hostname"],
    );
    assert.equal(
      byKind(objects, "Ingress").metadata.annotations["nginx.ingress.kubernetes.io/proxy-body-size"],
      "64m",
    );
    const hpa = byKind(objects, "HorizontalPodAutoscaler").spec;
    assert.equal(hpa.behavior.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(hpa.behavior.scaleUp.stabilizationWindowSeconds, 0);
    await assertGolden("k8s", "onnx-model", files(objects));
  });

  it("gives a Python model more memory, a longer start-up and a bigger cache, and takes --cpu/--memory/--replicas", async () => {
    const { objects } = renderKubernetes(PYTHON_MODEL, {
      cpu: "4",
      memory: "8Gi",
      minReplicas: 3,
      maxReplicas: 30,
      image: "registry.example.com/churn:12",
    });
    await validateManifests(objects, { crds });
    const deployment = byKind(objects, "Deployment");
    assert.equal(deployment.metadata.name.startsWith("churn-model-"), true, "a DNS name from 'Churn Model'");
    assert.equal(deployment.metadata.annotations["flowgate.dev/model"], "Churn Model");
    assert.equal(deployment.spec.replicas, 3);
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.image, "registry.example.com/churn:12");
    assert.deepEqual(container.resources, {
      requests: { cpu: "4", memory: "8Gi" },
      limits: { cpu: "4", memory: "8Gi" },
    });
    assert.equal(container.startupProbe.failureThreshold, 60);
    assert.equal(
      container.env.some((e: Json): boolean => e.name === "FLOWGATE_CACHE_DIR"),
      false,
      "the image's cache",
    );
    assert.equal(byKind(objects, "HorizontalPodAutoscaler").spec.maxReplicas, 30);
    await assertGolden("k8s", "python-model", files(objects));
  });

  it("runs a Flowgate deployment's pods with models serve --deployment, starting from the pinned revision in a ConfigMap", async () => {
    const { objects } = renderKubernetes(CANARY_DEPLOYMENT, { tokenSecret: "flowgate-serving-token" });
    await validateManifests(objects, { crds });
    const configMap = byKind(objects, "ConfigMap");
    const pod = byKind(objects, "Deployment").spec.template.spec;
    const container = pod.containers[0];
    assert.deepEqual(container.command, ["node", "/opt/flowgate/node_modules/flowgate/bin/flowgate.js"]);
    assert.deepEqual(container.args.slice(0, 4), ["models", "serve", "--deployment", "fraud-live"]);
    const env = Object.fromEntries(
      container.env.map((e: Json): [string, unknown] => [e.name, e.value ?? e.valueFrom]),
    );
    assert.equal(env.MLFLOW_TRACKING_URI, "http://flowgate.flowgate.svc:5000");
    assert.deepEqual(env.MLFLOW_TRACKING_TOKEN, {
      secretKeyRef: { name: "flowgate-serving-token", key: "token" },
    });
    // models serve --deployment reads $FLOWGATE_CACHE_DIR/deployments/<encoded name>.json when the server is down.
    const mount = container.volumeMounts.find((m: Json): boolean => m.name === "routing");
    assert.equal(mount.mountPath, `${env.FLOWGATE_CACHE_DIR}/deployments`);
    assert.equal(
      pod.volumes.find((v: Json): boolean => v.name === "routing").configMap.name,
      configMap.metadata.name,
    );
    const snapshot = JSON.parse(
      configMap.data[`${encodeURIComponent("fraud-live")}.json`],
    ) as RoutingSnapshot;
    assert.equal(snapshot.revision, 7);
    assert.deepEqual(
      snapshot.routes.map((r) => [r.version, r.weight]),
      [
        ["3", 90],
        ["4", 10],
      ],
    );
    await assertGolden("k8s", "deployment", files(objects));
  });

  it("with --argo maps the canary's steps and analysis onto a Rollout and AnalysisTemplates, and says what does not map", async () => {
    const { objects, notes } = renderKubernetes(CANARY_DEPLOYMENT, {
      argo: { prometheusAddress: "http://prometheus.monitoring:9090" },
    });
    await validateManifests(objects, { crds });
    assert.deepEqual(
      objects.map((o) => o.kind),
      [
        "Rollout",
        "AnalysisTemplate",
        "AnalysisTemplate",
        "Service",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
      ],
    );
    const rollout = byKind(objects, "Rollout");
    assert.deepEqual(rollout.spec.strategy.canary.steps, [
      { setWeight: 10 },
      { pause: { duration: "5m" } },
      { analysis: { templates: [{ templateName: "fraud-live-errors" }] } },
      { setWeight: 50 },
      { pause: {} },
    ]);
    assert.deepEqual(rollout.spec.strategy.canary.analysis, {
      templates: [{ templateName: "fraud-live-latency" }],
      startingStep: 1,
    });
    assert.deepEqual(rollout.spec.template.spec.containers[0].args.slice(0, 4), [
      "models",
      "serve",
      "-m",
      "models:/fraud-detector/4",
    ]);
    const errors = objects.find((o) => o.metadata.name === "fraud-live-errors") as Json;
    assert.match(
      errors.spec.metrics[0].provider.prometheus.query,
      /flowgate_serving_requests_total\{model="fraud-detector",version="4",status=~"5\.\."\}/,
    );
    const latency = objects.find((o) => o.metadata.name === "fraud-live-latency") as Json;
    assert.match(
      latency.spec.metrics[0].provider.prometheus.query,
      /version="4"/,
      "{{canary}} is the canary version",
    );
    assert.equal(byKind(objects, "HorizontalPodAutoscaler").spec.scaleTargetRef.kind, "Rollout");
    assert.equal(
      objects.some((o) => o.kind === "ConfigMap"),
      false,
      "Argo's pods serve one version each: no routing snapshot",
    );
    assert.ok(notes.some((n) => n.includes("shadow")));
    await assertGolden("k8s", "deployment-argo", files(objects));
  });

  it("refuses --argo for what only Flowgate's router does: a sticky A/B test, and serving metrics without Prometheus", () => {
    const ab = structuredClone(CANARY_DEPLOYMENT) as Json;
    ab.deployment.spec.strategy = {
      abTest: {
        split: [
          { version: "3", weight: 50 },
          { version: "4", weight: 50 },
        ],
        sticky: { header: "x-user" },
      },
    };
    assert.throws(
      () => renderKubernetes(ab, { argo: {} }),
      (e: Json): boolean => e.code === "INVALID_PARAMETER_VALUE" && /A\/B/.test(e.message),
    );
    assert.throws(
      () => renderKubernetes(CANARY_DEPLOYMENT, { argo: {} }),
      (e: Json): boolean => e.code === "INVALID_PARAMETER_VALUE" && /--prometheus-url/.test(e.message),
    );
  });

  it("fails validation for a deliberately broken object of each kind", async () => {
    const plain = renderKubernetes(CANARY_DEPLOYMENT).objects;
    const argo = renderKubernetes(CANARY_DEPLOYMENT, {
      argo: { prometheusAddress: "http://p:9090" },
    }).objects;
    const breakages: Record<string, (o: Json) => void> = {
      ConfigMap: (o) => (o.data = { "fraud-live.json": 7 }),
      Deployment: (o) => (o.spec.replicas = "two"),
      Service: (o) => (o.spec.ports[0].port = "eighty"),
      Ingress: (o) => delete o.spec.rules[0].http.paths[0].pathType,
      HorizontalPodAutoscaler: (o) => (o.spec.metrics[0].resource.target.averageUtilization = "70%"),
      PodDisruptionBudget: (o) => (o.spec.selector = "app=x"),
      Rollout: (o) => (o.spec.strategy.canary.steps[0] = { setWieght: 10 }),
      AnalysisTemplate: (o) => delete o.spec.metrics[0].name,
    };
    const seen = new Set<string>();
    for (const original of [...plain, ...argo]) {
      if (seen.has(original.kind)) continue;
      seen.add(original.kind);
      const broken = structuredClone(original);
      const breakIt = breakages[original.kind];
      assert.ok(breakIt, `a breakage for ${original.kind}`);
      breakIt(broken);
      const found = await manifestProblems([broken], { crds });
      assert.equal(found.length, 1, `${original.kind} broken must fail`);
      assert.deepEqual(
        await manifestProblems([original], { crds }),
        [],
        `${original.kind} as generated passes`,
      );
    }
    assert.equal(seen.size, Object.keys(breakages).length);
    const renamed = structuredClone(plain[1]!);
    renamed.metadata.name = "Fraud Live";
    await assert.rejects(validateManifests([renamed], { crds }), /must be a DNS-1123 subdomain/);
  });

  it("writes YAML that reads back as the same objects", () => {
    for (const o of renderKubernetes(CANARY_DEPLOYMENT).objects)
      assert.deepEqual(parseYaml(manifestYaml(o)), o);
  });
});
