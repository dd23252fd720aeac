// `flowgate models generate-dockerfile` and `flowgate models build-docker`: MLflow's commands of the same names,
// with an image that runs `flowgate models serve` as a non-root user — Node + ONNX Runtime only when ONNX serves
// the model, a slim Python with the model's pinned requirements otherwise. Registers both under `models`.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { pino } from "pino";
import {
  buildImage,
  detectEngine,
  pushImage,
  ENGINE_NAMES,
  type EngineName,
} from "../../deploy/image/container-engine.js";
import { generateImageContext, type ImageContextResult } from "../../deploy/image/image-context.js";
import type { RuntimeChoice } from "../../serving/runtime-selection.js";

/** build-docker's exit code when no engine can build: the context is left in place to build elsewhere. */
export const EXIT_NO_ENGINE = 3;

interface ContextFlags {
  modelUri: string;
  outputDirectory?: string;
  baseImage?: string;
  runtime: string;
  trackingUri?: string;
  cacheDir?: string;
  python?: string;
  flowgatePackage?: string;
  json?: boolean;
}

interface BuildFlags extends ContextFlags {
  name: string;
  engine?: string;
  push?: boolean;
}

export function registerModelsDockerCommands(program: Command): void {
  const models =
    program.commands.find((c) => c.name() === "models") ??
    program.command("models").description("Work with registered models");
  contextOptions(
    models
      .command("generate-dockerfile")
      .description(
        "Write an image build context (Dockerfile, model_dir/, .dockerignore, entrypoint.sh, the flowgate package) " +
          "that serves the model on port 8080 with /ping and /invocations (MLflow's and SageMaker's container contract)",
      )
      .requiredOption("-d, --output-directory <dir>", "the context directory (new or empty)"),
  ).action(async (flags: ContextFlags) => {
    const result = await writeContext(flags, flags.outputDirectory as string);
    if (flags.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else
      process.stdout.write(
        `${summary(result)}\nbuild it with: docker build -t <image> ${result.dir}   (or flowgate models build-docker)\n`,
      );
  });
  contextOptions(
    models
      .command("build-docker")
      .description(
        `Generate the image context and build it with docker, podman or buildah (the first usable on PATH). ` +
          `Exit codes: 0 built, ${EXIT_NO_ENGINE} no engine could build (the context is kept and its path printed), 1 the build failed`,
      )
      .requiredOption("-n, --name <image>", "image name and tag, e.g. fraud-detector:3")
      .option(
        "-d, --output-directory <dir>",
        "where to keep the context (default: a new temporary directory)",
      )
      .option(`--engine <engine>`, `only this engine: ${ENGINE_NAMES.join(", ")}`)
      .option("--push", "push the image after building it (the engine's own registry login is used)"),
  ).action(async (flags: BuildFlags) => {
    if (flags.engine !== undefined && !(ENGINE_NAMES as readonly string[]).includes(flags.engine))
      throw invalidParameter(`--engine must be one of ${ENGINE_NAMES.join(", ")}, not '${flags.engine}'.`);
    const dir = flags.outputDirectory ?? (await mkdtemp(path.join(os.tmpdir(), "flowgate-image-")));
    const result = await writeContext(flags, dir);
    process.stdout.write(`${summary(result)}\n`);
    const { engine, notes } = await detectEngine(flags.engine as EngineName | undefined);
    if (engine === undefined) {
      process.stderr.write(
        `flowgate: no container engine can build here (${notes.join("; ")}).\n` +
          `The context is kept in ${result.dir}; build it where an engine runs: docker build -t ${flags.name} ${result.dir}\n`,
      );
      process.exitCode = EXIT_NO_ENGINE;
      return;
    }
    process.stderr.write(`building ${flags.name} with ${engine.name} (${engine.path})\n`);
    const code = await buildImage(engine, result.dir, flags.name);
    if (code !== 0) {
      process.stderr.write(
        `flowgate: ${engine.name} build failed (exit ${code}); the context is in ${result.dir}\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`built ${flags.name}; run it with: docker run -p 8080:8080 ${flags.name}\n`);
    if (flags.push === true) {
      const pushed = await pushImage(engine, flags.name);
      if (pushed !== 0) {
        process.stderr.write(`flowgate: ${engine.name} push of ${flags.name} failed (exit ${pushed})\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`pushed ${flags.name}\n`);
    }
  });
}

function contextOptions(command: Command): Command {
  return command
    .requiredOption(
      "-m, --model-uri <uri>",
      "models:/<name>/<version>, models:/<name>@<alias>, runs:/<run_id>/<path> or a local model directory",
    )
    .option(
      "--runtime <runtime>",
      "auto (as `models serve` chooses) | onnx (an image without Python) | python",
      "auto",
    )
    .option(
      "--base-image <image>",
      "the final stage's base image (default node:20-bookworm-slim, or python:<the model's version>-slim-bookworm)",
    )
    .option(
      "--tracking-uri <uri>",
      "tracking server that resolves models:/ and runs:/ (default MLFLOW_TRACKING_URI)",
    )
    .option(
      "--cache-dir <dir>",
      "cache root as for `models serve` (default FLOWGATE_CACHE_DIR or ~/.cache/flowgate)",
    )
    .option(
      "--python <path>",
      "Python with mlflow and skl2onnx, to check a scikit-learn model's ONNX conversion (default FLOWGATE_PYTHON or python3)",
    )
    .option(
      "--flowgate-package <tarball>",
      "the flowgate npm package to install in the image (default: `npm pack` of this installation)",
    )
    .option("--json", "print the result as JSON");
}

async function writeContext(flags: ContextFlags, dir: string): Promise<ImageContextResult> {
  if (!["auto", "onnx", "python"].includes(flags.runtime))
    throw invalidParameter(`--runtime must be auto, onnx or python, not '${flags.runtime}'.`);
  const cacheRoot = path.resolve(
    flags.cacheDir ?? process.env.FLOWGATE_CACHE_DIR ?? path.join(os.homedir(), ".cache", "flowgate"),
  );
  return generateImageContext({
    modelUri: flags.modelUri,
    outputDir: dir,
    runtime: flags.runtime as RuntimeChoice,
    baseImage: flags.baseImage,
    trackingUri: flags.trackingUri ?? process.env.MLFLOW_TRACKING_URI,
    cacheDir: path.join(cacheRoot, "models"),
    python: flags.python ?? process.env.FLOWGATE_PYTHON ?? "python3",
    flowgatePackage: flags.flowgatePackage,
    // Progress goes to stderr, so --json output stays parseable.
    logger: pino(
      { name: "flowgate-image", level: process.env.FLOWGATE_LOG_LEVEL ?? "warn" },
      pino.destination(2),
    ),
  });
}

function summary(r: ImageContextResult): string {
  return [
    `image context: ${r.dir}`,
    `  model:   ${r.model.name} version ${r.model.version}${r.model.runId ? ` (run ${r.model.runId})` : ""}`,
    `  runtime: ${r.runtime} — ${r.reason}`,
    `  base:    ${r.baseImage}`,
  ].join("\n");
}
