// `flowgate deploy compose`: the local stack's files are golden-file tested (FLOWGATE_UPDATE_GOLDEN=1 rewrites
// test/deploy/golden/compose/; review the diff), the compose file validates against the compose spec's JSON
// schema as vendored by check-jsonschema (and a broken one does not), the stack's Dockerfile passes hadolint, and
// Prometheus and Grafana get the shipped rules and dashboard.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { before, describe, test } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { generateComposeStack, type ComposeResult } from "../../../src/deploy/compose/compose-stack.js";
import { assertGolden } from "../kubernetes/golden.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const SERVICES_BIN = path.join(REPO, ".venvs/services/bin");

async function check(tool: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await promisify(execFile)(path.join(SERVICES_BIN, tool), args);
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

const validateCompose = (file: string) =>
  check("check-jsonschema", ["--builtin-schema", "vendor.compose-spec", file]);

describe("flowgate deploy compose", () => {
  let stack: ComposeResult;
  before(async () => {
    const fakePackage = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-compose-pkg-")), "flowgate.tgz");
    writeFileSync(fakePackage, "stand-in for npm pack\n");
    stack = await generateComposeStack({
      outputDir: mkdtempSync(path.join(tmpdir(), "flowgate-compose-")),
      deployment: "fraud",
      serverPort: 5000,
      servingPort: 8080,
      prometheusPort: 9090,
      grafanaPort: 3000,
      flowgatePackage: fakePackage,
    });
  });

  test("writes the stack's files, as the golden copies", async () => {
    const read = (f: string) => readFileSync(path.join(stack.dir, f), "utf8");
    await assertGolden("compose", "local-stack", {
      "docker-compose.yml": read("docker-compose.yml"),
      "flowgate.Dockerfile": read("flowgate/Dockerfile"),
      "prometheus.yml": read("prometheus/prometheus.yml"),
      "grafana-datasource.yml": read("grafana/provisioning/datasources/prometheus.yml"),
      "grafana-dashboards.yml": read("grafana/provisioning/dashboards/flowgate.yml"),
      "files.txt": `${stack.files.join("\n")}\n`,
    });
  });

  test("the compose file validates against the compose spec; a broken one does not", async () => {
    const ok = await validateCompose(stack.composeFile);
    assert.equal(ok.code, 0, ok.output);
    const doc = parse(readFileSync(stack.composeFile, "utf8")) as {
      services: Record<string, Record<string, unknown>>;
    };
    const serving = doc.services.serving as Record<string, unknown>;
    serving.ports = { "8080": 8080 }; // a mapping where the spec wants a list
    serving.restart_policy = "always"; // not a service property
    const broken = path.join(
      mkdtempSync(path.join(tmpdir(), "flowgate-compose-broken-")),
      "docker-compose.yml",
    );
    writeFileSync(broken, JSON.stringify(doc));
    const bad = await validateCompose(broken);
    assert.notEqual(bad.code, 0);
    assert.match(bad.output, /services\.serving/);
  });

  test("serving serves the deployment from the server; the token comes from the environment, never the file", () => {
    const doc = parse(readFileSync(stack.composeFile, "utf8")) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; user?: string }>;
    };
    const serving = doc.services.serving;
    assert.deepEqual(serving?.command?.slice(0, 6), [
      "models",
      "serve",
      "--deployment",
      "fraud",
      "--tracking-uri",
      "http://flowgate-server:5000",
    ]);
    assert.equal(serving?.environment?.MLFLOW_TRACKING_TOKEN, "${MLFLOW_TRACKING_TOKEN:-}");
    assert.equal(doc.services["flowgate-server"]?.user, "10001:10001");
  });

  test("Prometheus loads the shipped rules; Grafana is provisioned with the shipped dashboard on that data source", () => {
    assert.equal(
      readFileSync(path.join(stack.dir, "prometheus/rules/flowgate-alerts.yml"), "utf8"),
      readFileSync(path.join(REPO, "ops/prometheus/flowgate-alerts.yml"), "utf8"),
    );
    const dashboard = readFileSync(
      path.join(stack.dir, "grafana/dashboards/flowgate-dashboard.json"),
      "utf8",
    );
    const shipped = JSON.parse(
      readFileSync(path.join(REPO, "ops/grafana/flowgate-dashboard.json"), "utf8"),
    ) as {
      uid: string;
      panels: unknown[];
    };
    const provisioned = JSON.parse(dashboard) as { uid: string; panels: unknown[]; __inputs?: unknown };
    assert.equal(provisioned.uid, shipped.uid);
    assert.equal(provisioned.panels.length, shipped.panels.length);
    assert.equal(provisioned.__inputs, undefined);
    assert.doesNotMatch(dashboard, /\$\{DS_PROMETHEUS\}/);
    assert.match(dashboard, /"uid": "prometheus"/);
  });

  test("the stack's Dockerfile has no hadolint findings", async () => {
    const lint = await check("hadolint", [
      "--failure-threshold",
      "info",
      path.join(stack.dir, "flowgate/Dockerfile"),
    ]);
    assert.equal(lint.code, 0, lint.output);
  });
});
