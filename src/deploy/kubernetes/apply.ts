// `deploy k8s --apply`: server-side apply of the generated objects with the user's kubeconfig (KUBECONFIG or
// ~/.kube/config, or --kubeconfig), as `kubectl apply --server-side --field-manager=flowgate` does; with
// `--dry-run=server` the API server admits and defaults every object (webhooks and quota included) and stores
// nothing. A thin adapter: the objects come validated from the renderers.
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from "@kubernetes/client-node";
import { FlowgateError } from "../../core/errors.js";
import type { Manifest } from "../validate/manifest.js";

export const FIELD_MANAGER = "flowgate";

export interface ApplyOptions {
  kubeconfig?: string;
  /** Server-side dry run: admitted and validated by the API server, not stored. */
  dryRun: boolean;
  /** Namespace for objects that name none (default: the kubeconfig context's, else "default"). */
  namespace?: string;
}

export interface AppliedObject {
  kind: string;
  name: string;
  namespace: string;
}

function loadConfig(kubeconfig: string | undefined): KubeConfig {
  const config = new KubeConfig();
  try {
    if (kubeconfig !== undefined) config.loadFromFile(kubeconfig);
    else config.loadFromDefault();
  } catch (err) {
    throw new FlowgateError(
      "INVALID_PARAMETER_VALUE",
      `Cannot read the kubeconfig${kubeconfig !== undefined ? ` '${kubeconfig}'` : ""}: ${(err as Error).message}`,
    );
  }
  if (config.getCurrentCluster() === null) {
    throw new FlowgateError(
      "INVALID_PARAMETER_VALUE",
      "The kubeconfig has no current cluster: set its current-context, KUBECONFIG or pass --kubeconfig.",
    );
  }
  return config;
}

/** Applies each object in order (the ConfigMap before the pods that mount it) and says what was applied. */
export async function applyManifests(
  objects: readonly Manifest[],
  options: ApplyOptions,
): Promise<AppliedObject[]> {
  const config = loadConfig(options.kubeconfig);
  const contextNamespace = config.getContextObject(config.getCurrentContext())?.namespace;
  const namespace = options.namespace ?? contextNamespace ?? "default";
  const api = KubernetesObjectApi.makeApiClient(config);
  const applied: AppliedObject[] = [];
  for (const object of objects) {
    const withNamespace = {
      ...object,
      metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace },
    };
    try {
      await api.patch(
        withNamespace,
        undefined,
        options.dryRun ? "All" : undefined,
        FIELD_MANAGER,
        // Flowgate owns the fields it writes: take them over from an earlier kubectl apply.
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (err) {
      const body = (err as { body?: unknown }).body;
      const detail =
        typeof body === "string" ? body : body !== undefined ? JSON.stringify(body) : (err as Error).message;
      throw new FlowgateError(
        "INVALID_STATE",
        `Applying ${object.kind}/${object.metadata.name} failed (${applied.length} of ${objects.length} applied before it): ${detail}`,
      );
    }
    applied.push({
      kind: object.kind,
      name: object.metadata.name,
      namespace: withNamespace.metadata.namespace,
    });
  }
  return applied;
}
