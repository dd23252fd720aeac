// `flowgate deploy compose`: writes the docker-compose project of the local stack (server, serving of a
// deployment, Prometheus with the shipped rules, Grafana with the shipped dashboard). Registers under `deploy`.
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { generateComposeStack } from "../../deploy/compose/compose-stack.js";

interface ComposeFlags {
  outputDirectory: string;
  deployment: string;
  serverPort: string;
  servingPort: string;
  prometheusPort: string;
  grafanaPort: string;
  flowgatePackage?: string;
  json?: boolean;
}

export function registerDeployComposeCommand(program: Command): void {
  const deploy =
    program.commands.find((c) => c.name() === "deploy") ??
    program
      .command("deploy")
      .description("Deployment targets: images, Kubernetes, KServe, SageMaker, compose");
  deploy
    .command("compose")
    .description(
      "Write a docker-compose project for the local stack: Flowgate server, serving of a deployment " +
        "(models serve --deployment), Prometheus with the shipped alert rules, Grafana with the shipped dashboard",
    )
    .requiredOption(
      "-o, --output-directory <dir>",
      "where to write docker-compose.yml and its files (new or empty)",
    )
    .option("--deployment <name>", "the deployment the serving replica serves", "default")
    .option("--server-port <port>", "host port of the Flowgate server", "5000")
    .option("--serving-port <port>", "host port of serving (/invocations)", "8080")
    .option("--prometheus-port <port>", "host port of Prometheus", "9090")
    .option("--grafana-port <port>", "host port of Grafana", "3000")
    .option(
      "--flowgate-package <tarball>",
      "the flowgate npm package the stack's image installs (default: `npm pack` of this installation)",
    )
    .option("--json", "print the written files as JSON")
    .action(async (flags: ComposeFlags) => {
      const result = await generateComposeStack({
        outputDir: flags.outputDirectory,
        deployment: flags.deployment,
        serverPort: port(flags.serverPort, "--server-port"),
        servingPort: port(flags.servingPort, "--serving-port"),
        prometheusPort: port(flags.prometheusPort, "--prometheus-port"),
        grafanaPort: port(flags.grafanaPort, "--grafana-port"),
        flowgatePackage: flags.flowgatePackage,
      });
      if (flags.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else
        process.stdout.write(
          `wrote ${result.composeFile} (${result.files.length} files)\nstart it with: docker compose -f ${result.composeFile} up -d --build\n`,
        );
    });
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw invalidParameter(`${flag} must be a port number (1-65535), not '${value}'.`);
  return n;
}
