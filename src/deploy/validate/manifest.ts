// The shape every generated Kubernetes object has: apiVersion, kind and named metadata; the rest is the kind's.

/** Metadata as Flowgate writes it (names, labels, annotations; never status or server-set fields). */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One Kubernetes object (core kind or custom resource) as written to a manifest file. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}
