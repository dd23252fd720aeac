// The second, independent check of what Flowgate generates: PyPI's kubernetes-validate --strict (the upstream
// OpenAPI schemas, unknown fields refused) from .venvs/services (scripts/setup-python.sh services), run over the
// golden manifests of every core kind and over the Helm chart's golden renders; and a manifest with a misspelt
// field fails it, so the check can fail. (Custom kinds — KServe, Argo — are checked against their CRDs in-process.)
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const VALIDATE = path.join(REPO, ".venvs/services/bin/kubernetes-validate");
const GOLDEN = path.join(REPO, "test/deploy/golden");
const CUSTOM = /^kind: (InferenceService|Rollout|AnalysisTemplate)$/m;

async function strictValidate(files: string[]): Promise<{ code: number; output: string }> {
  assert.ok(existsSync(VALIDATE), `kubernetes-validate is missing: run scripts/setup-python.sh services`);
  try {
    const { stdout, stderr } = await promisify(execFile)(VALIDATE, ["--strict", ...files]);
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".yaml"))
    .map((e) => path.join(e.parentPath, e.name));
}

describe("kubernetes-validate --strict", () => {
  it("passes every generated core-kind manifest and every rendered chart object", async () => {
    const { readFile } = await import("node:fs/promises");
    const files: string[] = [];
    let objects = 0;
    for (const file of [
      ...(await yamlFiles(path.join(GOLDEN, "k8s"))),
      ...(await yamlFiles(path.join(GOLDEN, "helm"))),
    ]) {
      const text = await readFile(file, "utf8");
      if (CUSTOM.test(text)) continue;
      files.push(file);
      objects += parseAllDocuments(text).filter((d) => d.toJS() !== null).length;
    }
    const { code, output } = await strictValidate(files);
    assert.equal(code, 0, output);
    assert.equal((output.match(/ passed for resource /g) ?? []).length, objects, output);
  });

  it("fails a manifest with a misspelt field", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "flowgate-kv-"));
    try {
      const file = path.join(dir, "deployment.yaml");
      await writeFile(
        file,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: x }\nspec:\n  replicas: 1\n  selector: { matchLabels: { a: b } }\n" +
          "  template:\n    metadata: { labels: { a: b } }\n    spec:\n      containers:\n        - { name: c, image: i, imagePullPolicyy: Always }\n",
      );
      const { code, output } = await strictValidate([file]);
      assert.notEqual(code, 0);
      assert.match(output, /imagePullPolicyy/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
