// `flowgate gates`: show and set promotion policies (YAML/JSON files), evaluate a version's gates without
// promoting it, and list the stored evaluations.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

function policyPath(model: string | undefined): string {
  return model === undefined ? "policies/default" : `models/${encodeURIComponent(model)}/policy`;
}

function target(opts: { stage?: string; alias?: string }): Record<string, string> {
  if ((opts.stage === undefined) === (opts.alias === undefined)) {
    throw invalidParameter("Give exactly one of --stage or --alias.");
  }
  return opts.stage !== undefined ? { stage: opts.stage } : { alias: opts.alias as string };
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
      .option("--alias <alias>", "target alias, e.g. champion"),
  ).action(
    async (model: string, version: string, opts: ServerCallOptions & { stage?: string; alias?: string }) => {
      const path = `models/${encodeURIComponent(model)}/versions/${encodeURIComponent(version)}/evaluate-gates`;
      await printResult(opts, await apiCall(opts, "POST", path, target(opts)));
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
