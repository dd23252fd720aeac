// The `flowgate` command line. One file per command group under commands/.
import { Command } from "commander";
import { FLOWGATE_VERSION } from "../core/version.js";
import { FlowgateError } from "../core/errors.js";
import { registerServerCommand } from "./commands/server.js";
import { registerModelsCommand } from "./commands/models.js";
import { registerUsersCommand } from "./commands/users.js";
import { registerTokensCommand } from "./commands/tokens.js";
import { registerAuditCommand } from "./commands/audit.js";
import { registerGatesCommand } from "./commands/gates.js";
import { registerRequestsCommand } from "./commands/requests.js";
import { registerModelsServeCommand } from "./commands/models-serve.js";
import { registerDeploymentsCommand } from "./commands/deployments.js";
import { registerMonitorCommand } from "./commands/monitor.js";
import { registerStreamCommand } from "./commands/stream.js";
import { registerModelsDockerCommands } from "./commands/models-docker.js";
import { registerDeployComposeCommand } from "./commands/deploy-compose.js";
import { registerCiCommand } from "./commands/ci.js";
import { registerImportCommand } from "./commands/import.js";
import { registerDeploySageMakerCommand } from "./commands/deploy-sagemaker.js";
import { registerDeployK8sCommands } from "./commands/deploy-k8s.js";
import { registerBatchK8sJobCommand } from "./commands/batch-k8s-job.js";
import { registerBatchCommand } from "./commands/batch.js";

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name("flowgate")
    .description("Flowgate: ML model lifecycle platform that speaks MLflow's REST API")
    .version(FLOWGATE_VERSION);
  registerServerCommand(program);
  registerModelsCommand(program);
  registerUsersCommand(program);
  registerTokensCommand(program);
  registerAuditCommand(program);
  registerGatesCommand(program);
  registerRequestsCommand(program);
  registerModelsServeCommand(program);
  registerDeploymentsCommand(program);
  registerMonitorCommand(program);
  registerStreamCommand(program);
  registerModelsDockerCommands(program);
  registerDeployComposeCommand(program);
  registerCiCommand(program);
  registerImportCommand(program);
  registerDeploySageMakerCommand(program);
  registerDeployK8sCommands(program);
  registerBatchK8sJobCommand(program);
  registerBatchCommand(program);
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
