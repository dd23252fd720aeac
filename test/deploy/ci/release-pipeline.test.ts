// `flowgate ci init`: the release pipelines (gates → image → canary → promote or abort) are golden-file tested
// (FLOWGATE_UPDATE_GOLDEN=1 rewrites test/deploy/golden/ci/; review the diff), validate against the GitHub
// workflow and GitLab CI schemas vendored by check-jsonschema (and broken ones do not), release only through
// flowgate commands, and take the token from the CI's secret store.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parse } from "yaml";
import { DEFAULT_STEPS, renderPipeline, type CiProvider } from "../../../src/deploy/ci/release-pipeline.js";
import { assertGolden } from "../kubernetes/golden.js";

const REPO = path.resolve(import.meta.dirname, "../../..");
const CHECK = path.join(REPO, ".venvs/services/bin/check-jsonschema");
const SCHEMA: Record<CiProvider, string> = { github: "vendor.github-workflows", gitlab: "vendor.gitlab-ci" };

function pipeline(provider: CiProvider) {
  return renderPipeline({
    provider,
    model: "fraud-detector",
    deployment: "fraud",
    imageRepository: undefined,
    steps: DEFAULT_STEPS,
    flowgatePackage: "flowgate@0.1.0",
  });
}

async function validate(provider: CiProvider, text: string): Promise<{ code: number; output: string }> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "flowgate-ci-")), "pipeline.yml");
  writeFileSync(file, text);
  try {
    const { stdout } = await promisify(execFile)(CHECK, ["--builtin-schema", SCHEMA[provider], file]);
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: `${e.stdout}${e.stderr}` };
  }
}

/** Every shell line of the pipeline that acts on the release (not installing the CLI or its Python, not a login). */
function releaseCommands(provider: CiProvider, text: string): string[] {
  const doc = parse(text) as Record<string, unknown>;
  const lines =
    provider === "github"
      ? Object.values(doc.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) =>
          j.steps.flatMap((s) => (s.run === undefined ? [] : [s.run])),
        )
      : Object.values(doc).flatMap((job) =>
          typeof job === "object" && job !== null && "script" in job
            ? (job as { script: string[] }).script
            : [],
        );
  return lines.filter(
    (l) => !/^(npm install|pip install|apt-get|python3 -m venv|echo "\$CI_REGISTRY_PASSWORD")/.test(l),
  );
}

for (const provider of ["github", "gitlab"] as const) {
  describe(`flowgate ci init --${provider}`, () => {
    const file = pipeline(provider);

    test("writes the pipeline, as the golden copy", async () => {
      await assertGolden("ci", provider, { [path.basename(file.path)]: file.text });
    });

    test("validates against the schema; a broken pipeline does not", async () => {
      const ok = await validate(provider, file.text);
      assert.equal(ok.code, 0, ok.output);
      const doc = parse(file.text) as Record<string, Record<string, unknown>>;
      if (provider === "github") (doc.jobs as Record<string, Record<string, unknown>>).canary!.needs = 3;
      else (doc.gates as Record<string, unknown>).when = "sometimes";
      const bad = await validate(provider, JSON.stringify(doc));
      assert.notEqual(bad.code, 0, "a broken pipeline must fail validation");
    });

    test("releases only through flowgate commands: gates, image, canary, watch, abort", () => {
      const commands = releaseCommands(provider, file.text).map((c) =>
        c.replace(/^FLOWGATE_PYTHON=\S+ /, ""),
      );
      assert.deepEqual(
        commands.map((c) => c.split(" ").slice(0, 3).join(" ")),
        [
          "flowgate gates evaluate",
          "flowgate models build-docker",
          "flowgate deployments set",
          "flowgate deployments status",
          "flowgate deployments abort",
        ],
      );
      assert.match(file.text, /--check/);
      assert.match(file.text, /--watch/);
    });

    test("the tracking token comes from the CI's secret store", () => {
      if (provider === "github")
        assert.match(file.text, /MLFLOW_TRACKING_TOKEN: \$\{\{ secrets\.MLFLOW_TRACKING_TOKEN \}\}/);
      else assert.doesNotMatch(file.text, /MLFLOW_TRACKING_TOKEN:/); // a masked CI/CD variable of the project
    });
  });
}

test("flowgate ci init writes the file under the repository root and refuses to overwrite it (without --force)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "flowgate-ci-init-"));
  const script = `const { main } = await import(${JSON.stringify(path.join(REPO, "src/cli/main.ts"))}); await main([process.argv[0], "flowgate", ...process.argv.slice(1)]);`;
  const init = (args: string[]) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script, ...args], {
      cwd: REPO,
    }).then(
      () => 0,
      (e: { code: number }) => e.code,
    );
  const args = ["ci", "init", "--github", "-o", dir, "--model", "fraud-detector", "--deployment", "fraud"];
  assert.equal(await init(args), 0);
  assert.equal(
    readFileSync(path.join(dir, ".github/workflows/flowgate-release.yml"), "utf8"),
    pipeline("github").text,
  );
  assert.equal(await init(args), 2);
});
