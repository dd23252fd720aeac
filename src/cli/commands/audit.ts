// `flowgate audit`: query the audit log of a running server, or export it as JSON lines.
import type { Command } from "commander";
import { apiCall, printResult, serverOptions, type ServerCallOptions } from "./server-client.js";

interface AuditOptions extends ServerCallOptions {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
  export?: boolean;
  maxResults?: string;
}

function toMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}

export function registerAuditCommand(program: Command): void {
  serverOptions(
    program
      .command("audit")
      .description("Show who changed what, when and why (newest first), or --export everything as JSON lines")
      .option("--actor <user>", "only changes by this user")
      .option("--action <action>", "exact action, or a prefix ending in '.' (model_version.)")
      .option("--target-type <type>", "e.g. registered_model, model_version, user")
      .option("--target-id <id>", "e.g. fraud-detector/3")
      .option("--since <time>", "ISO time or ms since the epoch (inclusive)")
      .option("--until <time>", "ISO time or ms since the epoch (exclusive)")
      .option("--max-results <n>", "how many (default 100)")
      .option("--export", "stream every matching record, oldest first, as JSON lines"),
  ).action(async (opts: AuditOptions) => {
    const args = {
      actor: opts.actor,
      action: opts.action,
      target_type: opts.targetType,
      target_id: opts.targetId,
      since: toMs(opts.since),
      until: toMs(opts.until),
    };
    if (opts.export === true) {
      const res = await apiCall(opts, "GET", "audit/export", args);
      if (res.body !== null) {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
      }
      return;
    }
    await printResult(opts, await apiCall(opts, "GET", "audit", { ...args, max_results: opts.maxResults }));
  });
}
