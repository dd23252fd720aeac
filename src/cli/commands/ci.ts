// `flowgate ci init --github|--gitlab`: writes the release pipeline of a model's deployment (gates → image →
// canary → promote or abort), calling only flowgate commands. Registers `ci init`.
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { DEFAULT_FLOWGATE_PACKAGE, DEFAULT_STEPS, renderPipeline } from "../../deploy/ci/release-pipeline.js";

interface InitFlags {
  github?: boolean;
  gitlab?: boolean;
  outputDirectory: string;
  model: string;
  deployment: string;
  image?: string;
  steps: string;
  flowgatePackage: string;
  force?: boolean;
}

export function registerCiCommand(program: Command): void {
  const ci =
    program.commands.find((c) => c.name() === "ci") ??
    program.command("ci").description("CI/CD pipelines that release through Flowgate");
  ci.command("init")
    .description(
      "Write a release pipeline (GitHub Actions or GitLab CI) for a model's deployment: gates, image, canary, promote or abort — only flowgate commands, the token from the CI's secrets",
    )
    .option("--github", "a GitHub Actions workflow (.github/workflows/flowgate-release.yml)")
    .option("--gitlab", "a GitLab CI pipeline (.gitlab-ci.yml)")
    .option("-o, --output-directory <dir>", "the repository root to write into", ".")
    .requiredOption("--model <name>", "registered model released by the pipeline")
    .requiredOption("--deployment <name>", "Flowgate deployment the canary goes through")
    .option(
      "--image <repository>",
      "image repository, tagged with the version (default: the CI's own registry)",
    )
    .option("--steps <list>", "canary steps, as for deployments set --steps", DEFAULT_STEPS)
    .option("--flowgate-package <spec>", "what the runners `npm install --global`", DEFAULT_FLOWGATE_PACKAGE)
    .option("--force", "overwrite an existing pipeline file")
    .action(async (flags: InitFlags) => {
      if ((flags.github === true) === (flags.gitlab === true))
        throw invalidParameter("Pass exactly one of --github or --gitlab.");
      const file = renderPipeline({
        provider: flags.github === true ? "github" : "gitlab",
        model: flags.model,
        deployment: flags.deployment,
        imageRepository: flags.image,
        steps: flags.steps,
        flowgatePackage: flags.flowgatePackage,
      });
      const target = path.resolve(flags.outputDirectory, file.path);
      if (flags.force !== true && (await stat(target).catch(() => undefined)) !== undefined)
        throw invalidParameter(`${target} exists; pass --force to overwrite it.`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.text);
      process.stdout.write(`wrote ${target}\n`);
    });
}
