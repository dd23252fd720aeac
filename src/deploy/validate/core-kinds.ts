// Core Kubernetes kinds Flowgate writes, checked against the upstream OpenAPI schemas that kubernetes-models
// compiles (types, enums, required fields, quantity and int-or-string formats). Unknown fields are not refused
// here (those schemas allow them); kubernetes-validate --strict is the second check that does.
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Job } from "kubernetes-models/batch/v1";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, PersistentVolumeClaim, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import type { Manifest } from "./manifest.js";

interface CoreModel {
  validate(): void;
}
type CoreModelClass = new (data: never) => CoreModel;

const CORE_KINDS: Record<string, CoreModelClass> = {
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "batch/v1/Job": Job,
  "networking.k8s.io/v1/Ingress": Ingress,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
};

/** Whether `apiVersion/kind` is one of the core kinds checked here. */
export function isCoreKind(object: Manifest): boolean {
  return `${object.apiVersion}/${object.kind}` in CORE_KINDS;
}

/** The schema's complaints about a core object ("data/spec/replicas must be integer" → "spec.replicas: …"). */
export function coreKindProblems(object: Manifest): string[] {
  const Model = CORE_KINDS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) return [`${object.apiVersion} ${object.kind} is not a kind Flowgate validates`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return (err as Error).message
      .split(", data")
      .map((line, i) => (i === 0 ? line : `data${line}`))
      .map((line) => line.replace(/^data\/?/, "").replace(/\//g, "."));
  }
}
