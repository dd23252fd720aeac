// `flowgate requests`: transition requests — create with a reason, list (pending by default), approve,
// reject, cancel. Approval applies the transition; the requester and the version's creator cannot approve.
// A request for a deployment, once approved, is used by the next revision giving the version traffic there.
import type { Command } from "commander";
import { target } from "./gates.js";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

export function registerRequestsCommand(program: Command): void {
  const requests = program.command("requests").description("Transition requests and four-eyes approval");
  serverOptions(
    requests
      .command("create <model> <version>")
      .description("Ask for a version to be moved to a stage or alias, or to get traffic in a deployment")
      .option("--stage <stage>", "target stage, e.g. Production")
      .option("--alias <alias>", "target alias, e.g. champion")
      .option(
        "--deployment <name>",
        "target deployment: approved, the next revision giving the version traffic uses it",
      )
      .option("--archive-existing", "archive the versions now in the target stage when applied")
      .requiredOption("--reason <text>", "why (kept in the audit log)"),
  ).action(
    async (
      model: string,
      version: string,
      opts: ServerCallOptions & {
        stage?: string;
        alias?: string;
        deployment?: string;
        archiveExisting?: boolean;
        reason: string;
      },
    ) => {
      const to = target(opts);
      await printResult(
        opts,
        await apiCall(opts, "POST", "transition-requests", {
          name: model,
          version: Number(version),
          ...to,
          archive_existing_versions: opts.archiveExisting === true,
          reason: opts.reason,
        }),
      );
    },
  );
  serverOptions(
    requests
      .command("list")
      .description("List transition requests")
      .option("--status <status>", "pending (default), approved, rejected, cancelled or all")
      .option("--model <name>", "only for this model"),
  ).action(async (opts: ServerCallOptions & { status?: string; model?: string }) => {
    await printResult(
      opts,
      await apiCall(opts, "GET", "transition-requests", { status: opts.status, name: opts.model }),
    );
  });
  for (const verb of ["approve", "reject"] as const) {
    serverOptions(
      requests
        .command(`${verb} <id>`)
        .description(verb === "approve" ? "Approve and apply a request" : "Reject a request")
        .option("--comment <text>", "why"),
    ).action(async (id: string, opts: ServerCallOptions & { comment?: string }) => {
      await printResult(
        opts,
        await apiCall(opts, "POST", `transition-requests/${encodeURIComponent(id)}/${verb}`, {
          ...(opts.comment === undefined ? {} : { comment: opts.comment }),
        }),
      );
    });
  }
  serverOptions(requests.command("cancel <id>").description("Withdraw your own request")).action(
    async (id: string, opts: ServerCallOptions) => {
      await printResult(
        opts,
        await apiCall(opts, "POST", `transition-requests/${encodeURIComponent(id)}/cancel`),
      );
    },
  );
}
