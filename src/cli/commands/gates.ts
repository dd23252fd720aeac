// `flowgate gates`: show and set promotion policies (YAML/JSON files), evaluate a version's gates without
// promoting it, and list the stored evaluations.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

function policyPath(model: string | undefined): string {
  return model === undefined ? "policies/default" : `models/${encodeURIComponent(model)}/policy`;
}

/** The one promotion target of --stage, --alias or --deployment, as the native API takes it. */
export function target(opts: {
  stage?: string;
  alias?: string;
  deployment?: string;
}): Record<string, string> {
  const given = (["stage", "alias", "deployment"] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) throw invalidParameter("Give exactly one of --stage, --alias or --deployment.");
  const kind = given[0] as "stage" | "alias" | "deployment";
  return { [kind]: opts[kind] as string };
}

export function registerGatesCommand(program: Command): void {
  const gates = program.command("gates").description("Promotion policies, gates and their evaluations");
  serverOptions(
    gates
      .command("policy [model]")
      .description("Show the policy in force for a model (or the server default)"),
  ).action(async (model: string | undefined, opts: ServerCallOptions) => {
    await printResult(opts, await apiCall(opts, "GET", policyPath(model)));
  });
  serverOptions(
    gates
      .command("set-policy <file> [model]")
      .description("Set a model's policy (or the server default) from a YAML or JSON file"),
  ).action(async (file: string, model: string | undefined, opts: ServerCallOptions) => {
    const document = readFileSync(file, "utf8");
    await printResult(opts, await apiCall(opts, "PUT", policyPath(model), { document }));
  });
  serverOptions(
    gates
      .command("evaluate <model> <version>")
      .description(
        "Evaluate the gates a target needs, without promoting (recorded like any evaluation); runs the serving smoke benchmark a max_latency gate reads",
      )
      .option("--stage <stage>", "target stage, e.g. Production")
      .option("--alias <alias>", "target alias, e.g. champion")
      .option("--deployment <name>", "target deployment (deployment:<name>)")
      .option("--check", "exit 1 when a gate does not pass (for CI pipelines)"),
  ).action(
    async (
      model: string,
      version: string,
      opts: ServerCallOptions & { stage?: string; alias?: string; deployment?: string; check?: boolean },
    ) => {
      const path = `models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/evaluate-gates`;
      const res = await apiCall(opts, "POST", path, target(opts));
      const passed = ((await res.clone().json()) as { passed?: unknown }).passed;
      await printResult(opts, res);
      if (opts.check === true && passed !== true) process.exitCode = 1;
    },
  );
  serverOptions(
    gates
      .command("evaluations <model> <version>")
      .description("Every stored gate evaluation of a version, newest first"),
  ).action(async (model: string, version: string, opts: ServerCallOptions) => {
    const path = `models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/gate-evaluations`;
    await printResult(opts, await apiCall(opts, "GET", path));
  });
}
