// The `flowgate` command line. One file per command group under commands/.
import { Command } from "commander";
import { FLOWGATE_VERSION } from "../core/version.js";
import { FlowgateError } from "../core/errors.js";

type Register = (program: Command) => void;

/**
 * Each command file with the top-level command it adds to, in registration order (a group's description
 * is the first file's). Files load only when their command runs: importing all of them — the server's app,
 * the store, the importers — costs ~1.5 s, which `flowgate batch score` would pay before reading a row.
 */
const COMMAND_FILES: ReadonlyArray<{ command: string; load: () => Promise<Register> }> = [
  { command: "server", load: async () => (await import("./commands/server.js")).registerServerCommand },
  { command: "models", load: async () => (await import("./commands/models.js")).registerModelsCommand },
  { command: "users", load: async () => (await import("./commands/users.js")).registerUsersCommand },
  { command: "tokens", load: async () => (await import("./commands/tokens.js")).registerTokensCommand },
  { command: "audit", load: async () => (await import("./commands/audit.js")).registerAuditCommand },
  { command: "gates", load: async () => (await import("./commands/gates.js")).registerGatesCommand },
  { command: "requests", load: async () => (await import("./commands/requests.js")).registerRequestsCommand },
  {
    command: "models",
    load: async () => (await import("./commands/models-serve.js")).registerModelsServeCommand,
  },
  {
    command: "deployments",
    load: async () => (await import("./commands/deployments.js")).registerDeploymentsCommand,
  },
  { command: "monitor", load: async () => (await import("./commands/monitor.js")).registerMonitorCommand },
  { command: "stream", load: async () => (await import("./commands/stream.js")).registerStreamCommand },
  {
    command: "models",
    load: async () => (await import("./commands/models-docker.js")).registerModelsDockerCommands,
  },
  {
    command: "deploy",
    load: async () => (await import("./commands/deploy-compose.js")).registerDeployComposeCommand,
  },
  { command: "ci", load: async () => (await import("./commands/ci.js")).registerCiCommand },
  { command: "import", load: async () => (await import("./commands/import.js")).registerImportCommand },
  {
    command: "deploy",
    load: async () => (await import("./commands/deploy-sagemaker.js")).registerDeploySageMakerCommand,
  },
  {
    command: "deploy",
    load: async () => (await import("./commands/deploy-k8s.js")).registerDeployK8sCommands,
  },
  {
    command: "batch",
    load: async () => (await import("./commands/batch-k8s-job.js")).registerBatchK8sJobCommand,
  },
  { command: "batch", load: async () => (await import("./commands/batch.js")).registerBatchCommand },
];

/**
 * The files to load for these arguments: those of the command named first, or all of them when no known
 * command is named (`--help`, `help`, a typo), so that help and commander's suggestions list every command.
 */
function commandFilesFor(args: string[]): typeof COMMAND_FILES {
  const named = args.find((arg) => !arg.startsWith("-"));
  const files = COMMAND_FILES.filter((file) => file.command === named);
  return files.length > 0 ? files : COMMAND_FILES;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("flowgate")
    .description("Flowgate: ML model lifecycle platform that speaks MLflow's REST API")
    .version(FLOWGATE_VERSION);
  const registers = await Promise.all(commandFilesFor(argv.slice(2)).map((file) => file.load()));
  for (const register of registers) register(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof FlowgateError) {
      process.stderr.write(`flowgate: ${err.code}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
