// The naming rules the API server applies before any schema: object names (DNS-1123 subdomain, or label for kinds
// whose name becomes a DNS label), label keys and values. kubernetes-models and the CRD schemas leave metadata
// unchecked (`metadata: {type: object}`), so a manifest with "Fraud Detector" as its name would pass them.
import type { Manifest } from "./manifest.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kinds whose name becomes a DNS label (a Service's name is its DNS name; KServe names a Service after it). */
const LABEL_NAMED = new Set(["Service", "InferenceService"]);

function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return "its prefix must be a DNS subdomain";
  if (name.length > 63 || !LABEL_NAME.test(name))
    return "its name must be 1-63 letters, digits, '-', '_' or '.', starting and ending alphanumeric";
  return undefined;
}

/** What is wrong with an object's metadata, as "path: problem" lines (empty when nothing is). */
export function metadataProblems(object: Manifest): string[] {
  const problems: string[] = [];
  const name = object.metadata?.name;
  if (typeof name !== "string" || name === "") return ["metadata.name: is required"];
  if (LABEL_NAMED.has(object.kind)) {
    if (name.length > 63 || !DNS_LABEL.test(name))
      problems.push(
        `metadata.name: '${name}' must be a DNS-1123 label (lowercase alphanumerics and '-', ≤ 63)`,
      );
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problems.push(
      `metadata.name: '${name}' must be a DNS-1123 subdomain (lowercase alphanumerics, '-', '.')`,
    );
  }
  const namespace = object.metadata.namespace;
  if (namespace !== undefined && (namespace.length > 63 || !DNS_LABEL.test(namespace)))
    problems.push(`metadata.namespace: '${namespace}' must be a DNS-1123 label`);
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) problems.push(`metadata.labels: key '${key}': ${keyProblem}`);
    if (typeof value !== "string" || value.length > 63 || !LABEL_VALUE.test(value))
      problems.push(`metadata.labels.${key}: '${String(value)}' is not a valid label value`);
  }
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) problems.push(`metadata.annotations: key '${key}': ${keyProblem}`);
    if (typeof value !== "string") problems.push(`metadata.annotations.${key}: must be a string`);
  }
  return problems;
}
