// `flowgate users`: bootstrap the first admin directly in the metadata store (no server needed), and manage
// users, service accounts and grants through a running server.
import type { Command } from "commander";
import { DEFAULTS } from "../../core/config.js";
import { systemContext } from "../../core/request-context.js";
import { openDatabase } from "../../store/database.js";
import { createAuditLog } from "../../governance/audit.js";
import { createSqlUserStore } from "../../governance/auth/sql-user-store.js";
import { createUserService } from "../../governance/auth/users.js";
import { createModelNames } from "../../governance/scope-store.js";
import { systemClock } from "../../core/clock.js";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

async function readPassword(fromEnv: string | undefined): Promise<string> {
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (process.stdin.isTTY) {
    process.stderr.write("Password (at least 12 characters): ");
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

export function registerUsersCommand(program: Command): void {
  const users = program.command("users").description("Users, service accounts and role grants");

  users
    .command("create-admin")
    .description(
      "Create an admin user directly in the metadata store (password from FLOWGATE_ADMIN_PASSWORD or stdin)",
    )
    .requiredOption("--username <name>", "admin user name")
    .option("--backend-store-uri <uri>", `metadata store (default ${DEFAULTS.backendStoreUri})`)
    .action(async (opts: { username: string; backendStoreUri?: string }) => {
      const password = await readPassword(process.env.FLOWGATE_ADMIN_PASSWORD);
      const database = await openDatabase(
        opts.backendStoreUri ?? process.env.FLOWGATE_BACKEND_STORE_URI ?? DEFAULTS.backendStoreUri,
      );
      try {
        const service = createUserService({
          database,
          store: createSqlUserStore(),
          audit: createAuditLog(systemClock),
          clock: systemClock,
          models: createModelNames(),
        });
        await service.createAdmin({ ...systemContext("cli"), actor: "cli" }, opts.username, password);
        process.stdout.write(`created admin '${opts.username}'\n`);
      } finally {
        await database.close();
      }
    });

  serverOptions(
    users
      .command("create <username>")
      .description("Create a user (--password-stdin) or a service account (--service) on the server")
      .option("--service", "a service account (authenticates with API tokens only)")
      .option("--role <role>", "a global role to grant at once")
      .option("--password-stdin", "read the password from stdin"),
  ).action(
    async (
      username: string,
      opts: ServerCallOptions & { service?: boolean; role?: string; passwordStdin?: boolean },
    ) => {
      const body: Record<string, unknown> = { username, kind: opts.service === true ? "service" : "user" };
      if (opts.role !== undefined) body.role = opts.role;
      if (opts.passwordStdin === true) body.password = await readPassword(undefined);
      await printResult(opts, await apiCall(opts, "POST", "users", body));
    },
  );

  serverOptions(users.command("list").description("List users with their grants")).action(
    async (opts: ServerCallOptions) => {
      await printResult(opts, await apiCall(opts, "GET", "users"));
    },
  );

  serverOptions(
    users
      .command("delete <username>")
      .description("Delete a user or service account with its grants and tokens"),
  ).action(async (username: string, opts: ServerCallOptions) => {
    await printResult(opts, await apiCall(opts, "DELETE", `users/${encodeURIComponent(username)}`));
  });

  for (const [verb, method] of [
    ["grant", "POST"],
    ["revoke", "DELETE"],
  ] as const) {
    serverOptions(
      users
        .command(`${verb} <username> <role>`)
        .description(
          `${verb === "grant" ? "Grant" : "Revoke"} a role, globally or on one registered model or experiment`,
        )
        .option("--model <name>", "only on this registered model")
        .option("--experiment <id>", "only on this experiment"),
    ).action(
      async (
        username: string,
        role: string,
        opts: ServerCallOptions & { model?: string; experiment?: string },
      ) => {
        const body: Record<string, unknown> = { role };
        if (opts.model !== undefined)
          Object.assign(body, { scope_type: "registered_model", scope_id: opts.model });
        if (opts.experiment !== undefined)
          Object.assign(body, { scope_type: "experiment", scope_id: opts.experiment });
        await printResult(
          opts,
          await apiCall(opts, method, `users/${encodeURIComponent(username)}/grants`, body),
        );
      },
    );
  }
}
