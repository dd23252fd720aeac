// A recording stub of the Kubernetes API server on loopback, for `--apply` without a cluster: it answers API
// discovery for the kinds Flowgate applies, records every request (method, path, query, content type, body) and
// answers a server-side apply by echoing the object. A generated kubeconfig points a client at it (plain HTTP,
// which the client allows only with insecure-skip-tls-verify).
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
}

/** Resources per group version, as the API server lists them in discovery. */
const RESOURCES: Record<string, { name: string; kind: string; namespaced: boolean }[]> = {
  "/api/v1": [
    { name: "configmaps", kind: "ConfigMap", namespaced: true },
    { name: "services", kind: "Service", namespaced: true },
  ],
  "/apis/apps/v1": [{ name: "deployments", kind: "Deployment", namespaced: true }],
  "/apis/networking.k8s.io/v1": [{ name: "ingresses", kind: "Ingress", namespaced: true }],
  "/apis/autoscaling/v2": [
    { name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true },
  ],
  "/apis/policy/v1": [{ name: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true }],
  "/apis/batch/v1": [{ name: "jobs", kind: "Job", namespaced: true }],
};

export interface KubeApiStub {
  url: string;
  calls: RecordedCall[];
  /** Writes a kubeconfig whose current context is this stub (token auth, namespace `namespace`). */
  writeKubeconfig(dir: string, namespace?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startKubeApiStub(): Promise<KubeApiStub> {
  const calls: RecordedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stub");
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text === "" ? undefined : text;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {
        // apply-patch+yaml may be YAML; JSON is what the client sends, kept as text otherwise
      }
      calls.push({
        method: req.method ?? "",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        contentType: req.headers["content-type"],
        body,
      });
      const resources = RESOURCES[url.pathname];
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && resources !== undefined) {
        const groupVersion = url.pathname.replace(/^\/apis?\//, "");
        res.end(
          JSON.stringify({
            kind: "APIResourceList",
            groupVersion,
            resources: resources.map((r) => ({ ...r, singularName: "", verbs: ["get", "patch", "create"] })),
          }),
        );
        return;
      }
      if (req.method === "PATCH") {
        res.end(JSON.stringify(body));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ kind: "Status", status: "Failure", reason: "NotFound", code: 404 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    async writeKubeconfig(dir, namespace = "ml") {
      const file = path.join(dir, "kubeconfig.yaml");
      await writeFile(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters:",
          "- name: stub",
          `  cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
          "users:",
          "- name: stub-user",
          '  user: { token: "stub-token" }',
          "contexts:",
          "- name: stub",
          `  context: { cluster: stub, user: stub-user, namespace: ${namespace} }`,
          "current-context: stub",
          "",
        ].join("\n"),
      );
      return file;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
