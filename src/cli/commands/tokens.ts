// `flowgate tokens`: create (shown once), list and revoke API tokens on a running server.
import type { Command } from "commander";
import { invalidParameter } from "../../core/errors.js";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

export function registerTokensCommand(program: Command): void {
  const tokens = program.command("tokens").description("API tokens (use as MLFLOW_TRACKING_TOKEN)");
  serverOptions(
    tokens
      .command("create <name>")
      .description("Create a token; it is printed once and cannot be shown again")
      .option("--user <username>", "for another user or service account (admin)")
      .option("--expires-in-days <n>", "expire after n days"),
  ).action(async (name: string, opts: ServerCallOptions & { user?: string; expiresInDays?: string }) => {
    const body: Record<string, unknown> = { name };
    if (opts.user !== undefined) body.username = opts.user;
    if (opts.expiresInDays !== undefined) {
      const days = Number(opts.expiresInDays);
      if (!Number.isFinite(days) || days <= 0)
        throw invalidParameter("--expires-in-days must be a positive number.");
      body.expires_at = Date.now() + Math.round(days * 86_400_000);
    }
    await printResult(opts, await apiCall(opts, "POST", "tokens", body));
  });
  serverOptions(
    tokens
      .command("list")
      .description("List your tokens (or --user's)")
      .option("--user <username>", "another user"),
  ).action(async (opts: ServerCallOptions & { user?: string }) => {
    await printResult(opts, await apiCall(opts, "GET", "tokens", { username: opts.user }));
  });
  serverOptions(tokens.command("revoke <token_id>").description("Revoke a token at once")).action(
    async (tokenId: string, opts: ServerCallOptions) => {
      await printResult(opts, await apiCall(opts, "DELETE", `tokens/${encodeURIComponent(tokenId)}`));
    },
  );
}
