// How governance CLI commands reach a running server: --tracking-uri (or MLFLOW_TRACKING_URI) and the same
// credentials the MLflow client uses (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME/PASSWORD).
import type { Command } from "commander";
import { FlowgateError, type ErrorCode } from "../../core/errors.js";

export interface ServerCallOptions {
  trackingUri?: string;
  json?: boolean;
}

export function serverOptions(cmd: Command): Command {
  return cmd
    .option(
      "--tracking-uri <url>",
      "Flowgate server URL (default $MLFLOW_TRACKING_URI or http://127.0.0.1:5000)",
    )
    .option("--json", "print JSON instead of a summary");
}

function baseUrl(opts: ServerCallOptions): string {
  return (opts.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? "http://127.0.0.1:5000").replace(/\/+$/, "");
}

function authHeader(): Record<string, string> {
  const token = process.env.MLFLOW_TRACKING_TOKEN;
  if (token !== undefined && token !== "") return { authorization: `Bearer ${token}` };
  const user = process.env.MLFLOW_TRACKING_USERNAME;
  const password = process.env.MLFLOW_TRACKING_PASSWORD;
  if (user !== undefined && password !== undefined) {
    return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
  }
  return {};
}

/** Sends one native API call; a server error becomes a FlowgateError (main prints it and exits 2). */
export async function apiCall(
  opts: ServerCallOptions,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  args: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  let url = `${baseUrl(opts)}/api/flowgate/v1/${path}`;
  const init: RequestInit = { method, headers: { ...authHeader(), ...headers } };
  if (method === "GET") {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(args))
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") qs.append(k, String(v));
    if ([...qs].length > 0) url += `?${qs.toString()}`;
  } else {
    init.headers = { ...authHeader(), ...headers, "content-type": "application/json" };
    init.body = JSON.stringify(args);
  }
  const res = await fetch(url, init);
  if (!res.ok) {
    const text = await res.text();
    let code: ErrorCode = "INTERNAL_ERROR";
    let message = text;
    try {
      const body = JSON.parse(text) as { error_code?: ErrorCode; message?: string };
      code = body.error_code ?? code;
      message = body.message ?? text;
    } catch {
      // not JSON: keep the raw text
    }
    throw new FlowgateError(code, message);
  }
  return res;
}

export async function printResult(opts: ServerCallOptions, res: Response): Promise<void> {
  const body: unknown = await res.json();
  process.stdout.write(`${JSON.stringify(body, null, opts.json === true ? 0 : 2)}\n`);
}
